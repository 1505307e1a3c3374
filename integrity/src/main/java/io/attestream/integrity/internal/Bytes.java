package io.attestream.integrity.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Big-endian integer and length-prefixed field encoding shared by the documented formats. */
public final class Bytes {
    private Bytes() {
    }

    /**
     * Writes a big-endian int32.
     *
     * @param buf destination
     * @param off offset
     * @param v value
     */
    public static void putInt(byte[] buf, int off, int v) {
        buf[off] = (byte) (v >>> 24);
        buf[off + 1] = (byte) (v >>> 16);
        buf[off + 2] = (byte) (v >>> 8);
        buf[off + 3] = (byte) v;
    }

    /**
     * Writes a big-endian int64.
     *
     * @param buf destination
     * @param off offset
     * @param v value
     */
    public static void putLong(byte[] buf, int off, long v) {
        putInt(buf, off, (int) (v >>> 32));
        putInt(buf, off + 4, (int) v);
    }

    /**
     * Reads a big-endian int32.
     *
     * @param buf source
     * @param off offset
     * @return value
     */
    public static int getInt(byte[] buf, int off) {
        return (buf[off] & 0xff) << 24 | (buf[off + 1] & 0xff) << 16 | (buf[off + 2] & 0xff) << 8 | buf[off + 3] & 0xff;
    }

    /**
     * Reads a big-endian int64.
     *
     * @param buf source
     * @param off offset
     * @return value
     */
    public static long getLong(byte[] buf, int off) {
        return (long) getInt(buf, off) << 32 | getInt(buf, off + 4) & 0xffffffffL;
    }

    /**
     * Concatenates u32be(len(field)) || field for each field.
     *
     * @param fields the fields
     * @return the encoding
     */
    public static byte[] lengthPrefixed(byte[]... fields) {
        int n = 0;
        for (byte[] f : fields) {
            n += 4 + f.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] f : fields) {
            putInt(out, off, f.length);
            System.arraycopy(f, 0, out, off + 4, f.length);
            off += 4 + f.length;
        }
        return out;
    }

    /**
     * Strict UTF-8 encoding: rejects strings with unpaired surrogates, which
     * {@link String#getBytes} would silently replace by '?' (two different strings, one hash).
     *
     * @param s the string
     * @return its UTF-8 bytes
     * @throws IllegalArgumentException when s is not well-formed UTF-16
     */
    public static byte[] utf8Strict(String s) {
        try {
            var buf = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("string is not well-formed Unicode (unpaired surrogate)", e);
        }
    }

    /**
     * Strict UTF-8 decoding.
     *
     * @param b bytes
     * @return the string
     * @throws IllegalArgumentException when b is not valid UTF-8
     */
    public static String utf8StrictDecode(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("bytes are not valid UTF-8", e);
        }
    }
}
