package io.attestream.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The role jars of deploy/runtime, entry by entry: what the enforcer rules (no-junit-at-runtime,
 * no-broker-at-runtime) check on the dependency tree, checked again on what was packaged; and each jar runs.
 */
class RuntimeJarsTest {
    /** Entries that must not be in any role jar, with why. */
    private static final List<Pattern> FORBIDDEN = List.of(
            Pattern.compile("^kafka/.*\\.class$"), // the broker (kafka_2.13); kafka/*.properties are kafka-clients'
            Pattern.compile("^org/apache/kafka/(raft|controller|metadata|image|storage/internals)/"), // broker modules
            Pattern.compile("^scala/"),
            Pattern.compile("^org/junit/"),
            Pattern.compile("^junit/"),
            Pattern.compile("^org/opentest4j/"),
            Pattern.compile("^net/jqwik/"),
            Pattern.compile("^org/assertj/"),
            Pattern.compile("^io/attestream/deploy/stack/"), // the local stack and its JUnit extension
            Pattern.compile("^io/attestream/deploy/chdb/"), // the development ClickHouse engine
            Pattern.compile("^io/attestream/cli/"),
            Pattern.compile("^io/attestream/testing/"));

    @ParameterizedTest
    @EnumSource(Roles.class)
    void roleJarHoldsNoBrokerScalaJUnitOrLocalStack(Roles role) throws IOException {
        List<String> bad = new ArrayList<>();
        int entries = 0;
        try (JarFile jar = open(role)) {
            for (var it = jar.entries(); it.hasMoreElements(); ) {
                String name = it.nextElement().getName();
                entries++;
                for (Pattern p : FORBIDDEN) {
                    if (p.matcher(name).find()) {
                        bad.add(name);
                    }
                }
            }
        }
        assertThat(entries).as("entries of " + role.jar()).isGreaterThan(1000);
        assertThat(bad).as("forbidden entries in " + role.jar()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Roles.class)
    void roleJarStartsItsOwnStageCommand(Roles role) throws IOException {
        try (JarFile jar = open(role)) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("io.attestream.deploy.runtime.RoleMain");
            assertThat(jar.getManifest().getMainAttributes().getValue("Attestream-Role")).isEqualTo(role.role);
            Properties props = new Properties();
            try (InputStream in = jar.getInputStream(jar.getEntry("META-INF/attestream-role.properties"))) {
                props.load(in);
            }
            String command = props.getProperty("command");
            assertThat(jar.getEntry(command.replace('.', '/') + ".class")).as(command).isNotNull();
            assertThat(command).startsWith("io.attestream.");
        }
    }

    @ParameterizedTest
    @EnumSource(Roles.class)
    void roleJarRunsWithAPlainJre(Roles role) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-jar", role.jar().toString(), "--help")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("java -jar " + role.jar() + " --help ended").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("Usage: " + role.role + " ");
    }

    private static JarFile open(Roles role) throws IOException {
        assertThat(Files.isRegularFile(role.jar())).as(role.jar() + " (build it: ./mvnw -pl deploy/runtime/"
                + role.role + " -am package -DskipTests)").isTrue();
        return new JarFile(role.jar().toFile());
    }
}
