package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowBinaryEncoderTest {
    private static String hex(String type, Object value) {
        RowBinaryEncoder e = RowBinaryEncoder.forColumns("t", List.of("c"), Map.of("c", type));
        RowBinaryEncoder.Buffer out = new RowBinaryEncoder.Buffer();
        e.encode(new Object[] {value}, out);
        return HexFormat.of().formatHex(out.toByteArray());
    }

    @Test
    void encodesEachColumnTypeOfTheSinkTablesAsClickHouseRowBinary() {
        // Fixed vectors, by hand from the RowBinary format description (little-endian, LEB128 lengths).
        assertThat(hex("String", "é")).isEqualTo("02c3a9");
        assertThat(hex("String", new byte[300])).startsWith("ac02").hasSize(2 * 302);
        assertThat(hex("LowCardinality(String)", "ab")).isEqualTo("026162");
        assertThat(hex("FixedString(3)", new byte[] {1, 2, 3})).isEqualTo("010203");
        assertThat(hex("UInt8", (short) 255)).isEqualTo("ff");
        assertThat(hex("UInt32", 0xFFFF_FFFEL)).isEqualTo("feffffff");
        assertThat(hex("UInt64", 1L)).isEqualTo("0100000000000000");
        assertThat(hex("Int32", -2)).isEqualTo("feffffff");
        assertThat(hex("Int64", -1L)).isEqualTo("ffffffffffffffff");
        assertThat(hex("Float64", 1.0)).isEqualTo("000000000000f03f");
        // 1 s + 2,345,678 ns: 1,002,345 µs (truncated, as ClickHouse does); 1,002 ms at precision 3.
        assertThat(hex("DateTime64(6, 'UTC')", Instant.ofEpochSecond(1, 2_345_678))).isEqualTo("694b0f0000000000");
        assertThat(hex("DateTime64(3, 'UTC')", Instant.ofEpochSecond(1, 2_345_678))).isEqualTo("ea03000000000000");
        assertThat(hex("DateTime64(6, 'UTC')", Instant.ofEpochSecond(-1))).isEqualTo("c0bdf0ffffffffff");
        assertThat(hex("Nullable(String)", null)).isEqualTo("01");
        assertThat(hex("Nullable(FixedString(2))", new byte[] {7, 8})).isEqualTo("000708");
        assertThat(hex("Nullable(DateTime64(6, 'UTC'))", Instant.EPOCH)).isEqualTo("000000000000000000");
        assertThat(hex("Array(LowCardinality(String))", List.of("a", ""))).isEqualTo("02016100");
        assertThat(hex("Array(String)", List.of())).isEqualTo("00");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("k", "v");
        headers.put("", "w");
        assertThat(hex("Map(String, String)", headers)).isEqualTo("02016b0176000177");
    }

    @Test
    void refusesATypeItDoesNotKnowWhenBuilt() {
        for (String type : List.of("UInt16", "Int8", "Bool", "UUID", "Decimal(10, 2)", "DateTime", "Float32",
                "Tuple(String, String)", "Map(String, UInt16)", "Nullable(Int128)")) {
            assertThatThrownBy(() -> RowBinaryEncoder.forColumns("t", List.of("c"), Map.of("c", type)))
                    .as(type).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t.c")
                    .hasMessageContaining("unknown column type");
        }
        assertThatThrownBy(() -> RowBinaryEncoder.forColumns("t", List.of("c", "d"), Map.of("c", "String")))
                .hasMessageContaining("t has no column d");
    }

    @Test
    void refusesAValueItCannotEncodeExactlyNamingTheColumn() {
        for (Object[] typeAndValue : List.of(
                new Object[] {"String", null},
                new Object[] {"String", 5},
                new Object[] {"FixedString(32)", new byte[31]},
                new Object[] {"UInt8", (short) 256},
                new Object[] {"UInt8", 1.0},
                new Object[] {"UInt32", -1L},
                new Object[] {"UInt32", 0x1_0000_0000L},
                new Object[] {"UInt64", -1L},
                new Object[] {"Int32", 1L << 31},
                new Object[] {"Float64", 1L},
                new Object[] {"DateTime64(6, 'UTC')", "2026-01-01"},
                new Object[] {"DateTime64(6, 'UTC')", Instant.MAX},
                new Object[] {"Array(String)", Arrays.asList("a", null)},
                new Object[] {"Array(String)", "a"})) {
            assertThatThrownBy(() -> hex((String) typeAndValue[0], typeAndValue[1]))
                    .as("%s %s", typeAndValue[0], typeAndValue[1]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("t.c: ");
        }
    }
}
