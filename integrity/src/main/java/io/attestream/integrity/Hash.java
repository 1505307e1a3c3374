package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Sha256;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An immutable 32-byte SHA-256 value: a chain entry hash, a Merkle node or root, a schema
 * fingerprint, a note hash.
 *
 * <p>Text forms: lower-case hex ({@link #hex()}) and standard base64 with padding
 * ({@link #base64()}, used in checkpoints and JSON proofs).
 */
public final class Hash {
    /** Size of a hash in bytes. */
    public static final int SIZE = Sha256.SIZE;

    private static final Hash EMPTY = new Hash(Sha256.hash(new byte[0]));

    private final byte[] bytes;

    private Hash(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps without copying; only for arrays that nobody else references. */
    static Hash wrap(byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new MalformedDataException("a hash is " + SIZE + " bytes, got " + bytes.length);
        }
        return new Hash(bytes);
    }

    /**
     * A hash from its 32 bytes (copied).
     *
     * @param bytes exactly 32 bytes
     * @return the hash
     * @throws MalformedDataException when bytes is not 32 bytes long
     */
    public static Hash of(byte[] bytes) {
        requireNonNull(bytes, "bytes");
        return wrap(bytes.clone());
    }

    /**
     * A hash read from a buffer.
     *
     * @param buf the buffer
     * @param off where the 32 bytes start
     * @return the hash
     */
    public static Hash read(byte[] buf, int off) {
        requireNonNull(buf, "buf");
        if (off < 0 || buf.length - off < SIZE) {
            throw new MalformedDataException("truncated hash at offset " + off + " of a " + buf.length + "-byte buffer");
        }
        return new Hash(Arrays.copyOfRange(buf, off, off + SIZE));
    }

    /**
     * Parses 64 hex digits (either case).
     *
     * @param hex the text
     * @return the hash
     * @throws MalformedDataException when hex is not 64 hex digits
     */
    public static Hash fromHex(String hex) {
        requireNonNull(hex, "hex");
        try {
            return wrap(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException("not a hex SHA-256 value: '" + hex + "'", e);
        }
    }

    /**
     * Parses standard base64 (RFC 4648 §4, padded), the form used in checkpoints and proofs.
     *
     * @param b64 the text
     * @return the hash
     * @throws MalformedDataException when b64 is not the base64 of 32 bytes
     */
    public static Hash fromBase64(String b64) {
        requireNonNull(b64, "b64");
        byte[] b;
        try {
            b = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException("not base64: '" + b64 + "'", e);
        }
        Hash h = wrap(b);
        if (!h.base64().equals(b64)) {
            // Non-canonical base64 (e.g. stray padding bits) would give two texts for one hash.
            throw new MalformedDataException("non-canonical base64 hash: '" + b64 + "'");
        }
        return h;
    }

    /**
     * SHA-256 of arbitrary bytes.
     *
     * @param data the bytes
     * @return their hash
     */
    public static Hash sha256(byte[] data) {
        requireNonNull(data, "data");
        return new Hash(Sha256.hash(data));
    }

    /**
     * SHA-256 of the empty string: the RFC 9162 root of an empty tree.
     *
     * @return e3b0c442...b855
     */
    public static Hash empty() {
        return EMPTY;
    }

    /**
     * The 32 bytes (a copy).
     *
     * @return a new array
     */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /**
     * Copies the 32 bytes into a buffer.
     *
     * @param dst destination
     * @param off offset in dst
     */
    public void copyTo(byte[] dst, int off) {
        System.arraycopy(bytes, 0, dst, off, SIZE);
    }

    /** The backing array, for this package's hot paths; callers MUST NOT modify it. */
    byte[] unsafeBytes() {
        return bytes;
    }

    /**
     * Lower-case hex.
     *
     * @return 64 characters
     */
    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Standard padded base64.
     *
     * @return 44 characters
     */
    public String base64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    @Override
    public boolean equals(Object o) {
        // Constant-time: hashes are compared against attacker-supplied values.
        return o instanceof Hash && MessageDigest.isEqual(bytes, ((Hash) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
