package io.attestream.schemas.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.avro.Schema;

/**
 * Walks Avro binary data under its writer schema without allocating anything, checking that every length, count
 * and index fits the bytes actually present. Avro's decoders allocate a string's buffer from the length prefix
 * before reading it, so a 20-byte corrupt record could ask for 2 GiB; this pass runs first and turns such input
 * into a {@link WireFormatException.CorruptAvroException} with the exact offset. It also refuses a string that is
 * not well-formed UTF-8, which the decoders would silently turn into U+FFFD.
 */
final class AvroBoundsCheck {
    private static final int MAX_DEPTH = 64;
    /** Eight bytes of an array as one long (the byte order does not matter to the ASCII test). */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] buf;
    private final int start;
    private final int end;
    private int pos;

    private AvroBoundsCheck(byte[] buf, int off, int len) {
        this.buf = buf;
        this.start = off;
        this.end = off + len;
        this.pos = off;
    }

    /** Throws {@link Corrupt} at the first defect; returns normally when the datum spans exactly the range. */
    static void check(Schema writer, byte[] buf, int off, int len) throws Corrupt {
        AvroBoundsCheck walker = new AvroBoundsCheck(buf, off, len);
        walker.walk(writer, 0);
        if (walker.pos != walker.end) {
            throw walker.corrupt((walker.end - walker.pos) + " trailing bytes after the record");
        }
    }

    /** A defect at a body offset. */
    static final class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;

        Corrupt(String message) {
            super(message, null, false, false);
        }
    }

    private void walk(Schema schema, int depth) throws Corrupt {
        if (depth > MAX_DEPTH) {
            throw corrupt("nesting deeper than " + MAX_DEPTH);
        }
        switch (schema.getType()) {
            case NULL:
                return;
            case BOOLEAN:
                int b = take(1);
                if (buf[b] != 0 && buf[b] != 1) {
                    throw corruptAt(b, "boolean byte is " + (buf[b] & 0xff));
                }
                return;
            case INT:
                varint(5);
                return;
            case LONG:
                varint(10);
                return;
            case FLOAT:
                take(4);
                return;
            case DOUBLE:
                take(8);
                return;
            case STRING:
                int n = length("string");
                utf8(take(n), n);
                return;
            case BYTES:
                take(length("bytes"));
                return;
            case FIXED:
                take(schema.getFixedSize());
                return;
            case ENUM:
                index(schema.getEnumSymbols().size(), "enum " + schema.getFullName());
                return;
            case UNION:
                walk(schema.getTypes().get(index(schema.getTypes().size(), "union")), depth + 1);
                return;
            case RECORD:
                for (Schema.Field field : schema.getFields()) {
                    walk(field.schema(), depth + 1);
                }
                return;
            case ARRAY:
                blocks(schema.getElementType(), null, depth);
                return;
            case MAP:
                blocks(schema.getValueType(), Schema.create(Schema.Type.STRING), depth);
                return;
            default:
                throw corrupt("unsupported schema type " + schema.getType());
        }
    }

    private void blocks(Schema item, Schema key, int depth) throws Corrupt {
        while (true) {
            int at = pos;
            long count = varint(10);
            if (count == 0) {
                return;
            }
            if (count < 0) {
                count = -count;
                long size = varint(10);
                if (size < 0 || size > end - pos) {
                    throw corruptAt(at, "block byte size " + size + " exceeds the " + (end - pos) + " bytes left");
                }
            }
            // Every item consumes at least one byte unless its type is empty; bound the count either way.
            if (count > end - pos && minSize(item) > 0 || count > 1_000_000) {
                throw corruptAt(at, "block count " + count + " cannot fit in the " + (end - pos) + " bytes left");
            }
            for (long i = 0; i < count; i++) {
                if (key != null) {
                    walk(key, depth + 1);
                }
                walk(item, depth + 1);
            }
        }
    }

    private static int minSize(Schema schema) {
        switch (schema.getType()) {
            case NULL:
                return 0;
            case RECORD:
                int sum = 0;
                for (Schema.Field f : schema.getFields()) {
                    sum += minSize(f.schema());
                }
                return sum;
            case FIXED:
                return schema.getFixedSize();
            default:
                return 1;
        }
    }

    private int index(int size, String what) throws Corrupt {
        int at = pos;
        long i = varint(5);
        if (i < 0 || i >= size) {
            throw corruptAt(at, what + " index " + i + " outside 0.." + (size - 1));
        }
        return (int) i;
    }

    private int length(String what) throws Corrupt {
        int at = pos;
        long n = varint(10);
        if (n < 0 || n > end - pos) {
            throw corruptAt(at, what + " length " + n + " exceeds the " + (end - pos) + " bytes left");
        }
        return (int) n;
    }

    /**
     * Checks that the {@code n} bytes at {@code at} are well-formed UTF-8 (RFC 3629: shortest form, no surrogate code
     * points, nothing above U+10FFFF). Java's decoder would replace a malformed sequence by U+FFFD and carry on, so
     * two different byte strings (say two agentIds) would decode to one string.
     */
    private void utf8(int at, int n) throws Corrupt {
        int i = at;
        int stop = at + n;
        while (i < stop) {
            // ASCII eight bytes at a time: most strings are ASCII throughout.
            if (i + Long.BYTES <= stop && ((long) LONGS.get(buf, i) & 0x8080808080808080L) == 0) {
                i += Long.BYTES;
                continue;
            }
            int b = buf[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xff;
            int more;
            int lo = 0x80;
            int hi = 0xbf;
            if (b >= 0xc2 && b <= 0xdf) {
                more = 1;
            } else if (b >= 0xe0 && b <= 0xef) {
                more = 2;
                lo = b == 0xe0 ? 0xa0 : 0x80;
                hi = b == 0xed ? 0x9f : 0xbf;
            } else if (b >= 0xf0 && b <= 0xf4) {
                more = 3;
                lo = b == 0xf0 ? 0x90 : 0x80;
                hi = b == 0xf4 ? 0x8f : 0xbf;
            } else {
                throw corruptAt(i, "string is not UTF-8: byte 0x" + Integer.toHexString(b) + " cannot start a "
                        + "character");
            }
            for (int k = 1; k <= more; k++) {
                int c = i + k < stop ? buf[i + k] & 0xff : -1;
                if (c < lo || c > hi) {
                    throw corruptAt(i, "string is not UTF-8: the sequence starting with byte 0x"
                            + Integer.toHexString(b) + " is malformed (overlong, a surrogate, above U+10FFFF or cut)");
                }
                lo = 0x80;
                hi = 0xbf;
            }
            i += more + 1;
        }
    }

    /** Zig-zag varint of at most {@code maxBytes} bytes. */
    private long varint(int maxBytes) throws Corrupt {
        int at = pos;
        long raw = 0;
        for (int shift = 0, i = 0; ; shift += 7, i++) {
            if (i >= maxBytes) {
                throw corruptAt(at, "varint longer than " + maxBytes + " bytes");
            }
            int b = buf[take(1)] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        return (raw >>> 1) ^ -(raw & 1);
    }

    private int take(int n) throws Corrupt {
        if (n > end - pos) {
            throw corrupt("needs " + n + " more bytes, " + (end - pos) + " left (truncated)");
        }
        int at = pos;
        pos += n;
        return at;
    }

    private Corrupt corrupt(String message) {
        return corruptAt(pos, message);
    }

    private Corrupt corruptAt(int at, String message) {
        return new Corrupt("at body offset " + (at - start) + " of " + (end - start) + ": " + message);
    }
}
