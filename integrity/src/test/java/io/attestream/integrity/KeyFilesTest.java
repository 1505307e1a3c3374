package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesPrivateKeyOwnerOnlyAndReadsItBack() throws Exception {
        SigningKey k = SigningKey.generate("signer-1", new SecureRandom());
        Path f = dir.resolve("signer-1.key");
        k.writePrivatePem(f);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(SigningKey.readPkcs8Pem("signer-1", f).verifierKey()).isEqualTo(k.verifierKey());
    }

    @Test
    void refusesToOverwriteAKeyFile() throws Exception {
        Path f = dir.resolve("k.key");
        Files.writeString(f, "precious");
        assertThatThrownBy(() -> SigningKey.generate("k", new SecureRandom()).writePrivatePem(f))
                .isInstanceOf(KeyException.class).hasMessageContaining(f.toString());
        assertThat(Files.readString(f)).isEqualTo("precious");
    }

    @Test
    void rejectsPrivateKeyReadableByOthers() throws Exception {
        Path f = dir.resolve("k.key");
        Files.writeString(f, SigningKey.generate("k", new SecureRandom()).toPkcs8Pem());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SigningKey.readPkcs8Pem("k", f)).isInstanceOf(KeyException.class)
                .hasMessageContaining("chmod 600");
    }

    @Test
    void rejectsPemOfTheWrongType() {
        String pub = SigningKey.generate("k", new SecureRandom()).verifierKey().toSpkiPem();
        assertThatThrownBy(() -> SigningKey.fromPkcs8Pem("k", pub)).isInstanceOf(KeyException.class)
                .hasMessageContaining("PUBLIC KEY");
    }

    @Test
    void keyPairFilesAreWrittenOnceAndReadBack() throws Exception {
        Path out = dir.resolve("keys");
        VerifierKey written = KeyPairFiles.generate(out, "ck-2026", new SecureRandom());
        SigningKey sk = SigningKey.readPkcs8Pem("ck-2026", out.resolve("ck-2026.key"));
        assertThat(sk.verifierKey()).isEqualTo(written);
        assertThat(VerifierKey.read("ck-2026", out.resolve("ck-2026.vkey"))).isEqualTo(written);
        assertThat(VerifierKey.readVkey(out.resolve("ck-2026.vkey"))).isEqualTo(written);
        assertThat(VerifierKey.read("ck-2026", out.resolve("ck-2026.pub"))).isEqualTo(written);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("ck-2026.key"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rwx------");

        String before = Files.readString(out.resolve("ck-2026.key"));
        assertThatThrownBy(() -> KeyPairFiles.generate(out, "ck-2026", new SecureRandom()))
                .isInstanceOf(KeyException.class).hasMessageContaining("already exists");
        assertThat(Files.readString(out.resolve("ck-2026.key"))).isEqualTo(before);
    }

    @Test
    void keyPairFilesRemoveWhatTheyWroteWhenALaterFileFails() throws Exception {
        // A dangling symlink passes the up-front existence check but makes CREATE_NEW fail on the third file.
        Files.createSymbolicLink(dir.resolve("ck.vkey"), dir.resolve("nowhere"));
        assertThatThrownBy(() -> KeyPairFiles.generate(dir, "ck", new SecureRandom()))
                .isInstanceOf(KeyException.class);
        assertThat(dir.resolve("ck.key")).doesNotExist();
        assertThat(dir.resolve("ck.pub")).doesNotExist();
        assertThat(Files.isSymbolicLink(dir.resolve("ck.vkey"))).isTrue();
        assertThat(dir.resolve("nowhere")).doesNotExist();
    }

    @Test
    void keyPairFilesRejectAnInvalidNameWithoutWritingAnything() throws Exception {
        assertThatThrownBy(() -> KeyPairFiles.generate(dir, "bad+name", new SecureRandom()))
                .isInstanceOf(KeyException.class).hasMessageContaining("'+'");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void writesTheRfc8410ExampleKeyByteForByte() {
        // RFC 8410 §10.3, the example Ed25519 private key: an encoding we did not write.
        String rfc = "-----BEGIN PRIVATE KEY-----\n"
                + "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
                + "-----END PRIVATE KEY-----\n";
        assertThat(SigningKey.fromPkcs8Pem("rfc8410", rfc).toPkcs8Pem()).isEqualTo(rfc);
    }

    @Test
    void stillReadsKeysWrittenByEarlierVersions() {
        // BouncyCastle's PKCS#8 v2 (with the public key attribute), what keygen wrote before issue 21.
        SigningKey legacy = SigningKey.fromPkcs8Pem("legacy", TestJson.text("/keys/legacy-bc-v2.key"));
        byte[] seed = new byte[32];
        for (int i = 0; i < 32; i++) {
            seed[i] = (byte) (0x40 + i);
        }
        assertThat(legacy.verifierKey()).isEqualTo(SigningKey.fromSeed("legacy", seed).verifierKey());
        assertThat(legacy.toPkcs8Pem()).isEqualTo(SigningKey.fromSeed("legacy", seed).toPkcs8Pem())
                .startsWith("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI");
    }

    @Test
    void writesTheTestKeyAsPythonCryptographyDoes() {
        // vectors/checkpoint/test-key.key: written by gen_checkpoint_vectors.py (Python `cryptography`, PKCS8).
        byte[] seed = new byte[32];
        for (int i = 0; i < 32; i++) {
            seed[i] = (byte) i;
        }
        assertThat(SigningKey.fromSeed("attestream-test-key", seed).toPkcs8Pem())
                .isEqualTo(TestJson.text("/vectors/checkpoint/test-key.key"));
    }
}
