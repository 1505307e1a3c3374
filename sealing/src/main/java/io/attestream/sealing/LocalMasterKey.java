package io.attestream.sealing;

import static java.util.Objects.requireNonNull;

import io.attestream.sealing.internal.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A master key in a local file (64 hex characters and a newline, mode 0600): for the local stack, tests and
 * single-host installations. Wrapped keys are {@code nonce (12) || AES-256-GCM(master, nonce, aad = context,
 * dataKey) || tag (16)}. Production installations should implement {@link MasterKey} on their KMS instead, so the
 * master key never sits on a disk next to the store.
 */
public final class LocalMasterKey implements MasterKey {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] key;
    private final String id;

    private LocalMasterKey(byte[] key) {
        if (key.length != SealedFields.KEY_BYTES) {
            throw new IllegalArgumentException("master key must be 32 bytes, got " + key.length);
        }
        this.key = key.clone();
        try {
            byte[] fp = MessageDigest.getInstance("SHA-256").digest(
                    Bytes.concat("attestream/master-key-id/v1".getBytes(StandardCharsets.US_ASCII), key));
            this.id = "local:" + HexFormat.of().formatHex(fp, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A master key from its 32 bytes (tests). */
    public static LocalMasterKey of(byte[] key) {
        return new LocalMasterKey(requireNonNull(key, "key"));
    }

    /**
     * Reads a master key file.
     *
     * @throws SealingException when the file is missing or not 64 hex characters
     */
    public static LocalMasterKey read(Path file) throws SealingException {
        requireNonNull(file, "file");
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!text.matches("[0-9a-fA-F]{64}")) {
                throw new SealingException("master key file " + file + " must hold 64 hex characters (32 bytes)");
            }
            return new LocalMasterKey(HexFormat.of().parseHex(text));
        } catch (IOException e) {
            throw new SealingException("cannot read master key file " + file + ": " + e, e);
        }
    }

    /**
     * Creates a new random master key file (mode 0600); refuses to overwrite one.
     *
     * @throws SealingException when the file exists or cannot be written
     */
    public static LocalMasterKey generate(Path file) throws SealingException {
        byte[] k = new byte[SealedFields.KEY_BYTES];
        RANDOM.nextBytes(k);
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, HexFormat.of().formatHex(k) + "\n", StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException e) {
            throw new SealingException("master key file " + file + " exists; not overwritten");
        } catch (IOException e) {
            throw new SealingException("cannot write master key file " + file + ": " + e, e);
        }
        return new LocalMasterKey(k);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public byte[] wrap(byte[] dataKey, byte[] context) {
        byte[] nonce = new byte[SealedFields.NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            return Bytes.concat(nonce, cipher(Cipher.ENCRYPT_MODE, nonce, context).doFinal(dataKey));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    @Override
    public byte[] unwrap(byte[] wrapped, byte[] context) throws SealingException {
        if (wrapped.length < SealedFields.NONCE_BYTES + SealedFields.TAG_BYTES) {
            throw new SealingException("wrapped key too short: " + wrapped.length + " bytes");
        }
        byte[] nonce = Arrays.copyOf(wrapped, SealedFields.NONCE_BYTES);
        try {
            return cipher(Cipher.DECRYPT_MODE, nonce, context)
                    .doFinal(wrapped, SealedFields.NONCE_BYTES, wrapped.length - SealedFields.NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new SealingException("wrapped key does not unwrap under master key " + id
                    + ": another master key, or the key file was altered");
        } catch (GeneralSecurityException e) {
            throw new SealingException("wrapped key does not unwrap: " + e.getMessage(), e);
        }
    }

    private Cipher cipher(int mode, byte[] nonce, byte[] context) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(SealedFields.TAG_BYTES * 8, nonce));
        c.updateAAD(requireNonNull(context, "context"));
        return c;
    }
}
