package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Base64;

/**
 * One signature line of a C2SP signed note: {@code — <name> <base64(keyId32be || signature)>}.
 * The signature bytes are whatever the line holds; they are only trusted after a
 * {@link CheckpointVerifier} holding the named key verified them.
 */
public final class NoteSignature {
    private final String keyName;
    private final int keyId;
    private final byte[] signature;

    /**
     * @param keyName the signer name (no whitespace, no '+')
     * @param keyId the signed-note key id
     * @param signature the signature bytes (copied)
     */
    public NoteSignature(String keyName, int keyId, byte[] signature) {
        this.keyName = VerifierKey.checkName(requireNonNull(keyName, "keyName"));
        this.keyId = keyId;
        this.signature = requireNonNull(signature, "signature").clone();
        if (signature.length == 0) {
            throw new MalformedDataException("empty signature from " + keyName);
        }
    }

    /**
     * Parses one signature line strictly ({@code — <name> <base64>}, without its newline). Verifies nothing.
     *
     * @param line the line
     * @param context what the line belongs to, for messages (e.g. the checkpoint origin)
     * @return the parsed signature
     * @throws MalformedDataException when the line is not a well-formed signature line
     */
    public static NoteSignature parse(String line, String context) {
        requireNonNull(line, "line");
        requireNonNull(context, "context");
        if (!line.startsWith(SignedCheckpoint.SIGNATURE_PREFIX)) {
            throw new MalformedDataException("signature line of " + context + " does not start with '\u2014 ': '"
                    + line + "'");
        }
        String rest = line.substring(SignedCheckpoint.SIGNATURE_PREFIX.length());
        int sp = rest.indexOf(' ');
        if (sp <= 0 || rest.indexOf(' ', sp + 1) >= 0) {
            throw new MalformedDataException("signature line of " + context + " is not '\u2014 <name> <base64>': '"
                    + line + "'");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(rest.substring(sp + 1));
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException("signature line of " + context + " has bad base64: '" + line + "'", e);
        }
        if (raw.length < 5) {
            throw new MalformedDataException("signature line of " + context + " is too short: '" + line + "'");
        }
        int id = (raw[0] & 0xff) << 24 | (raw[1] & 0xff) << 16 | (raw[2] & 0xff) << 8 | raw[3] & 0xff;
        NoteSignature s;
        try {
            s = new NoteSignature(rest.substring(0, sp), id, Arrays.copyOfRange(raw, 4, raw.length));
        } catch (KeyException e) {
            throw new MalformedDataException("signature line of " + context + ": " + e.getMessage(), e);
        }
        if (!s.line().equals(line)) {
            throw new MalformedDataException("signature line of " + context + " is not canonical base64: '" + line + "'");
        }
        return s;
    }

    /**
     * The signer name.
     *
     * @return the name
     */
    public String keyName() {
        return keyName;
    }

    /**
     * The key id.
     *
     * @return 4 bytes as a big-endian int
     */
    public int keyId() {
        return keyId;
    }

    /**
     * The signature (for Ed25519: 64 bytes).
     *
     * @return a copy
     */
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * The text line, without its trailing newline.
     *
     * @return {@code — name base64(keyId || signature)}
     */
    public String line() {
        byte[] raw = new byte[4 + signature.length];
        raw[0] = (byte) (keyId >>> 24);
        raw[1] = (byte) (keyId >>> 16);
        raw[2] = (byte) (keyId >>> 8);
        raw[3] = (byte) keyId;
        System.arraycopy(signature, 0, raw, 4, signature.length);
        return SignedCheckpoint.SIGNATURE_PREFIX + keyName + " " + Base64.getEncoder().encodeToString(raw);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoteSignature && ((NoteSignature) o).keyName.equals(keyName)
                && ((NoteSignature) o).keyId == keyId && Arrays.equals(((NoteSignature) o).signature, signature);
    }

    @Override
    public int hashCode() {
        return (keyName.hashCode() * 31 + keyId) * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return line();
    }
}
