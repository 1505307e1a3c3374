package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * One C2SP tlog-cosignature/v1 cosignature (Ed25519), as it appears as a signature line of a signed
 * checkpoint: {@code — <cosigner name> base64(keyId32be || u64be(timestamp) || signature64)}
 * (docs/integrity.md §6.1). The signature covers {@link #signedMessage}: {@code "cosignature/v1\n"},
 * {@code "time <timestamp>\n"}, then the whole checkpoint body.
 *
 * <p>A parsed instance is only a structure: it is trusted once a {@link CosignerKey} (or
 * {@link CosignatureVerifier}) verified it. Immutable.
 */
public final class Cosignature {
    /** The header line of the signed message, without its newline: domain separation. */
    public static final String HEADER = "cosignature/v1";
    /** Length of the signature bytes of the line: 8-byte timestamp + 64-byte Ed25519 signature. */
    public static final int SIGNATURE_BYTES = 8 + 64;

    private final String keyName;
    private final int keyId;
    private final long timestamp;
    private final byte[] signature;

    private Cosignature(String keyName, int keyId, long timestamp, byte[] signature) {
        this.keyName = VerifierKey.checkName(keyName);
        this.keyId = keyId;
        if (timestamp < 0) {
            throw new MalformedDataException("cosignature timestamp of " + keyName + " exceeds 2^63 - 1");
        }
        this.timestamp = timestamp;
        if (signature.length != 64) {
            throw new MalformedDataException("an Ed25519 cosignature is 64 bytes, got " + signature.length + " from "
                    + keyName);
        }
        this.signature = signature;
    }

    /**
     * The message a cosigner signs.
     *
     * @param timestamp POSIX seconds, 0 .. 2^63 - 1
     * @param checkpoint the cosigned checkpoint
     * @return {@code "cosignature/v1\ntime " + decimal(timestamp) + "\n" + body} as UTF-8
     */
    public static byte[] signedMessage(long timestamp, Checkpoint checkpoint) {
        requireNonNull(checkpoint, "checkpoint");
        if (timestamp < 0) {
            throw new IllegalArgumentException("cosignature timestamp must be 0 .. 2^63 - 1, got " + timestamp);
        }
        byte[] head = (HEADER + "\ntime " + timestamp + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = checkpoint.bodyBytes();
        byte[] m = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, m, head.length, body.length);
        return m;
    }

    /**
     * Signs a checkpoint as a cosigner. The caller (a witness) MUST have checked the checkpoint's
     * log signature and its consistency with everything it cosigned before for that origin.
     *
     * @param key the cosigner's private key; its name is the cosigner name
     * @param timestamp POSIX seconds; a witness MUST NOT use 0
     * @param checkpoint the checkpoint
     * @return the cosignature
     */
    public static Cosignature sign(SigningKey key, long timestamp, Checkpoint checkpoint) {
        requireNonNull(key, "key");
        byte[] sig = key.sign(signedMessage(timestamp, checkpoint));
        return new Cosignature(key.name(), CosignerKey.keyId(key.name(), key.verifierKey().publicKey()), timestamp, sig);
    }

    /**
     * Reads a signature line as a cosignature: its bytes after the key id MUST be exactly 72
     * (timestamp + Ed25519 signature) with a timestamp of at most 2^63 - 1.
     *
     * @param line the parsed line
     * @return the cosignature (not verified)
     * @throws MalformedDataException when the line cannot be a cosignature/v1
     */
    public static Cosignature fromLine(NoteSignature line) {
        requireNonNull(line, "line");
        byte[] raw = line.signature();
        if (raw.length != SIGNATURE_BYTES) {
            throw new MalformedDataException("signature line of " + line.keyName() + " has " + raw.length
                    + " bytes after the key id; a cosignature/v1 has " + SIGNATURE_BYTES);
        }
        long ts = ByteBuffer.wrap(raw, 0, 8).getLong();
        if (ts < 0) {
            throw new MalformedDataException("cosignature timestamp of " + line.keyName() + " exceeds 2^63 - 1");
        }
        return new Cosignature(line.keyName(), line.keyId(), ts, Arrays.copyOfRange(raw, 8, SIGNATURE_BYTES));
    }

    /**
     * This cosignature as a signature line.
     *
     * @return the line structure
     */
    public NoteSignature toLine() {
        byte[] raw = ByteBuffer.allocate(SIGNATURE_BYTES).putLong(timestamp).put(signature).array();
        return new NoteSignature(keyName, keyId, raw);
    }

    /**
     * The cosigner name.
     *
     * @return the name
     */
    public String keyName() {
        return keyName;
    }

    /**
     * The key id (type 0x04, {@link CosignerKey#keyId()}).
     *
     * @return 4 bytes as a big-endian int
     */
    public int keyId() {
        return keyId;
    }

    /**
     * When the cosigner says it signed.
     *
     * @return POSIX seconds
     */
    public long timestamp() {
        return timestamp;
    }

    /**
     * {@link #timestamp()} as an instant.
     *
     * @return the time
     */
    public Instant time() {
        return Instant.ofEpochSecond(timestamp);
    }

    /**
     * The Ed25519 signature.
     *
     * @return 64 bytes, a copy
     */
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cosignature && ((Cosignature) o).keyName.equals(keyName) && ((Cosignature) o).keyId == keyId
                && ((Cosignature) o).timestamp == timestamp && Arrays.equals(((Cosignature) o).signature, signature);
    }

    @Override
    public int hashCode() {
        return toLine().hashCode();
    }

    @Override
    public String toString() {
        return toLine().line();
    }
}
