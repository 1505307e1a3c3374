package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.KeyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A named Ed25519 public key that verifies C2SP signed-note signatures.
 *
 * <p>Key id (signed-note rule for Ed25519): the first 4 bytes, big-endian, of
 * {@code SHA-256(name || 0x0A || 0x01 || publicKey32)}. Text form ("vkey"):
 * {@code <name>+<8 lower-case hex digits of the key id>+<base64(0x01 || publicKey32)>}, the format
 * Go's {@code golang.org/x/mod/sumdb/note} reads. Files: SubjectPublicKeyInfo PEM
 * ({@code -----BEGIN PUBLIC KEY-----}) or a one-line vkey file.
 */
public final class VerifierKey {
    /** The signed-note signature type byte of Ed25519. */
    public static final byte ALG_ED25519 = 0x01;

    private final String name;
    private final byte[] publicKey;
    private final int keyId;
    private final Ed25519PublicKeyParameters params;

    private VerifierKey(String name, byte[] publicKey) {
        this.name = checkName(name);
        this.publicKey = publicKey;
        this.keyId = keyId(name, publicKey);
        try {
            this.params = new Ed25519PublicKeyParameters(publicKey, 0);
        } catch (IllegalArgumentException e) {
            throw new KeyException("invalid Ed25519 public key for " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * A verifier key from its name and 32-byte RFC 8032 public key.
     *
     * @param name the signer name (non-empty, no whitespace, no '+')
     * @param publicKey 32 bytes (copied)
     * @return the key
     */
    public static VerifierKey of(String name, byte[] publicKey) {
        requireNonNull(name, "name");
        requireNonNull(publicKey, "publicKey");
        if (publicKey.length != Ed25519PublicKeyParameters.KEY_SIZE) {
            throw new KeyException("an Ed25519 public key is 32 bytes, got " + publicKey.length + " for " + name);
        }
        return new VerifierKey(name, publicKey.clone());
    }

    /**
     * Parses the vkey text form {@code name+hexid+base64(0x01||key)}; the key id is checked.
     *
     * @param vkey the text (surrounding whitespace ignored)
     * @return the key
     * @throws KeyException when malformed, not Ed25519, or the id does not match name and key
     */
    public static VerifierKey parse(String vkey) {
        requireNonNull(vkey, "vkey");
        String s = vkey.strip();
        String[] parts = s.split("\\+", 3);
        if (parts.length != 3) {
            throw new KeyException("verifier key is not '<name>+<hex id>+<base64 key>': '" + s + "'");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new KeyException("verifier key " + parts[0] + " has bad base64: " + e.getMessage(), e);
        }
        if (raw.length != 33 || raw[0] != ALG_ED25519) {
            throw new KeyException("verifier key " + parts[0] + " is not an Ed25519 key (type 0x01 + 32 bytes)");
        }
        VerifierKey k = of(parts[0], Arrays.copyOfRange(raw, 1, 33));
        if (!hexId(k.keyId).equals(parts[1])) {
            throw new KeyException("verifier key " + parts[0] + " claims id " + parts[1] + " but its name and key give "
                    + hexId(k.keyId));
        }
        return k;
    }

    /**
     * Parses a SubjectPublicKeyInfo PEM Ed25519 public key.
     *
     * @param name the signer name
     * @param pem the PEM text
     * @return the key
     */
    public static VerifierKey fromSpkiPem(String name, String pem) {
        requireNonNull(name, "name");
        requireNonNull(pem, "pem");
        AsymmetricKeyParameter k;
        try {
            k = PublicKeyFactory.createKey(KeyFiles.fromPem(pem, "PUBLIC KEY", "public key of " + name));
        } catch (IOException | IllegalArgumentException e) {
            throw new KeyException("cannot read the public key of " + name + ": " + e.getMessage(), e);
        }
        if (!(k instanceof Ed25519PublicKeyParameters)) {
            throw new KeyException("public key of " + name + " is a " + k.getClass().getSimpleName()
                    + ", not Ed25519");
        }
        return new VerifierKey(name, ((Ed25519PublicKeyParameters) k).getEncoded());
    }

    /**
     * Reads a key file: a vkey line (the name comes from the file) or a PEM public key named {@code name}.
     *
     * @param name the signer name for a PEM file; for a vkey file it must match the name inside
     * @param file the file
     * @return the key
     * @throws KeyException when unreadable or malformed, or the names disagree
     */
    public static VerifierKey read(String name, Path file) {
        requireNonNull(name, "name");
        requireNonNull(file, "file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KeyException("cannot read verifier key file " + file + ": " + e, e);
        }
        if (text.startsWith("-----BEGIN")) {
            return fromSpkiPem(name, text);
        }
        VerifierKey k = parse(text);
        if (!k.name.equals(name)) {
            throw new KeyException("verifier key file " + file + " holds key '" + k.name + "', expected '" + name + "'");
        }
        return k;
    }

    /**
     * Reads a one-line vkey file (as written by {@code attestream keygen}); the name comes from the file.
     *
     * @param file the file
     * @return the key
     * @throws KeyException when unreadable or malformed
     */
    public static VerifierKey readVkey(Path file) {
        requireNonNull(file, "file");
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new KeyException("cannot read verifier key file " + file + ": " + e, e);
        } catch (KeyException e) {
            throw new KeyException("verifier key file " + file + ": " + e.getMessage(), e);
        }
    }

    static String checkName(String name) {
        if (name.isEmpty() || name.indexOf('+') >= 0
                || name.codePoints().anyMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                        || Character.isISOControl(cp))) {
            throw new KeyException("signer name must be non-empty, without whitespace, control characters or '+': '"
                    + name + "'");
        }
        return name;
    }

    static int keyId(String name, byte[] publicKey) {
        return keyId(name, ALG_ED25519, publicKey);
    }

    /** Signed-note key id for a signature type: first 4 bytes of SHA-256(name || '\n' || type || key), big-endian. */
    static int keyId(String name, byte type, byte[] publicKey) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(name.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
            md.update(type);
            md.update(publicKey);
            byte[] h = md.digest();
            return (h[0] & 0xff) << 24 | (h[1] & 0xff) << 16 | (h[2] & 0xff) << 8 | h[3] & 0xff;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Verifies a pure Ed25519 signature.
     *
     * @param message the signed bytes
     * @param signature the 64-byte signature
     * @return whether it verifies
     */
    public boolean verify(byte[] message, byte[] signature) {
        requireNonNull(message, "message");
        requireNonNull(signature, "signature");
        return signature.length == Ed25519.SIGNATURE_SIZE
                && params.verify(Ed25519.Algorithm.Ed25519, null, message, 0, message.length, signature, 0);
    }

    /**
     * The signer name.
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
        return publicKey.clone();
    }

    /**
     * The signed-note key id.
     *
     * @return first 4 bytes of SHA-256(name || '\n' || 0x01 || key), big-endian
     */
    public int keyId() {
        return keyId;
    }

    /**
     * The vkey text form.
     *
     * @return {@code name+hexid+base64(0x01||key)}
     */
    public String toVkey() {
        byte[] raw = new byte[33];
        raw[0] = ALG_ED25519;
        System.arraycopy(publicKey, 0, raw, 1, 32);
        return name + "+" + hexId(keyId) + "+" + Base64.getEncoder().encodeToString(raw);
    }

    /**
     * The SubjectPublicKeyInfo PEM form.
     *
     * @return PEM text
     */
    public String toSpkiPem() {
        try {
            return KeyFiles.toPem("PUBLIC KEY",
                    SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(params).getEncoded());
        } catch (IOException e) {
            throw new KeyException("cannot encode the public key of " + name, e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifierKey && ((VerifierKey) o).name.equals(name)
                && Arrays.equals(((VerifierKey) o).publicKey, publicKey);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(publicKey);
    }

    @Override
    public String toString() {
        return toVkey();
    }

    static String hexId(int id) {
        return HexFormat.of().toHexDigits(id);
    }
}
