package io.attestream.verifier.internal;

import io.attestream.integrity.Hash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The one representation in which a stored column and the value derived from the event bytes are compared: null,
 * {@code byte[]} (strings as their exact UTF-8 bytes, enums as their symbol's, digests raw, string arrays in the
 * {@linkplain #encodeList list encoding}), {@link Long} (times in microseconds), {@link Double} (bit for bit) or,
 * for schema fingerprints, {@link Hash}.
 * Strings are compared as bytes, never through a decoding that could map two byte strings to one text.
 */
final class DerivedValues {
    private static final HexFormat HEX = HexFormat.of();

    private DerivedValues() {
    }

    /** How a value is printed in a finding. */
    enum Render {
        TEXT, TIME, NUMBER, HEX, LIST
    }

    /**
     * Whether two values are the same.
     *
     * @param a one value
     * @param b the other
     * @return true when equal in the representation above
     */
    static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof byte[] x) {
            return b instanceof byte[] y && Arrays.equals(x, y);
        }
        if (a instanceof Double x) {
            return b instanceof Double y && Double.doubleToRawLongBits(x) == Double.doubleToRawLongBits(y);
        }
        return a.equals(b);
    }

    /**
     * A list of strings as one byte string: per item its UTF-8 byte length in decimal, {@code ':'}, its bytes.
     * Unambiguous, and computed the same way by ClickHouse ({@link #encodedListSql}).
     *
     * @param items the items' bytes
     * @return the encoding
     */
    static byte[] encodeList(List<byte[]> items) {
        int n = 0;
        for (byte[] i : items) {
            n += i.length + 11;
        }
        byte[] out = new byte[n];
        int p = 0;
        for (byte[] i : items) {
            byte[] len = Integer.toString(i.length).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(len, 0, out, p, len.length);
            p += len.length;
            out[p++] = ':';
            System.arraycopy(i, 0, out, p, i.length);
            p += i.length;
        }
        return Arrays.copyOf(out, p);
    }

    /**
     * The list encoding of {@code items}.
     *
     * @param items strings
     * @return the encoding of their UTF-8 bytes
     */
    static byte[] encodeStrings(List<String> items) {
        List<byte[]> b = new ArrayList<>(items.size());
        for (String s : items) {
            b.add(s.getBytes(StandardCharsets.UTF_8));
        }
        return encodeList(b);
    }

    /**
     * The SELECT expression giving an {@code Array(String)} column in the list encoding ({@code length} counts
     * bytes in ClickHouse, as {@link #encodeList} does).
     *
     * @param column the column
     * @return the expression
     */
    static String encodedListSql(String column) {
        return "arrayStringConcat(arrayMap(x -> concat(toString(length(x)), ':', x), " + column + "), '')";
    }

    /**
     * Decodes the list encoding (for printing).
     *
     * @param enc the encoding
     * @return the items, or null when {@code enc} is not a valid encoding
     */
    static List<byte[]> decodeList(byte[] enc) {
        List<byte[]> out = new ArrayList<>();
        int p = 0;
        while (p < enc.length) {
            int colon = p;
            while (colon < enc.length && enc[colon] >= '0' && enc[colon] <= '9') {
                colon++;
            }
            if (colon == p || colon >= enc.length || enc[colon] != ':' || colon - p > 9) {
                return null;
            }
            int len = Integer.parseInt(new String(enc, p, colon - p, StandardCharsets.US_ASCII));
            if (len > enc.length - colon - 1) {
                return null;
            }
            out.add(Arrays.copyOfRange(enc, colon + 1, colon + 1 + len));
            p = colon + 1 + len;
        }
        return out;
    }

    /**
     * A value for people.
     *
     * @param v the value
     * @param how how to print it
     * @return e.g. {@code "bob@example.com"}, {@code NULL}, {@code 2026-11-01T09:00:00.123456Z}
     */
    static String render(Object v, Render how) {
        if (v == null) {
            return "NULL";
        }
        return switch (how) {
            case TIME -> v instanceof Long micros ? Instant.EPOCH.plus(micros, ChronoUnit.MICROS).toString()
                    : String.valueOf(v);
            case NUMBER -> String.valueOf(v);
            case HEX -> v instanceof byte[] b ? HEX.formatHex(b) : v instanceof Hash h ? HEX.formatHex(h.toBytes())
                    : String.valueOf(v);
            case LIST -> {
                List<byte[]> items = v instanceof byte[] b ? decodeList(b) : null;
                if (items == null) {
                    yield v instanceof byte[] b ? quote(b) : String.valueOf(v);
                }
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < items.size(); i++) {
                    sb.append(i == 0 ? "" : ", ").append(quote(items.get(i)));
                }
                yield sb.append(']').toString();
            }
            case TEXT -> v instanceof byte[] b ? quote(b) : String.valueOf(v);
        };
    }

    /** Quoted UTF-8 text; control characters and bytes that are not UTF-8 escaped, so two values never look alike. */
    static String quote(byte[] b) {
        StringBuilder sb = new StringBuilder("\"");
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            int n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4
                    ? 4 : 0;
            if (n == 1) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append((char) c);
                } else if (c < 0x20 || c == 0x7f) {
                    sb.append(String.format("\\x%02x", c));
                } else {
                    sb.append((char) c);
                }
                i++;
                continue;
            }
            String s = n == 0 || i + n > b.length ? null : new String(b, i, n, StandardCharsets.UTF_8);
            if (s == null || s.contains("\uFFFD") || !Arrays.equals(s.getBytes(StandardCharsets.UTF_8),
                    Arrays.copyOfRange(b, i, i + n))) {
                sb.append(String.format("\\x%02x", c));
                i++;
            } else {
                sb.append(s);
                i += n;
            }
        }
        return sb.append('"').toString();
    }

    /**
     * Feeds values into a digest, each tagged with its type and length so that different value lists never
     * give the same input: null = {@code 0x00}; bytes = {@code 0x01}, length as 8 bytes big-endian, the bytes;
     * long = {@code 0x02}, 8 bytes big-endian; double = {@code 0x03}, its raw IEEE bits as 8 bytes big-endian.
     * {@link TypedTable#digestSql()} computes the same in ClickHouse.
     *
     * @param md the digest
     * @param values the values
     */
    static void digest(MessageDigest md, Object[] values) {
        // The encoding is built in one buffer and hashed with one update: MessageDigest.update(byte) per byte
        // cost a fifth of the verifier's scan (docs/performance.md, "Verifier").
        int n = 0;
        for (Object v : values) {
            n += v instanceof byte[] b ? 9 + b.length : 9;
        }
        byte[] buf = new byte[n];
        int p = 0;
        for (Object v : values) {
            if (v == null) {
                buf[p++] = 0;
            } else if (v instanceof byte[] b) {
                buf[p++] = 1;
                p = putLong(buf, p, b.length);
                System.arraycopy(b, 0, buf, p, b.length);
                p += b.length;
            } else if (v instanceof Long l) {
                buf[p++] = 2;
                p = putLong(buf, p, l);
            } else if (v instanceof Double d) {
                buf[p++] = 3;
                p = putLong(buf, p, Double.doubleToRawLongBits(d));
            } else {
                throw new IllegalArgumentException("not a derived value: " + v.getClass().getName());
            }
        }
        md.update(buf, 0, p);
    }

    private static int putLong(byte[] buf, int p, long v) {
        for (int s = 56; s >= 0; s -= 8) {
            buf[p++] = (byte) (v >>> s);
        }
        return p;
    }
}
