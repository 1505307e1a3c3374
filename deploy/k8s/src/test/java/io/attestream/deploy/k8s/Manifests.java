package io.attestream.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/** Every YAML document under deploy/k8s, parsed (Jackson YAML), with lookups the tests share. */
final class Manifests {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One document and the file it came from. */
    record Doc(Path file, JsonNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.at("/metadata/name").asText();
        }
    }

    /** A Deployment or StatefulSet with one container. */
    record Workload(Doc doc) {
        String name() {
            return doc.name();
        }

        JsonNode spec() {
            return doc.node().path("spec");
        }

        JsonNode container() {
            JsonNode containers = spec().at("/template/spec/containers");
            assertThat(containers.size()).as(name() + " containers").isEqualTo(1);
            return containers.get(0);
        }

        Roles role() {
            return Roles.ofImage(container().path("image").asText());
        }

        List<String> args() {
            List<String> out = new ArrayList<>();
            container().path("args").forEach(a -> out.add(a.asText()));
            return out;
        }

        int containerPort(String nameOrNumber) {
            if (nameOrNumber.matches("[0-9]+")) {
                return Integer.parseInt(nameOrNumber);
            }
            for (JsonNode p : container().path("ports")) {
                if (p.path("name").asText().equals(nameOrNumber)) {
                    return p.path("containerPort").asInt();
                }
            }
            throw new AssertionError(name() + " has no container port named " + nameOrNumber);
        }

        /** The volume of the pod mounted at {@code mountPath}, or null. */
        JsonNode volumeAt(String mountPath) {
            for (JsonNode m : container().path("volumeMounts")) {
                if (m.path("mountPath").asText().equals(mountPath)) {
                    String volume = m.path("name").asText();
                    for (JsonNode v : spec().at("/template/spec/volumes")) {
                        if (v.path("name").asText().equals(volume)) {
                            return v;
                        }
                    }
                    for (JsonNode t : spec().path("volumeClaimTemplates")) {
                        if (t.at("/metadata/name").asText().equals(volume)) {
                            return t;
                        }
                    }
                    throw new AssertionError(name() + ": mount " + mountPath + " names no volume " + volume);
                }
            }
            return null;
        }

        /** The mount whose path is {@code path} or a parent of it, or null. */
        JsonNode mountCovering(String path) {
            JsonNode best = null;
            for (JsonNode m : container().path("volumeMounts")) {
                String mp = m.path("mountPath").asText();
                if (path.equals(mp) || path.startsWith(mp.endsWith("/") ? mp : mp + "/")) {
                    if (best == null || mp.length() > best.path("mountPath").asText().length()) {
                        best = m;
                    }
                }
            }
            return best;
        }
    }

    private final List<Doc> docs;

    private Manifests(List<Doc> docs) {
        this.docs = docs;
    }

    static Path k8sDir() {
        return Roles.deployDir().resolve("k8s");
    }

    static Manifests load() {
        List<Doc> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(k8sDir())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/src/")).sorted()
                    .toList()) {
                try (var parser = YAML.getFactory().createParser(f.toFile())) {
                    var it = YAML.readValues(parser, JsonNode.class);
                    while (it.hasNext()) {
                        JsonNode n = it.next();
                        if (n != null && !n.isNull() && !n.isMissingNode()) {
                            docs.add(new Doc(f, n));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Manifests(docs);
    }

    List<Doc> docs() {
        return docs;
    }

    /** Documents of the base (what every overlay deploys). */
    List<Doc> base() {
        return docs.stream().filter(d -> d.file().startsWith(k8sDir().resolve("base"))).toList();
    }

    List<Doc> ofKind(String kind) {
        return base().stream().filter(d -> d.kind().equals(kind)).toList();
    }

    Doc named(String kind, String name) {
        return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/k8s"));
    }

    List<Workload> workloads() {
        return base().stream().filter(d -> d.kind().equals("Deployment") || d.kind().equals("StatefulSet"))
                .map(Workload::new).toList();
    }

    Workload workload(Roles role) {
        return workloads().stream().filter(w -> w.role() == role).findFirst()
                .orElseThrow(() -> new AssertionError("no workload runs " + role.image()));
    }

    /** The properties file a configured role reads: the ConfigMap entry mounted where its --config points. */
    Properties properties(Roles role) {
        Workload w = workload(role);
        List<String> args = w.args();
        int at = args.indexOf("--config");
        assertThat(at).as(w.name() + " --config").isGreaterThanOrEqualTo(0);
        String path = args.get(at + 1);
        JsonNode mount = null;
        for (JsonNode m : w.container().path("volumeMounts")) {
            if (m.path("mountPath").asText().equals(path)) {
                mount = m;
            }
        }
        assertThat(mount).as(w.name() + ": nothing mounted at " + path).isNotNull();
        JsonNode volume = w.volumeAt(path);
        String configMap = volume.at("/configMap/name").asText();
        String key = mount.path("subPath").asText();
        JsonNode text = named("ConfigMap", configMap).node().at("/data/" + key.replace("~", "~0").replace("/", "~1"));
        assertThat(text.isTextual()).as("ConfigMap " + configMap + " has " + key).isTrue();
        Properties p = new Properties();
        try {
            p.load(new StringReader(text.asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
