package io.attestream.deploy.stack.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryServiceTest {

    @Test
    void fallsBackTo2xOnJava17WithOnlyTheHttpPort(@TempDir Path dir) {
        JavaRuntimes.Jdk current = JavaRuntimes.current();
        // This JVM is the build's Java 17; the fallback is what it selects when named explicitly.
        RegistryService r = new RegistryService(StackConfig.builder(dir).registryJava(current.home()).build());
        assertThat(r.jdk().feature()).isEqualTo(current.feature());
        if (current.feature() < 21) {
            assertThat(r.modern()).isFalse();
            assertThat(r.artifact()).isEqualTo(RegistryService.V2);
            assertThat(r.ports()).extracting(Service.Port::key).containsExactly(StackConfig.REGISTRY_PORT_CONFIG);
            List<String> cmd = r.prepare(line -> { });
            assertThat(cmd.get(cmd.size() - 1)).endsWith("apicurio-registry-app-2.6.13.Final-runner.jar");
        } else {
            assertThat(r.artifact()).isEqualTo(RegistryService.V3);
        }
    }

    @Test
    void runs3xWithPersistentStorageOnJava21OrNewerWhenOneIsInstalled(@TempDir Path dir) {
        JavaRuntimes.newestAtLeast(21).ifPresent(jdk -> {
            RegistryService r = new RegistryService(StackConfig.builder(dir).build());
            assertThat(r.jdk().feature()).isGreaterThanOrEqualTo(21);
            assertThat(r.artifact()).isEqualTo(RegistryService.V3);
            List<String> cmd = r.prepare(line -> { });
            assertThat(cmd).anyMatch(a -> a.startsWith("-Dapicurio.datasource.url=jdbc:h2:file:" + dir.toAbsolutePath()));
            assertThat(cmd).contains("-Dquarkus.http.host=127.0.0.1", "-Dquarkus.management.host=127.0.0.1");
        });
    }

    @Test
    void rejectsARegistryJavaThatIsNotAJavaInstallationNamingTheKey(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("bin"));
        assertThatThrownBy(() -> JavaRuntimes.at(dir)).isInstanceOf(StackException.class)
                .hasMessageContaining(StackConfig.REGISTRY_JAVA_CONFIG).hasMessageContaining("--registry-java");
    }

    @Test
    void acceptsAJavaExecutableAsWellAsAHome() {
        JavaRuntimes.Jdk current = JavaRuntimes.current();
        assertThat(JavaRuntimes.at(current.java()).home()).isEqualTo(current.home().toAbsolutePath().normalize());
    }
}
