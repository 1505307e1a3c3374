package io.attestream.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/docker/Dockerfile, read instruction by instruction. There is no Docker engine on the project's machines:
 * the image was never built here; this checks what a build would use against the role jars, the role poms and
 * the manifests instead.
 */
class DockerfileTest {
    private record Instruction(String keyword, String args) {
    }

    private static List<Instruction> parse(Path file) throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            if (current.length() == 0 && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String text = current.toString().strip();
            current.setLength(0);
            int space = text.indexOf(' ');
            out.add(new Instruction(text.substring(0, space).toUpperCase(java.util.Locale.ROOT),
                    text.substring(space + 1).strip()));
        }
        assertThat(current.toString()).as("a continued line ends the file").isEmpty();
        return out;
    }

    private static List<Instruction> dockerfile() throws IOException {
        return parse(Roles.deployDir().resolve("docker").resolve("Dockerfile"));
    }

    private static List<String> all(List<Instruction> is, String keyword) {
        return is.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::args).toList();
    }

    private static Map<String, String> args(List<Instruction> is) {
        Map<String, String> out = new HashMap<>();
        for (String a : all(is, "ARG")) {
            String[] kv = a.split("=", 2);
            out.put(kv[0], kv.length == 2 ? kv[1] : null);
        }
        return out;
    }

    @Test
    void everyInstructionIsOneDockerKnows() throws IOException {
        List<String> known = List.of("FROM", "ARG", "LABEL", "RUN", "COPY", "USER", "WORKDIR", "ENV", "EXPOSE",
                "HEALTHCHECK", "ENTRYPOINT", "CMD");
        assertThat(dockerfile()).allSatisfy(i -> assertThat(known).contains(i.keyword()));
        assertThat(dockerfile().get(0).keyword()).isEqualTo("FROM");
    }

    @Test
    void baseImageIsATemurinJreOfAJavaTheStagesRunOn() throws IOException {
        List<String> from = all(dockerfile(), "FROM");
        assertThat(from).hasSize(1);
        assertThat(from.get(0)).matches("eclipse-temurin:(17|21)(\\.[0-9._]+)?-jre(-[a-z0-9]+)?");
    }

    @Test
    void theCopiedJarIsTheRoleJarOfEveryRoleAndTheEntrypointRunsIt() throws IOException {
        List<Instruction> is = dockerfile();
        assertThat(args(is)).containsKey("ROLE");
        assertThat(args(is).get("ROLE")).as("ROLE has no default: a build names its role").isNull();
        List<String> copies = all(is, "COPY");
        assertThat(copies).hasSize(2);
        String[] copy = copies.get(0).split("\\s+");
        assertThat(copy).hasSize(2);
        for (Roles role : Roles.values()) {
            Path source = Roles.repoRoot().resolve(copy[0].replace("${ROLE}", role.role));
            assertThat(source.normalize()).isEqualTo(role.jar().toAbsolutePath().normalize());
            // The role pom names its jar attestream-${attestream.role}: the same file.
            String pom = Files.readString(Roles.deployDir().resolve("runtime").resolve(role.role).resolve("pom.xml"));
            assertThat(pom).contains("<attestream.role>" + role.role + "</attestream.role>");
            assertThat(Files.isRegularFile(role.jar())).as(role.jar() + " exists (package deploy/runtime first)")
                    .isTrue();
        }
        String runtimePom = Files.readString(Roles.deployDir().resolve("runtime").resolve("pom.xml"));
        assertThat(runtimePom).contains("<finalName>attestream-${attestream.role}</finalName>");
        // The entrypoint script runs that jar (ATTESTREAM_JAR's default) with its class-data archive.
        String[] start = copies.get(1).split("\\s+");
        assertThat(start).hasSize(3);
        assertThat(start[0]).isEqualTo("--chmod=0555");
        assertThat(Roles.repoRoot().resolve(start[1])).isRegularFile();
        assertThat(Files.readString(Roles.repoRoot().resolve(start[1]))).contains("jar=${ATTESTREAM_JAR:-" + copy[1] + "}");
        List<String> entrypoint = all(is, "ENTRYPOINT");
        assertThat(entrypoint).containsExactly("[\"" + start[2] + "\"]");
        assertThat(all(is, "CMD")).as("arguments come from the manifests").isEmpty();
    }

    /**
     * The entrypoint script with a real role jar and this JVM: the first start writes the AppCDS archive at exit, the
     * second maps it (the stage's own classes load from the archive), a torn archive is replaced, and every
     * workload mounts a writable volume where the image keeps it.
     */
    @Test
    void theEntrypointMapsAClassDataArchiveOfTheJarFromTheSecondStartAndReplacesATornOne(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path script = Roles.deployDir().resolve("docker").resolve("start.sh");
        Path jar = Roles.SINK.jar();
        assertThat(Files.isRegularFile(jar)).as(jar + " exists (package deploy/runtime first)").isTrue();
        Path cds = Files.createDirectories(dir.resolve("cds"));
        Path log = dir.resolve("classes.log");
        assertThat(start(script, jar, cds, null)).isZero();
        List<Path> archives = archives(cds);
        assertThat(archives).as("written at the first exit").hasSize(1);
        assertThat(Files.size(archives.get(0))).isGreaterThan(100_000);

        assertThat(start(script, jar, cds, "-Xlog:class+load=info:file=" + log)).isZero();
        assertThat(Files.readAllLines(log)).as("the stage's classes come from the archive").anySatisfy(l ->
                assertThat(l).contains("io.attestream.sink.SinkCommand source: shared objects file"));

        try (var ch = java.nio.channels.FileChannel.open(archives.get(0), java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(100);
        }
        assertThat(start(script, jar, cds, null)).isZero();
        assertThat(archives(cds)).hasSize(1);
        assertThat(Files.size(archives(cds).get(0))).as("the torn archive was written anew").isGreaterThan(100_000);

        for (Manifests.Workload w : Manifests.load().workloads()) {
            com.fasterxml.jackson.databind.JsonNode m = w.mountCovering("/var/lib/attestream/attestream-cds.jsa");
            assertThat(m).as(w.name() + " mounts a volume at /var/lib/attestream").isNotNull();
            assertThat(m.path("mountPath").asText()).as(w.name()).isEqualTo("/var/lib/attestream");
            assertThat(m.path("readOnly").asBoolean(false)).as(w.name() + " can write the archive").isFalse();
        }
    }

    private static int start(Path script, Path jar, Path cds, String javaToolOptions) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", script.toString(), "--help").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ATTESTREAM_JAR", jar.toString());
        pb.environment().put("ATTESTREAM_CDS_DIR", cds.toString());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (javaToolOptions != null) {
            pb.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
        } else {
            pb.environment().remove("JAVA_TOOL_OPTIONS");
        }
        Process p = pb.start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("start.sh --help exits").isTrue();
        return p.exitValue();
    }

    private static List<Path> archives(Path cds) throws IOException {
        try (var s = Files.list(cds)) {
            return s.filter(f -> f.getFileName().toString().matches("attestream-cds-.*\\.jsa")).toList();
        }
    }

    @Test
    void theImageRunsAsTheNonRootUserTheManifestsExpect() throws IOException {
        List<String> user = all(dockerfile(), "USER");
        assertThat(user).hasSize(1);
        String uid = user.get(0).split(":")[0];
        assertThat(uid).matches("[0-9]+").isNotEqualTo("0");
        for (Manifests.Workload w : Manifests.load().workloads()) {
            assertThat(w.spec().at("/template/spec/securityContext/runAsUser").asText()).as(w.name()).isEqualTo(uid);
            assertThat(w.spec().at("/template/spec/securityContext/runAsNonRoot").asBoolean()).as(w.name()).isTrue();
        }
    }

    @Test
    void healthcheckAsksLiveOnThePortTheManifestsProbe() throws IOException {
        List<Instruction> is = dockerfile();
        String port = args(is).get("HEALTH_PORT");
        assertThat(port).matches("[0-9]+");
        List<String> health = all(is, "HEALTHCHECK");
        assertThat(health).hasSize(1);
        assertThat(health.get(0)).contains("CMD ").contains("/dev/tcp/127.0.0.1/${HEALTH_PORT}").contains("GET /live ");
        assertThat(all(is, "EXPOSE")).containsExactly("${HEALTH_PORT}");
        assertThat(String.join(" ", all(is, "ENV"))).contains("HEALTH_PORT=${HEALTH_PORT}");
        Manifests m = Manifests.load();
        for (Roles role : Roles.CONFIGURED) {
            assertThat(m.properties(role).getProperty("metrics.port")).as(role.role).isEqualTo(port);
            Manifests.Workload w = m.workload(role);
            Matcher live = Pattern.compile("^/live$").matcher(w.container().at("/livenessProbe/httpGet/path").asText());
            assertThat(live.matches()).as(role.role + " liveness probe").isTrue();
            assertThat(w.containerPort(w.container().at("/livenessProbe/httpGet/port").asText())).isEqualTo(
                    Integer.parseInt(port));
        }
    }
}
