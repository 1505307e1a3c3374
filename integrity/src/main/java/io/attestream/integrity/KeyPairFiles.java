package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.KeyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The three files of a checkpoint-signing key pair, written all or nothing: {@code DIR/NAME.key}
 * (RFC 8410 PKCS#8 PEM private key, created 0600), {@code DIR/NAME.pub} (SubjectPublicKeyInfo PEM) and
 * {@code DIR/NAME.vkey} (the signed-note verifier key line verifiers are configured with). What
 * {@code attestream keygen} writes.
 */
public final class KeyPairFiles {
    private KeyPairFiles() {
    }

    /**
     * The private key file of {@code name} in {@code dir}.
     *
     * @param dir the directory
     * @param name the signer name
     * @return DIR/NAME.key
     */
    public static Path privateKeyFile(Path dir, String name) {
        return dir.resolve(name + ".key");
    }

    /**
     * The SubjectPublicKeyInfo PEM file of {@code name} in {@code dir}.
     *
     * @param dir the directory
     * @param name the signer name
     * @return DIR/NAME.pub
     */
    public static Path publicKeyFile(Path dir, String name) {
        return dir.resolve(name + ".pub");
    }

    /**
     * The verifier key line file of {@code name} in {@code dir}.
     *
     * @param dir the directory
     * @param name the signer name
     * @return DIR/NAME.vkey
     */
    public static Path verifierKeyFile(Path dir, String name) {
        return dir.resolve(name + ".vkey");
    }

    /**
     * Generates a new Ed25519 key and writes its three files. {@code dir} is created 0700 when missing.
     * Nothing is ever overwritten: if any of the three files exists, none is written. If a later file
     * cannot be written, the ones this call created are removed (a half-written pair would be mistaken
     * for a usable one).
     *
     * @param dir the directory
     * @param name the signer name (no whitespace, no '+')
     * @param random the randomness source
     * @return the new key's verifier key
     * @throws KeyException when a file exists, the name is invalid, or an I/O error occurred
     */
    public static VerifierKey generate(Path dir, String name, SecureRandom random) {
        requireNonNull(dir, "dir");
        requireNonNull(name, "name");
        requireNonNull(random, "random");
        VerifierKey.checkName(name);
        Path priv = privateKeyFile(dir, name);
        Path pub = publicKeyFile(dir, name);
        Path vkey = verifierKeyFile(dir, name);
        for (Path p : List.of(priv, pub, vkey)) {
            if (Files.exists(p)) {
                throw new KeyException(p + " already exists; refusing to overwrite (choose another name or directory)");
            }
        }
        try {
            if (!Files.isDirectory(dir)) {
                if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            }
        } catch (IOException e) {
            throw new KeyException("cannot create key directory " + dir + ": " + e, e);
        }
        SigningKey key = SigningKey.generate(name, random);
        VerifierKey vk = key.verifierKey();
        List<Path> created = new ArrayList<>();
        try {
            key.writePrivatePem(priv);
            created.add(priv);
            KeyFiles.createNew(pub, vk.toSpkiPem().getBytes(StandardCharsets.US_ASCII), KeyFiles.PUBLIC);
            created.add(pub);
            KeyFiles.createNew(vkey, (vk.toVkey() + "\n").getBytes(StandardCharsets.UTF_8), KeyFiles.PUBLIC);
        } catch (KeyException | IOException e) {
            // Only files this call created (CREATE_NEW succeeded) are removed.
            for (Path p : created) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e instanceof KeyException ke ? ke
                    : new KeyException("cannot write the key pair " + name + " in " + dir + " (nothing kept): " + e, e);
        }
        return vk;
    }
}
