package io.attestream.deploy.chdb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;

import com.clickhouse.client.api.internal.ClickHouseLZ4InputStream;
import com.clickhouse.client.api.internal.ClickHouseLZ4OutputStream;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;

class CompressedBlocksTest {

    private static byte[] sample(int n) {
        byte[] b = new byte[n];
        Random rnd = new Random(7);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 97 < 50 ? 'a' + i % 13 : rnd.nextInt());
        }
        return b;
    }

    private static byte[] encode(byte[] data, int blockSize) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new CompressedBlocks.BlockOutputStream(bos, blockSize)) {
            out.write(data, 0, data.length / 3);
            for (int i = data.length / 3; i < data.length / 2; i++) {
                out.write(data[i]);
            }
            out.write(data, data.length / 2, data.length - data.length / 2);
        }
        return bos.toByteArray();
    }

    @Test
    void writesTheLayoutClickHouseDocuments() throws IOException {
        byte[] frame = encode("hello hello hello".getBytes(), 1 << 20);
        assertThat(frame[16]).isEqualTo((byte) 0x82);
        int sizeWithHeader = CompressedBlocks.getInt32(frame, 17);
        assertThat(sizeWithHeader).isEqualTo(frame.length - 16);
        assertThat(CompressedBlocks.getInt32(frame, 21)).isEqualTo(17);
        long[] h = CityHash128.hash(frame, 16, sizeWithHeader);
        assertThat(CompressedBlocks.getInt64(frame, 0)).isEqualTo(h[0]);
        assertThat(CompressedBlocks.getInt64(frame, 8)).isEqualTo(h[1]);
    }

    @Test
    void roundTripsAcrossManyBlocks() throws IOException {
        byte[] data = sample(300_000);
        byte[] framed = encode(data, 4096);
        try (InputStream in = new CompressedBlocks.BlockInputStream(new ByteArrayInputStream(framed))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void isReadableByTheClickHouseJavaDriver() throws IOException {
        byte[] data = sample(2_500_000);
        byte[] framed = encode(data, CompressedBlocks.DEFAULT_BLOCK_SIZE);
        try (InputStream in = new ClickHouseLZ4InputStream(new ByteArrayInputStream(framed),
                LZ4Factory.fastestInstance().fastDecompressor(), 8192)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void readsWhatTheClickHouseJavaDriverWrites() throws IOException {
        byte[] data = sample(700_000);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new ClickHouseLZ4OutputStream(bos, LZ4Factory.fastestInstance().fastCompressor(),
                65536)) {
            out.write(data);
        }
        try (InputStream in = new CompressedBlocks.BlockInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void rejectsAFlippedBitWithAChecksumError() throws IOException {
        byte[] framed = encode(sample(10_000), 1 << 20);
        framed[40] ^= 0x10;
        try (InputStream in = new CompressedBlocks.BlockInputStream(new ByteArrayInputStream(framed))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(CompressedBlocks.CorruptBlockException.class)
                    .hasMessageContaining("checksum");
        }
    }

    @Test
    void rejectsGarbageAndTruncationWithoutHugeAllocations() throws IOException {
        byte[] garbage = new byte[64];
        new Random(1).nextBytes(garbage);
        garbage[16] = (byte) 0x82;
        CompressedBlocks.putInt32(garbage, 17, Integer.MAX_VALUE);
        try (InputStream in = new CompressedBlocks.BlockInputStream(new ByteArrayInputStream(garbage))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(CompressedBlocks.CorruptBlockException.class);
        }
        byte[] framed = encode(sample(10_000), 1 << 20);
        byte[] cut = java.util.Arrays.copyOf(framed, framed.length - 5);
        try (InputStream in = new CompressedBlocks.BlockInputStream(new ByteArrayInputStream(cut))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("truncated");
        }
    }
}
