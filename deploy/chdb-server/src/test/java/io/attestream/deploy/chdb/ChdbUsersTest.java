package io.attestream.deploy.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChdbUsersTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("users.properties");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void defaultsHaveAFullDefaultUserAndAReadOnlyAuditor() {
        ChdbUsers u = ChdbUsers.defaults();
        assertThat(u.authenticate("default", "")).hasValueSatisfying(x -> assertThat(x.readonly()).isFalse());
        assertThat(u.authenticate("auditor", "")).hasValueSatisfying(x -> assertThat(x.readonly()).isTrue());
        assertThat(u.authenticate("default", "nope")).isEmpty();
        assertThat(u.authenticate("mallory", "")).isEmpty();
    }

    @Test
    void loadsHashedPasswordsAndRoundTripsThroughTheFileFormat() throws IOException {
        Path f = write("user.writer.password_sha256 = " + ChdbUsers.sha256Hex("s3cret") + "\n"
                + "user.writer.readonly = false\n"
                + "user.auditor.password_sha256 = " + ChdbUsers.sha256Hex("audit").toUpperCase() + "\n"
                + "user.auditor.readonly = true\n");
        ChdbUsers u = ChdbUsers.load(f);
        assertThat(u.authenticate("writer", "s3cret")).isPresent();
        assertThat(u.authenticate("writer", "S3cret")).isEmpty();
        assertThat(u.authenticate("auditor", "audit").orElseThrow().readonly()).isTrue();
        ChdbUsers again = ChdbUsers.load(write(u.toFileText()));
        assertThat(again.users()).isEqualTo(u.users());
        assertThat(Files.readString(f)).doesNotContain("s3cret");
    }

    @Test
    void sha256OfTheEmptyPasswordIsTheWellKnownValue() {
        assertThat(ChdbUsers.sha256Hex("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void rejectsUnknownKeysMissingFlagsAndBadHashes() throws IOException {
        String hash = ChdbUsers.sha256Hex("");
        assertThatThrownBy(() -> ChdbUsers.load(write("user.a.password_sha256=" + hash + "\nuser.a.readonly=false\n"
                + "user.a.read_only=true\n"))).isInstanceOf(ChdbServerException.class).hasMessageContaining("read_only");
        assertThatThrownBy(() -> ChdbUsers.load(write("user.a.password_sha256=" + hash + "\n")))
                .hasMessageContaining("user.a.readonly is missing");
        assertThatThrownBy(() -> ChdbUsers.load(write("user.a.password_sha256=secret\nuser.a.readonly=true\n")))
                .hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> ChdbUsers.load(write("user.a.password_sha256=" + hash + "\nuser.a.readonly=yes\n")))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> ChdbUsers.load(write("# nobody\n"))).hasMessageContaining("no users");
        assertThatThrownBy(() -> ChdbUsers.load(dir.resolve("missing"))).hasMessageContaining("--users-file");
    }
}
