package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/**
 * The public key of a witness (a C2SP tlog-cosignature/v1 cosigner, Ed25519): what a verifier is
 * configured with to check cosignatures (docs/integrity.md §6.1).
 *
 * <p>Key id (C2SP tlog-cosignature): the first 4 bytes, big-endian, of
 * {@code SHA-256(name || 0x0A || 0x04 || publicKey32)}. The type byte 0x04 differs from the 0x01 of a
 * checkpoint signer ({@link VerifierKey}), so one Ed25519 key used both ways gets two key ids and a
 * cosignature can never pass for a checkpoint signature. Text form (vkey):
 * {@code <name>+<8 lower-case hex digits of the key id>+<base64(0x04 || publicKey32)>}. Immutable.
 */
public final class CosignerKey {
    /** The signature type byte of an Ed25519 tlog-cosignature/v1 cosigner. */
    public static final byte ALG_COSIGNATURE_V1 = 0x04;

    private final String name;
    private final VerifierKey ed25519;
    private final int keyId;

    private CosignerKey(String name, byte[] publicKey) {
        // VerifierKey checks the name and the key bytes and does the Ed25519 verification; its key id is unused.
        this.ed25519 = VerifierKey.of(name, publicKey);
        this.name = name;
        this.keyId = keyId(name, publicKey);
    }

    /**
     * A cosigner key from its name and 32-byte RFC 8032 public key.
     *
     * @param name the cosigner name (non-empty, no whitespace, no '+'), e.g. {@code witness.example.com/w1}
     * @param publicKey 32 bytes (copied)
     * @return the key
     */
    public static CosignerKey of(String name, byte[] publicKey) {
        requireNonNull(name, "name");
        requireNonNull(publicKey, "publicKey");
        return new CosignerKey(name, publicKey.clone());
    }

    /**
     * The cosigner key of a witness's private key (same name, same Ed25519 key, key id of type 0x04).
     *
     * @param key the witness's private key
     * @return the public cosigner key
     */
    public static CosignerKey of(SigningKey key) {
        requireNonNull(key, "key");
        return new CosignerKey(key.name(), key.verifierKey().publicKey());
    }

    /**
     * Parses the vkey text form {@code name+hexid+base64(0x04||key)}; the key id is checked.
     *
     * @param vkey the text (surrounding whitespace ignored)
     * @return the key
     * @throws KeyException when malformed, not a type 0x04 key, or the id does not match name and key
     */
    public static CosignerKey parse(String vkey) {
        requireNonNull(vkey, "vkey");
        String s = vkey.strip();
        String[] parts = s.split("\\+", 3);
        if (parts.length != 3) {
            throw new KeyException("cosigner key is not '<name>+<hex id>+<base64 key>': '" + s + "'");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new KeyException("cosigner key " + parts[0] + " has bad base64: " + e.getMessage(), e);
        }
        if (raw.length != 33 || raw[0] != ALG_COSIGNATURE_V1) {
            throw new KeyException("cosigner key " + parts[0] + " is not an Ed25519 cosignature/v1 key (type 0x04 + 32 "
                    + "bytes)" + (raw.length == 33 && raw[0] == VerifierKey.ALG_ED25519
                            ? ": it is a checkpoint signer key (type 0x01)" : ""));
        }
        CosignerKey k = of(parts[0], Arrays.copyOfRange(raw, 1, 33));
        if (!VerifierKey.hexId(k.keyId).equals(parts[1])) {
            throw new KeyException("cosigner key " + parts[0] + " claims id " + parts[1] + " but its name and key give "
                    + VerifierKey.hexId(k.keyId));
        }
        return k;
    }

    /**
     * Reads a one-line cosigner vkey file.
     *
     * @param file the file
     * @return the key
     * @throws KeyException when unreadable or malformed
     */
    public static CosignerKey read(Path file) {
        requireNonNull(file, "file");
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new KeyException("cannot read cosigner key file " + file + ": " + e, e);
        } catch (KeyException e) {
            throw new KeyException("cosigner key file " + file + ": " + e.getMessage(), e);
        }
    }

    static int keyId(String name, byte[] publicKey) {
        return VerifierKey.keyId(name, ALG_COSIGNATURE_V1, publicKey);
    }

    /**
     * Whether a signature line is by this cosigner (same name and key id); says nothing about validity.
     *
     * @param line a parsed signature line
     * @return whether name and key id match
     */
    public boolean matches(NoteSignature line) {
        requireNonNull(line, "line");
        return line.keyName().equals(name) && line.keyId() == keyId;
    }

    /**
     * Verifies a cosignature on a checkpoint.
     *
     * @param checkpoint the cosigned checkpoint
     * @param cosignature the cosignature
     * @return whether it is by this key (name, key id) and its Ed25519 signature verifies over
     *     {@link Cosignature#signedMessage}
     */
    public boolean verify(Checkpoint checkpoint, Cosignature cosignature) {
        requireNonNull(checkpoint, "checkpoint");
        requireNonNull(cosignature, "cosignature");
        return cosignature.keyName().equals(name) && cosignature.keyId() == keyId
                && ed25519.verify(Cosignature.signedMessage(cosignature.timestamp(), checkpoint), cosignature.signature());
    }

    /**
     * The cosigner name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The 32-byte public key.
     *
     * @return a copy
     */
    public byte[] publicKey() {
        return ed25519.publicKey();
    }

    /**
     * The cosignature key id.
     *
     * @return first 4 bytes of SHA-256(name || '\n' || 0x04 || key), big-endian
     */
    public int keyId() {
        return keyId;
    }

    /**
     * The vkey text form.
     *
     * @return {@code name+hexid+base64(0x04||key)}
     */
    public String toVkey() {
        byte[] raw = new byte[33];
        raw[0] = ALG_COSIGNATURE_V1;
        System.arraycopy(ed25519.publicKey(), 0, raw, 1, 32);
        return name + "+" + VerifierKey.hexId(keyId) + "+" + Base64.getEncoder().encodeToString(raw);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosignerKey && ((CosignerKey) o).ed25519.equals(ed25519);
    }

    @Override
    public int hashCode() {
        return ed25519.hashCode();
    }

    @Override
    public String toString() {
        return toVkey();
    }
}
