package io.attestream.verifier.internal;

import java.util.Arrays;
import org.apache.avro.Schema;

/**
 * Reads Avro binary data from a byte range with every length, count and index checked against the bytes actually
 * present, so stored bytes an attacker chose can make a decode fail but never make it allocate more than the
 * input. Avro's own decoders allocate from the length prefix first; the verifier reads untrusted rows, so it
 * walks the data itself (and allocates only the values it compares).
 */
final class AvroCursor {
    private static final int MAX_DEPTH = 64;

    /** The data is not valid Avro under the schema walked. */
    static final class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;

        Corrupt(String message) {
            super(message, null, false, false);
        }
    }

    private final byte[] buf;
    private final int start;
    private final int end;
    private int pos;

    AvroCursor(byte[] buf, int off, int len) {
        this.buf = buf;
        this.start = off;
        this.end = off + len;
        this.pos = off;
    }

    /** @return bytes not read yet */
    int remaining() {
        return end - pos;
    }

    /** @return offset from the start of the range */
    int offset() {
        return pos - start;
    }

    long readLong() throws Corrupt {
        long v = 0;
        int shift = 0;
        while (true) {
            if (pos >= end) {
                throw corrupt("varint runs past the end");
            }
            int b = buf[pos++] & 0xff;
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (v >>> 1) ^ -(v & 1);
            }
            shift += 7;
            if (shift > 63) {
                throw corrupt("varint longer than 10 bytes");
            }
        }
    }

    int readInt() throws Corrupt {
        long v = readLong();
        if (v != (int) v) {
            throw corrupt("int " + v + " out of range");
        }
        return (int) v;
    }

    double readDouble() throws Corrupt {
        take(8);
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = (bits << 8) | (buf[pos - 8 + i] & 0xff);
        }
        return Double.longBitsToDouble(bits);
    }

    float readFloat() throws Corrupt {
        take(4);
        int bits = (buf[pos - 4] & 0xff) | (buf[pos - 3] & 0xff) << 8 | (buf[pos - 2] & 0xff) << 16
                | (buf[pos - 1] & 0xff) << 24;
        return Float.intBitsToFloat(bits);
    }

    /** A string's or bytes' content, copied. */
    byte[] readBytes() throws Corrupt {
        int n = length();
        take(n);
        return Arrays.copyOfRange(buf, pos - n, pos);
    }

    byte[] readFixed(int size) throws Corrupt {
        take(size);
        return Arrays.copyOfRange(buf, pos - size, pos);
    }

    /** An index below {@code bound} (union branch, enum symbol). */
    int readIndex(int bound, String what) throws Corrupt {
        long i = readLong();
        if (i < 0 || i >= bound) {
            throw corrupt(what + " index " + i + " out of range 0.." + (bound - 1));
        }
        return (int) i;
    }

    /**
     * The item count of the next array or map block (0 at the end), its byte size skipped when present.
     *
     * @return the count, checked to fit the bytes left
     */
    long readBlockCount() throws Corrupt {
        long count = readLong();
        if (count < 0) {
            count = -count;
            long size = readLong();
            if (size < 0 || size > remaining()) {
                throw corrupt("block byte size " + size + " exceeds the " + remaining() + " bytes left");
            }
        }
        // Items of the types read here take at least one byte; a count beyond the bytes left is corrupt.
        if (count > remaining() && count > 0) {
            throw corrupt("block count " + count + " cannot fit in the " + remaining() + " bytes left");
        }
        return count;
    }

    /** Skips one datum of {@code schema}. */
    void skip(Schema schema) throws Corrupt {
        skip(schema, 0);
    }

    /** A skip of one datum of a schema compiled once ({@link #compile}). */
    interface Skip {
        void skip(AvroCursor c) throws Corrupt;
    }

    /** Most schema nodes compiled into one {@link Skip}; a larger schema is walked at each datum instead. */
    private static final int MAX_COMPILED_NODES = 10_000;

    /**
     * Compiles {@link #skip(Schema)} for one schema: the same reads, checks and messages in the same order, without
     * walking the schema at every datum. A recursive schema, one nested deeper than the walk allows, or a very large
     * one (the schema text is untrusted too) is not compiled: its skip is the walk itself.
     *
     * @param schema the schema
     * @return the skip
     */
    static Skip compile(Schema schema) {
        int[] budget = {MAX_COMPILED_NODES};
        if (maxDepth(schema, 0, new java.util.IdentityHashMap<>(), budget) > MAX_DEPTH) {
            return c -> c.skip(schema);
        }
        return compiled(schema);
    }

    /** The deepest skip depth under {@code schema} entered at {@code depth}; above MAX_DEPTH when not compilable. */
    private static int maxDepth(Schema schema, int depth, java.util.IdentityHashMap<Schema, Boolean> open,
            int[] budget) {
        if (--budget[0] < 0 || depth > MAX_DEPTH || open.containsKey(schema)) {
            return MAX_DEPTH + 1;
        }
        open.put(schema, Boolean.TRUE);
        int max = depth;
        switch (schema.getType()) {
            case UNION -> {
                for (Schema t : schema.getTypes()) {
                    max = Math.max(max, maxDepth(t, depth + 1, open, budget));
                }
            }
            case RECORD -> {
                for (Schema.Field f : schema.getFields()) {
                    max = Math.max(max, maxDepth(f.schema(), depth + 1, open, budget));
                }
            }
            case ARRAY -> max = Math.max(max, maxDepth(schema.getElementType(), depth + 1, open, budget));
            case MAP -> max = Math.max(max, maxDepth(schema.getValueType(), depth + 1, open, budget));
            default -> {
            }
        }
        open.remove(schema);
        return max;
    }

    private static Skip compiled(Schema schema) {
        switch (schema.getType()) {
            case NULL -> {
                return c -> {
                };
            }
            case BOOLEAN -> {
                return c -> {
                    c.take(1);
                    if (c.buf[c.pos - 1] != 0 && c.buf[c.pos - 1] != 1) {
                        throw c.corrupt("boolean byte is " + (c.buf[c.pos - 1] & 0xff));
                    }
                };
            }
            case INT -> {
                return AvroCursor::readInt;
            }
            case LONG -> {
                return AvroCursor::readLong;
            }
            case FLOAT -> {
                return c -> c.take(4);
            }
            case DOUBLE -> {
                return c -> c.take(8);
            }
            case STRING, BYTES -> {
                return c -> c.take(c.length());
            }
            case FIXED -> {
                int size = schema.getFixedSize();
                return c -> c.take(size);
            }
            case ENUM -> {
                int n = schema.getEnumSymbols().size();
                String what = "enum " + schema.getFullName();
                return c -> c.readIndex(n, what);
            }
            case UNION -> {
                Skip[] branches = schema.getTypes().stream().map(AvroCursor::compiled).toArray(Skip[]::new);
                return c -> branches[c.readIndex(branches.length, "union")].skip(c);
            }
            case RECORD -> {
                Skip[] fields = schema.getFields().stream().map(f -> compiled(f.schema())).toArray(Skip[]::new);
                return c -> {
                    for (Skip f : fields) {
                        f.skip(c);
                    }
                };
            }
            case ARRAY -> {
                Skip item = compiled(schema.getElementType());
                return c -> {
                    for (long n = c.readBlockCount(); n != 0; n = c.readBlockCount()) {
                        for (long i = 0; i < n; i++) {
                            item.skip(c);
                        }
                    }
                };
            }
            case MAP -> {
                Skip value = compiled(schema.getValueType());
                return c -> {
                    for (long n = c.readBlockCount(); n != 0; n = c.readBlockCount()) {
                        for (long i = 0; i < n; i++) {
                            c.take(c.length());
                            value.skip(c);
                        }
                    }
                };
            }
            default -> {
                Schema.Type t = schema.getType();
                return c -> {
                    throw c.corrupt("unsupported schema type " + t);
                };
            }
        }
    }

    private void skip(Schema schema, int depth) throws Corrupt {
        if (depth > MAX_DEPTH) {
            throw corrupt("nesting deeper than " + MAX_DEPTH);
        }
        switch (schema.getType()) {
            case NULL -> {
            }
            case BOOLEAN -> {
                take(1);
                if (buf[pos - 1] != 0 && buf[pos - 1] != 1) {
                    throw corrupt("boolean byte is " + (buf[pos - 1] & 0xff));
                }
            }
            case INT -> readInt();
            case LONG -> readLong();
            case FLOAT -> take(4);
            case DOUBLE -> take(8);
            case STRING, BYTES -> take(length());
            case FIXED -> take(schema.getFixedSize());
            case ENUM -> readIndex(schema.getEnumSymbols().size(), "enum " + schema.getFullName());
            case UNION -> skip(schema.getTypes().get(readIndex(schema.getTypes().size(), "union")), depth + 1);
            case RECORD -> {
                for (Schema.Field f : schema.getFields()) {
                    skip(f.schema(), depth + 1);
                }
            }
            case ARRAY -> {
                for (long n = readBlockCount(); n != 0; n = readBlockCount()) {
                    for (long i = 0; i < n; i++) {
                        skip(schema.getElementType(), depth + 1);
                    }
                }
            }
            case MAP -> {
                for (long n = readBlockCount(); n != 0; n = readBlockCount()) {
                    for (long i = 0; i < n; i++) {
                        take(length());
                        skip(schema.getValueType(), depth + 1);
                    }
                }
            }
            default -> throw corrupt("unsupported schema type " + schema.getType());
        }
    }

    private int length() throws Corrupt {
        long n = readLong();
        if (n < 0 || n > remaining()) {
            throw corrupt("length " + n + " exceeds the " + remaining() + " bytes left");
        }
        return (int) n;
    }

    private void take(int n) throws Corrupt {
        if (n > remaining()) {
            throw corrupt(n + " bytes needed, " + remaining() + " left");
        }
        pos += n;
    }

    Corrupt corrupt(String what) {
        return new Corrupt(what + " at body offset " + offset());
    }
}
