package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The sink's own RowBinary encoder, for the {@code client-v2} insert path: exactly the ClickHouse column types the
 * sink's tables use (String, FixedString(N), UInt8, UInt32, UInt64, Int32, Int64, Float64, DateTime64(P[, tz]),
 * and Nullable, LowCardinality, Array and Map of those), from exactly the Java values {@link RowMapper} and
 * {@link SinkLoop} put in a row (String, byte[], Short/Integer/Long, Double, Instant, List, Map).
 *
 * <p>Contract: a column type it does not know is refused when the encoder is built ({@link #forColumns}); a value
 * of the wrong Java type, out of the column type's range, a FixedString of another length, or null in a column that
 * is not Nullable is refused when the row is encoded, with the table and column named. It MUST NOT write any other
 * encoding than ClickHouse's RowBinary of the value (little-endian fixed-width numbers, LEB128 lengths, DateTime64
 * as Int64 ticks of 10^-P s since the epoch, whatever the column's time zone: an Instant has none).
 */
final class RowBinaryEncoder {
    /** One column's encoding. */
    private interface Codec {
        void write(Object value, Buffer out);
    }

    private final String table;
    private final List<String> columns;
    private final Codec[] codecs;

    private RowBinaryEncoder(String table, List<String> columns, Codec[] codecs) {
        this.table = table;
        this.columns = columns;
        this.codecs = codecs;
    }

    /**
     * @param table   for messages
     * @param columns the columns of a row, in value order
     * @param types   ClickHouse type of each column (system.columns.type), at least those of {@code columns}
     * @throws IllegalArgumentException naming the column when a column is missing from {@code types} or its type is
     *                                  not one this encoder knows
     */
    static RowBinaryEncoder forColumns(String table, List<String> columns, Map<String, String> types) {
        requireNonNull(table, "table");
        Codec[] codecs = new Codec[columns.size()];
        for (int i = 0; i < codecs.length; i++) {
            String column = columns.get(i);
            String type = types.get(column);
            if (type == null) {
                throw new IllegalArgumentException(table + " has no column " + column);
            }
            try {
                codecs[i] = codec(type.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(table + "." + column + ": " + e.getMessage(), e);
            }
        }
        return new RowBinaryEncoder(table, List.copyOf(columns), codecs);
    }

    /**
     * Appends one row.
     *
     * @throws IllegalArgumentException naming table and column when a value cannot be encoded for its column; the
     *                                  buffer then holds part of the row and MUST be discarded
     */
    void encode(Object[] row, Buffer out) {
        if (row.length != codecs.length) {
            throw new IllegalArgumentException(table + ": row has " + row.length + " values for " + codecs.length
                    + " columns");
        }
        for (int i = 0; i < codecs.length; i++) {
            try {
                codecs[i].write(row[i], out);
            } catch (IllegalArgumentException | ClassCastException | ArithmeticException e) {
                throw new IllegalArgumentException(table + "." + columns.get(i) + ": " + e.getMessage(), e);
            }
        }
    }

    private static Codec codec(String type) {
        String inner = argument(type, "LowCardinality");
        if (inner != null) {
            return codec(inner); // RowBinary sends a LowCardinality column as its inner type
        }
        inner = argument(type, "Nullable");
        if (inner != null) {
            Codec value = codec(inner);
            return (v, out) -> {
                if (v == null) {
                    out.writeByte(1);
                } else {
                    out.writeByte(0);
                    value.write(v, out);
                }
            };
        }
        inner = argument(type, "Array");
        if (inner != null) {
            Codec element = notNull(codec(inner));
            return notNull((v, out) -> {
                Collection<?> items = (Collection<?>) v;
                out.writeVarint(items.size());
                for (Object item : items) {
                    element.write(item, out);
                }
            });
        }
        inner = argument(type, "Map");
        if (inner != null) {
            List<String> kv = topLevelArguments(inner);
            if (kv.size() != 2) {
                throw new IllegalArgumentException("unknown column type " + type);
            }
            Codec key = notNull(codec(kv.get(0)));
            Codec value = notNull(codec(kv.get(1)));
            return notNull((v, out) -> {
                Map<?, ?> map = (Map<?, ?>) v;
                out.writeVarint(map.size());
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    key.write(e.getKey(), out);
                    value.write(e.getValue(), out);
                }
            });
        }
        inner = argument(type, "FixedString");
        if (inner != null) {
            int n = Integer.parseInt(inner.strip());
            return notNull((v, out) -> {
                byte[] b = (byte[]) v;
                if (b.length != n) {
                    throw new IllegalArgumentException(b.length + " bytes for FixedString(" + n + ")");
                }
                out.writeBytes(b);
            });
        }
        inner = argument(type, "DateTime64");
        if (inner != null) {
            int precision = Integer.parseInt(topLevelArguments(inner).get(0).strip());
            if (precision < 0 || precision > 9) {
                throw new IllegalArgumentException("unknown column type " + type);
            }
            long perSecond = pow10(precision);
            long nanosPerTick = pow10(9 - precision);
            return notNull((v, out) -> {
                Instant t = (Instant) v;
                // Math.*Exact: an Instant beyond DateTime64's Int64 range fails instead of wrapping around.
                out.writeLongLe(Math.addExact(Math.multiplyExact(t.getEpochSecond(), perSecond),
                        t.getNano() / nanosPerTick));
            });
        }
        switch (type) {
            case "String":
                return notNull((v, out) -> {
                    byte[] b = v instanceof byte[] raw ? raw : ((CharSequence) v).toString()
                            .getBytes(StandardCharsets.UTF_8);
                    out.writeVarint(b.length);
                    out.writeBytes(b);
                });
            case "UInt8":
                return notNull((v, out) -> out.writeByte((int) integral(v, 0, 0xFF)));
            case "UInt32":
                return notNull((v, out) -> out.writeIntLe((int) integral(v, 0, 0xFFFF_FFFFL)));
            case "UInt64":
                // Java has no unsigned long value the sink could hold: a negative Long is refused, not reinterpreted.
                return notNull((v, out) -> out.writeLongLe(integral(v, 0, Long.MAX_VALUE)));
            case "Int32":
                return notNull((v, out) -> out.writeIntLe((int) integral(v, Integer.MIN_VALUE, Integer.MAX_VALUE)));
            case "Int64":
                return notNull((v, out) -> out.writeLongLe(integral(v, Long.MIN_VALUE, Long.MAX_VALUE)));
            case "Float64":
                return notNull((v, out) -> {
                    if (!(v instanceof Double) && !(v instanceof Float)) {
                        throw new IllegalArgumentException(v.getClass().getName() + " for Float64");
                    }
                    out.writeLongLe(Double.doubleToRawLongBits(((Number) v).doubleValue()));
                });
            default:
                throw new IllegalArgumentException("unknown column type " + type
                        + " (the client-v2 insert path encodes only the sink's own column types)");
        }
    }

    private static Codec notNull(Codec codec) {
        return (v, out) -> {
            if (v == null) {
                throw new IllegalArgumentException("null in a column that is not Nullable");
            }
            codec.write(v, out);
        };
    }

    private static long integral(Object v, long min, long max) {
        if (!(v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)) {
            throw new IllegalArgumentException(v.getClass().getName() + " for an integer column");
        }
        long n = ((Number) v).longValue();
        if (n < min || n > max) {
            throw new IllegalArgumentException(n + " out of range [" + min + ", " + max + "]");
        }
        return n;
    }

    private static long pow10(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) {
            p *= 10;
        }
        return p;
    }

    /** The text inside {@code Name(...)} when {@code type} is that, else null. */
    private static String argument(String type, String name) {
        if (type.startsWith(name + "(") && type.endsWith(")")) {
            return type.substring(name.length() + 1, type.length() - 1);
        }
        return null;
    }

    /** Splits {@code a, b(c, d), 'e'} at its top-level commas. */
    private static List<String> topLevelArguments(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                out.add(s.substring(start, i).strip());
                start = i + 1;
            }
        }
        out.add(s.substring(start).strip());
        return out;
    }

    /** A growable byte buffer, reused across batches (not thread-safe). */
    static final class Buffer {
        private byte[] bytes = new byte[1 << 16];
        private int size;

        int size() {
            return size;
        }

        void reset() {
            size = 0;
        }

        void writeTo(OutputStream out) throws IOException {
            out.write(bytes, 0, size);
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        void writeByte(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        void writeBytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, bytes, size, b.length);
            size += b.length;
        }

        void writeIntLe(int v) {
            ensure(4);
            for (int i = 0; i < 4; i++) {
                bytes[size++] = (byte) (v >>> (8 * i));
            }
        }

        void writeLongLe(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) {
                bytes[size++] = (byte) (v >>> (8 * i));
            }
        }

        /** Unsigned LEB128, as RowBinary lengths. */
        void writeVarint(long v) {
            ensure(10);
            long rest = v;
            while ((rest & ~0x7FL) != 0) {
                bytes[size++] = (byte) ((rest & 0x7F) | 0x80);
                rest >>>= 7;
            }
            bytes[size++] = (byte) rest;
        }
    }
}
