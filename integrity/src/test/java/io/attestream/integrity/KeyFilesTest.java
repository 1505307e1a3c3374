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
}
