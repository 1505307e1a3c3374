package io.attestream.deploy.chdb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import com.clickhouse.data.ClickHouseCityHash;
import org.junit.jupiter.api.Test;

class CityHash128Test {

    private static long[] h(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return CityHash128.hash(b, 0, b.length);
    }

    private static byte[] pattern(int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** Vectors of CityHash v1.0.2 as ClickHouse computes it (the same values its Java driver checks). */
    @Test
    void matchesFixedClickHouseVectors() {
        assertThat(h("")).containsExactly(0x3df09dfc64c09a2bL, 0x3cb540c392e51e29L);
        assertThat(h("a")).containsExactly(0xd27139a1afe01ad0L, 0xfd7e8ee2e4c86cf6L);
        assertThat(h("abc")).containsExactly(0x900ff195577748feL, 0x13a9176355b20d7eL);
        assertThat(h("ClickHouse")).containsExactly(0x3704cc81c00bb612L, 0x76d43ac4baf91402L);
        assertThat(h("0123456789abcdef")).containsExactly(0xc52ea1adb29e4800L, 0x7369a2fab076de4cL);
        assertThat(h("The quick brown fox jumps over the lazy dog"))
                .containsExactly(0x69102202d326a2fdL, 0xe4b1346bbee531a1L);
        assertThat(CityHash128.hash(pattern(127), 0, 127)).containsExactly(0xc244dc8a06ce8c41L, 0xf30e2cf6b33629a6L);
        assertThat(CityHash128.hash(pattern(128), 0, 128)).containsExactly(0xba863c0c70f32346L, 0x24b156fc6f3c170aL);
        assertThat(CityHash128.hash(pattern(129), 0, 129)).containsExactly(0x238598064c8ee2f1L, 0x6c89b9263ef7410bL);
        assertThat(CityHash128.hash(pattern(200), 0, 200)).containsExactly(0x67b5c9a4f885f24bL, 0xb4a0f54a58082487L);
        assertThat(CityHash128.hash(pattern(1000), 0, 1000)).containsExactly(0x597ff4957972ad7eL, 0x7f39a4abd7c010e1L);
    }

    @Test
    void agreesWithTheDriversImplementationOnEveryLengthUpTo600AndWithOffsets() {
        Random rnd = new Random(42);
        for (int len = 0; len <= 600; len++) {
            byte[] b = new byte[len + 7];
            rnd.nextBytes(b);
            long[] mine = CityHash128.hash(b, 7, len);
            byte[] copy = new byte[len];
            System.arraycopy(b, 7, copy, 0, len);
            long[] theirs = ClickHouseCityHash.cityHash128(copy, 0, len);
            assertThat(mine).as("length %d", len).containsExactly(theirs);
        }
    }

    @Test
    void changesWhenOneBitFlips() {
        byte[] b = pattern(300);
        long[] before = CityHash128.hash(b, 0, b.length);
        b[150] ^= 1;
        assertThat(CityHash128.hash(b, 0, b.length)).isNotEqualTo(before);
    }
}
