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
        assertThat(copies).hasSize(1);
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
        List<String> entrypoint = all(is, "ENTRYPOINT");
        assertThat(entrypoint).containsExactly("[\"java\", \"-jar\", \"" + copy[1] + "\"]");
        assertThat(all(is, "CMD")).as("arguments come from the manifests").isEmpty();
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
