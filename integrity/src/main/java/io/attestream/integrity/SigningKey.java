package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.KeyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A named Ed25519 private key that signs checkpoints as a C2SP signed-note signer.
 *
 * <p>Signing uses BouncyCastle's low-level RFC 8032 implementation (about 17x faster than the JDK 17
 * provider on our machines); signatures are plain Ed25519 and verify anywhere. Instances are immutable
 * and safe for concurrent use. Files: RFC 8410 PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), created
 * owner-only by {@link #writePrivatePem}.
 */
public final class SigningKey {
    private final String name;
    private final Ed25519PrivateKeyParameters key;
    private final VerifierKey verifierKey;

    private SigningKey(String name, Ed25519PrivateKeyParameters key) {
        this.name = VerifierKey.checkName(name);
        this.key = key;
        this.verifierKey = VerifierKey.of(name, key.generatePublicKey().getEncoded());
    }

    /**
     * A key from its 32-byte RFC 8032 seed (deterministic: the fixed test key of the vectors uses this).
     *
     * @param name the signer name (no whitespace, no '+')
     * @param seed 32 bytes
     * @return the key
     */
    public static SigningKey fromSeed(String name, byte[] seed) {
        requireNonNull(name, "name");
        requireNonNull(seed, "seed");
        if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new KeyException("an Ed25519 seed is 32 bytes, got " + seed.length + " for key " + name);
        }
        return new SigningKey(name, new Ed25519PrivateKeyParameters(seed, 0));
    }

    /**
     * A fresh random key.
     *
     * @param name the signer name (no whitespace, no '+')
     * @param random the randomness source
     * @return the key
     */
    public static SigningKey generate(String name, SecureRandom random) {
        requireNonNull(name, "name");
        requireNonNull(random, "random");
        return new SigningKey(name, new Ed25519PrivateKeyParameters(random));
    }

    /**
     * Parses a PKCS#8 PEM Ed25519 private key.
     *
     * @param name the signer name to use with it
     * @param pem the PEM text
     * @return the key
     * @throws KeyException when the text is not a PKCS#8 Ed25519 private key
     */
    public static SigningKey fromPkcs8Pem(String name, String pem) {
        requireNonNull(name, "name");
        requireNonNull(pem, "pem");
        return fromPkcs8Pem(name, pem, "PEM text");
    }

    private static SigningKey fromPkcs8Pem(String name, String pem, String source) {
        AsymmetricKeyParameter k;
        try {
            k = PrivateKeyFactory.createKey(KeyFiles.fromPem(pem, "PRIVATE KEY", source));
        } catch (IOException | IllegalArgumentException e) {
            throw new KeyException("cannot read the private key of signer " + name + " from " + source + ": "
                    + e.getMessage(), e);
        }
        if (!(k instanceof Ed25519PrivateKeyParameters)) {
            throw new KeyException(source + " holds a " + k.getClass().getSimpleName() + ", not an Ed25519 private key");
        }
        return new SigningKey(name, (Ed25519PrivateKeyParameters) k);
    }

    /**
     * Reads a PKCS#8 PEM private key file, refusing files readable by group or others.
     *
     * @param name the signer name to use with it
     * @param file the file
     * @return the key
     * @throws KeyException when the file is missing, too open, or not an Ed25519 PKCS#8 key
     */
    public static SigningKey readPkcs8Pem(String name, Path file) {
        requireNonNull(name, "name");
        requireNonNull(file, "file");
        String pem;
        try {
            pem = KeyFiles.readPrivate(file);
        } catch (IOException | IllegalArgumentException e) {
            throw new KeyException("cannot read private key file " + file + " for signer " + name + ": "
                    + e.getMessage(), e);
        }
        return fromPkcs8Pem(name, pem, file.toString());
    }

    /**
     * DER prefix of an RFC 8410 §7 Ed25519 OneAsymmetricKey, version 1 (v1, no public key attribute):
     * SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } },
     * followed by the 32-byte seed. OpenSSL writes and reads exactly this form.
     */
    private static final byte[] RFC8410_PREFIX = {
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};

    /**
     * The PKCS#8 PEM encoding of this key: the RFC 8410 v1 form (48 DER bytes, no public key
     * attribute) that OpenSSL 3 and every PKCS#8 reader load. Files written before this form was used
     * (BouncyCastle's v2 with the public key attribute, which OpenSSL 3.0 cannot load) are still read by
     * {@link #readPkcs8Pem} and {@link #fromPkcs8Pem}.
     *
     * @return PEM text
     */
    public String toPkcs8Pem() {
        byte[] der = Arrays.copyOf(RFC8410_PREFIX, RFC8410_PREFIX.length + Ed25519PrivateKeyParameters.KEY_SIZE);
        key.encode(der, RFC8410_PREFIX.length);
        try {
            return KeyFiles.toPem("PRIVATE KEY", der);
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    /**
     * Writes {@link #toPkcs8Pem()} to a new owner-only (0600) file.
     *
     * @param file the file; MUST NOT exist
     * @throws KeyException when it exists or cannot be written
     */
    public void writePrivatePem(Path file) {
        requireNonNull(file, "file");
        try {
            KeyFiles.createNew(file, toPkcs8Pem().getBytes(StandardCharsets.US_ASCII), KeyFiles.PRIVATE);
        } catch (IOException e) {
            throw new KeyException("cannot create private key file " + file + " (it must not exist yet): " + e, e);
        }
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
     * The matching public verifier key.
     *
     * @return the verifier key
     */
    public VerifierKey verifierKey() {
        return verifierKey;
    }

    /**
     * Signs a message with pure Ed25519 (RFC 8032, no context, no prehash).
     *
     * @param message the bytes
     * @return the 64-byte signature
     */
    public byte[] sign(byte[] message) {
        requireNonNull(message, "message");
        byte[] sig = new byte[Ed25519PrivateKeyParameters.SIGNATURE_SIZE];
        key.sign(Ed25519.Algorithm.Ed25519, null, message, 0, message.length, sig, 0);
        return sig;
    }

    @Override
    public String toString() {
        // Never the key material.
        return "SigningKey[" + name + ", keyId=" + VerifierKey.hexId(verifierKey.keyId()) + "]";
    }
}
