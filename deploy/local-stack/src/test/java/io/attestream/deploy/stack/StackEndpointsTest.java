package io.attestream.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackEndpointsTest {

    @Test
    void survivesStoreAndLoadIncludingAnEmptyPassword(@TempDir Path dir) throws Exception {
        StackEndpoints e = StackEndpoints.local(9092, 8081, 8123, "", "s3cret=:#!");
        Path file = dir.resolve(StackEndpoints.FILE_NAME);
        e.store(file);
        assertThat(StackEndpoints.load(file)).isEqualTo(e);
        assertThat(Files.getPosixFilePermissions(file)).containsOnly(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        assertThat(e.registryUrl()).isEqualTo("http://127.0.0.1:8081/apis/ccompat/v7");
        assertThat(e.clickHouseJdbcUrl()).isEqualTo("jdbc:clickhouse:http://127.0.0.1:8123/attestream");
        assertThat(e.describe()).doesNotContain("s3cret");
    }

    @Test
    void rejectsMissingFileWithAHint(@TempDir Path dir) {
        assertThatThrownBy(() -> StackEndpoints.load(dir.resolve("none.properties")))
                .isInstanceOf(StackException.class).hasMessageContaining("stack up");
    }

    @Test
    void rejectsIncompleteFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("e.properties");
        Files.writeString(file, "kafka.bootstrap.servers=h:1\n");
        assertThatThrownBy(() -> StackEndpoints.load(file)).isInstanceOf(StackException.class)
                .hasMessageContaining("incomplete");
    }

    @Test
    void noEnvironmentMeansEmbedded() {
        assertThat(StackEndpoints.fromEnvironment(Map.of("PATH", "/bin"))).isEmpty();
    }

    @Test
    void readsAnExternalStackFromEnvironment() {
        StackEndpoints e = StackEndpoints.fromEnvironment(Map.of(
                StackEndpoints.ENV_KAFKA, "broker:9092",
                StackEndpoints.ENV_REGISTRY, "https://registry.example/apis/ccompat/v7/",
                StackEndpoints.ENV_CLICKHOUSE, "https://ch.example:8443",
                StackEndpoints.ENV_AUDITOR_PASSWORD, "pw")).orElseThrow();
        assertThat(e.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(e.registryUrl()).isEqualTo("https://registry.example/apis/ccompat/v7");
        assertThat(e.clickHouseJdbcUrl()).isEqualTo("jdbc:clickhouse:https://ch.example:8443/attestream");
        assertThat(e.clickHouseUser()).isEqualTo("default");
        assertThat(e.auditorPassword()).isEqualTo("pw");
    }

    @Test
    void rejectsHalfAnExternalStackNamingTheMissingVariables() {
        assertThatThrownBy(() -> StackEndpoints.fromEnvironment(Map.of(StackEndpoints.ENV_KAFKA, "b:9092")))
                .isInstanceOf(StackException.class)
                .hasMessageContaining(StackEndpoints.ENV_REGISTRY).hasMessageContaining(StackEndpoints.ENV_CLICKHOUSE);
    }

    @Test
    void readsAnEndpointsFileNamedByEnvironment(@TempDir Path dir) {
        StackEndpoints e = StackEndpoints.local(1, 2, 3, "", "a");
        Path file = dir.resolve("x.properties");
        e.store(file);
        assertThat(StackEndpoints.fromEnvironment(Map.of(StackEndpoints.ENV_ENDPOINTS_FILE, file.toString())))
                .contains(e);
    }
}
