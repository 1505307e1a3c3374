package io.attestream.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attestream.sink.SinkCommand;
import io.attestream.witness.WitnessCommand;
import io.attestream.witness.submit.WitnessSubmitCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every manifest under deploy/k8s against the stages: each config key a ConfigMap sets is one the stage declares,
 * each option a container passes is one the command has, probes point at paths the stage serves on the port its
 * config opens, secrets are files of a mounted Secret, and every metric the PrometheusRule and the Grafana
 * dashboard use is one a stage registers.
 */
class ManifestsTest {
    private static final Pattern METRIC = Pattern.compile("\\b((?:attestream|kafka)_[a-z0-9_]+)\\b");
    private static final String SECRETS_DIR = "/etc/attestream/secrets/";

    /**
     * Keys and paths the manifests use that the shared stage runtime of issue 17 point 1/4 (helper i17-runtime:
     * metrics.port / metrics.bind.address, /ready and /live on every stage, K.file secrets) brings; they are
     * accepted only while a stage does not declare or serve them yet, and each entry fails the test once it does, so
     * that the list empties itself when that work is merged.
     */
    // Empty since i17-runtime wired every stage to stage-runtime (metrics.port, metrics.bind.address, X.file secrets,
    // /ready, /live); kept so that a stage that loses one of them fails here with the same message.
    private static final Map<Roles, Set<String>> AWAITING_STAGE_RUNTIME = Map.of();

    private final Manifests m = Manifests.load();

    private static boolean awaited(Roles role, String keyOrPath) {
        return AWAITING_STAGE_RUNTIME.getOrDefault(role, Set.of()).contains(keyOrPath);
    }

    @Test
    void everyDocumentHasAKindAndANameAndEveryKustomizationPathExists() throws IOException {
        assertThat(m.docs()).hasSizeGreaterThan(20);
        for (Manifests.Doc d : m.docs()) {
            assertThat(d.kind()).as(d.file().toString()).isNotEmpty();
            if (d.kind().equals("Kustomization")) {
                Path dir = d.file().getParent();
                List<String> paths = new ArrayList<>();
                d.node().path("resources").forEach(r -> paths.add(r.asText()));
                d.node().path("patches").forEach(p -> paths.add(p.path("path").asText()));
                d.node().path("configMapGenerator").forEach(g -> g.path("files").forEach(f -> paths.add(f.asText())));
                assertThat(paths).as(d.file().toString()).isNotEmpty();
                for (String p : paths) {
                    assertThat(Files.exists(dir.resolve(p))).as(d.file() + " names " + p).isTrue();
                }
            } else {
                assertThat(d.node().path("apiVersion").asText()).as(d.file().toString()).isNotEmpty();
                assertThat(d.name()).as(d.file() + " " + d.kind()).isNotEmpty();
            }
        }
        List<String> baseFiles = new ArrayList<>();
        try (var files = Files.list(Manifests.k8sDir().resolve("base"))) {
            files.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml"))
                    .forEach(f -> baseFiles.add(f.getFileName().toString()));
        }
        JsonNode baseKustomization = m.docs().stream().filter(d -> d.kind().equals("Kustomization")
                && d.file().getParent().endsWith("base")).findFirst().orElseThrow().node();
        List<String> listed = new ArrayList<>();
        baseKustomization.path("resources").forEach(r -> listed.add(r.asText()));
        assertThat(listed).as("every base file is a resource of the base").containsExactlyInAnyOrderElementsOf(baseFiles);
    }

    @Test
    void everyConfigKeyAConfigMapSetsIsAKeyTheStageDeclares() {
        for (Roles role : Roles.CONFIGURED) {
            Properties p = m.properties(role);
            assertThat(p).as(role.role).isNotEmpty();
            for (String key : p.stringPropertyNames()) {
                boolean declared = StageSurface.declares(role, key);
                if (awaited(role, key)) {
                    assertThat(declared).as(role.role + " declares " + key + " now: remove it from"
                            + " AWAITING_STAGE_RUNTIME").isFalse();
                    System.out.println("ManifestsTest: " + role.role + " key " + key + " awaits the stage runtime");
                } else {
                    assertThat(declared).as(role.role + " declares " + key).isTrue();
                }
            }
        }
    }

    @Test
    void everyOptionAContainerPassesIsAnOptionOfItsCommand() {
        Map<Roles, CommandLine> commands = Map.of(Roles.WITNESS, new CommandLine(new WitnessCommand()),
                Roles.WITNESS_SUBMIT, new CommandLine(new WitnessSubmitCommand()));
        for (Manifests.Workload w : m.workloads()) {
            List<String> args = w.args();
            CommandLine root;
            CommandLine.Model.CommandSpec spec;
            if (w.role() == Roles.SINK) {
                assertThat(args.get(0)).isEqualTo("run");
                root = new CommandLine(new SinkCommand());
                spec = root.getSubcommands().get("run").getCommandSpec();
            } else if (commands.containsKey(w.role())) {
                root = commands.get(w.role());
                spec = root.getCommandSpec();
            } else {
                assertThat(args).as(w.name()).containsExactly("--config", "/etc/attestream/" + w.role().role
                        + ".properties");
                continue;
            }
            Set<String> options = spec.optionsMap().keySet();
            for (String a : args) {
                if (a.startsWith("--")) {
                    assertThat(options).as(w.name() + " option " + a).contains(a.split("=", 2)[0]);
                }
            }
            // picocli itself accepts the whole line (required options present, values of the right type).
            CommandLine.ParseResult parsed = root.parseArgs(args.toArray(String[]::new));
            assertThat(parsed.errors()).as(w.name()).isEmpty();
        }
    }

    @Test
    void probesPointAtPathsTheStageServesOnThePortItsConfigOpens() {
        for (Manifests.Workload w : m.workloads()) {
            Roles role = w.role();
            if (role == Roles.WITNESS) {
                // Its witness API (the Service's http port) is where the submitter reaches it.
                int api = w.containerPort("http");
                assertThat(w.args()).as("the witness listens on its http port").containsSubsequence("--port",
                        Integer.toString(api));
                assertThat(w.args()).containsSubsequence("--host", "0.0.0.0");
            }
            for (String probe : List.of("readinessProbe", "livenessProbe")) {
                JsonNode p = w.container().path(probe);
                assertThat(p.isObject()).as(w.name() + " " + probe).isTrue();
                String path = p.at("/httpGet/path").asText();
                assertThat(path).isEqualTo(probe.equals("readinessProbe") ? "/ready" : "/live");
                if (awaited(role, path)) {
                    assertThat(StageSurface.endpoints(role)).as(role.role + " serves " + path + " now: remove it from"
                            + " AWAITING_STAGE_RUNTIME").doesNotContain(path);
                    System.out.println("ManifestsTest: " + role.role + " " + path + " awaits the stage runtime");
                } else {
                    assertThat(StageSurface.endpoints(role)).as(role.role + " serves").contains(path);
                }
                int port = w.containerPort(p.at("/httpGet/port").asText());
                assertThat(m.properties(role).getProperty("metrics.port")).as(role.role + " metrics.port")
                        .isEqualTo(Integer.toString(port));
                assertThat(m.properties(role).getProperty("metrics.bind.address")).isEqualTo("0.0.0.0");
            }
        }
    }

    @Test
    void secretsAreFilesOfAMountedSecretNeverValuesInAConfigMap() {
        for (Manifests.Workload w : m.workloads()) {
            List<String> files = new ArrayList<>();
            if (Roles.CONFIGURED.contains(w.role())) {
                Properties p = m.properties(w.role());
                for (String key : p.stringPropertyNames()) {
                    assertThat(key).as("a secret value in a ConfigMap").doesNotEndWith(".password")
                            .isNotEqualTo("basic.auth.user.info").isNotEqualTo("sasl.jaas.config");
                    if (p.getProperty(key).startsWith(SECRETS_DIR)) {
                        files.add(p.getProperty(key));
                    }
                }
            }
            w.args().stream().flatMap(a -> Pattern.compile("(" + SECRETS_DIR + "[A-Za-z0-9._-]+)").matcher(a)
                    .results().map(r -> r.group(1))).forEach(files::add);
            for (String file : files) {
                JsonNode volume = w.volumeAt(SECRETS_DIR.substring(0, SECRETS_DIR.length() - 1));
                assertThat(volume).as(w.name() + " mounts " + SECRETS_DIR + " for " + file).isNotNull();
                String secret = volume.at("/secret/secretName").asText();
                JsonNode data = m.named("Secret", secret).node().path("stringData");
                assertThat(data.has(file.substring(SECRETS_DIR.length()))).as("Secret " + secret + " has the key of "
                        + file).isTrue();
            }
        }
    }

    @Test
    void everyContainerHasResourceRequestsAndAMemoryLimit() {
        for (Manifests.Workload w : m.workloads()) {
            JsonNode r = w.container().path("resources");
            assertThat(r.at("/requests/cpu").asText()).as(w.name()).isNotEmpty();
            assertThat(r.at("/requests/memory").asText()).as(w.name()).matches("[0-9]+Mi");
            assertThat(r.at("/limits/memory").asText()).as(w.name()).matches("[0-9]+Mi");
            assertThat(mebibytes(r.at("/limits/memory").asText())).isGreaterThanOrEqualTo(
                    mebibytes(r.at("/requests/memory").asText()));
        }
    }

    @Test
    void everyMemoryRequestIsTheMeasuredRssWithHeadroomAndTheOperationsGuideSaysTheSame() throws IOException {
        Pattern measured = Pattern.compile("# measured RSS ([0-9]+) MiB[^\n]*\n\\s*requests: \\{cpu: [0-9]+m, memory:"
                + " ([0-9]+)Mi}");
        String guide = Files.readString(Roles.repoRoot().resolve("docs/operations.md"));
        Set<Path> files = new TreeSet<>();
        m.workloads().forEach(w -> files.add(w.doc().file()));
        int found = 0;
        for (Path f : files) {
            Matcher matcher = measured.matcher(Files.readString(f));
            while (matcher.find()) {
                int rss = Integer.parseInt(matcher.group(1));
                int request = Integer.parseInt(matcher.group(2));
                assertThat(request).as(f + ": request vs measured RSS " + rss).isGreaterThanOrEqualTo(rss * 5 / 4);
                assertThat(guide).as("docs/operations.md lists " + rss + " MiB / " + request + "Mi")
                        .containsPattern("\\| " + rss + " MiB \\| " + request + "Mi \\|");
                found++;
            }
        }
        assertThat(found).as("workloads with a measured RSS").isEqualTo(m.workloads().size());
    }

    @Test
    void theGatewayScalesAndTheStatefulStagesKeepTheirStateOnVolumes() {
        Manifests.Workload gateway = m.workload(Roles.GATEWAY);
        assertThat(gateway.doc().kind()).isEqualTo("Deployment");
        JsonNode hpa = m.named("HorizontalPodAutoscaler", gateway.name()).node();
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo(gateway.name());
        assertThat(hpa.at("/spec/minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(m.named("Service", gateway.name()).node().at("/spec/selector")).isEqualTo(
                gateway.spec().at("/selector/matchLabels"));
        assertThat(m.named("PodDisruptionBudget", gateway.name()).node().at("/spec/selector/matchLabels")).isEqualTo(
                gateway.spec().at("/selector/matchLabels"));

        Manifests.Workload chainer = m.workload(Roles.CHAINER);
        assertThat(chainer.doc().kind()).isEqualTo("StatefulSet");
        String stateDir = m.properties(Roles.CHAINER).getProperty("state.dir");
        JsonNode mount = chainer.mountCovering(stateDir);
        assertThat(mount).as("a volume holds " + stateDir).isNotNull();
        assertThat(chainer.volumeAt(mount.path("mountPath").asText()).at("/spec/accessModes/0").asText())
                .as("the state dir is a PersistentVolumeClaim").isEqualTo("ReadWriteOnce");
        assertThat(m.named("PodDisruptionBudget", chainer.name()).node().at("/spec/maxUnavailable").asInt())
                .isEqualTo(1);

        Manifests.Workload witness = m.workload(Roles.WITNESS);
        assertThat(witness.doc().kind()).isEqualTo("StatefulSet");
        String dir = witness.args().get(witness.args().indexOf("--dir") + 1);
        assertThat(witness.volumeAt(witness.mountCovering(dir).path("mountPath").asText()).has("spec"))
                .as("the witness's cosigned sizes survive restarts").isTrue();

        Manifests.Workload submitter = m.workload(Roles.WITNESS_SUBMIT);
        assertThat(submitter.doc().kind()).isEqualTo("StatefulSet");
        String stateOf = submitter.args().get(submitter.args().indexOf("--state-dir") + 1);
        assertThat(submitter.volumeAt(submitter.mountCovering(stateOf).path("mountPath").asText()).has("spec"))
                .as("the submitter's position survives restarts").isTrue();

        assertThat(m.workload(Roles.DRIFT).doc().kind()).isEqualTo("Deployment");
        assertThat(m.workload(Roles.SINK).doc().kind()).isEqualTo("Deployment");
        for (Manifests.Workload w : m.workloads()) {
            assertThat(w.container().path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
        }
    }

    @Test
    void theServiceMonitorScrapesEveryStageThatServesMetrics() {
        JsonNode sm = m.named("ServiceMonitor", "attestream").node();
        assertThat(sm.at("/spec/endpoints/0/port").asText()).isEqualTo("health");
        assertThat(sm.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
        Set<String> selected = new TreeSet<>();
        sm.at("/spec/selector/matchExpressions/0/values").forEach(v -> selected.add(v.asText()));
        for (Roles role : Roles.CONFIGURED) {
            Manifests.Workload w = m.workload(role);
            String name = w.spec().at("/selector/matchLabels/app.kubernetes.io~1name").asText();
            assertThat(selected).contains(name);
            JsonNode service = m.ofKind("Service").stream().filter(s -> s.node().at("/spec/selector/app.kubernetes.io~1name")
                    .asText().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no Service for " + name))
                    .node();
            assertThat(service.at("/metadata/labels/app.kubernetes.io~1name").asText()).isEqualTo(name);
            boolean health = false;
            for (JsonNode port : service.at("/spec/ports")) {
                health |= port.path("name").asText().equals("health");
            }
            assertThat(health).as(name + " Service has the health port").isTrue();
        }
    }

    @Test
    void thePrometheusRuleAlertsOnWhatSreTeamsWatchWithMetricsTheStagesServe() {
        JsonNode rule = m.named("PrometheusRule", "attestream").node();
        Set<String> alerts = new TreeSet<>();
        Set<String> used = new TreeSet<>();
        for (JsonNode group : rule.at("/spec/groups")) {
            for (JsonNode r : group.path("rules")) {
                alerts.add(r.path("alert").asText());
                assertThat(r.at("/labels/severity").asText()).isIn("warning", "critical");
                assertThat(r.at("/annotations/summary").asText()).isNotEmpty();
                used.addAll(metricsIn(r.path("expr").asText()));
            }
        }
        assertThat(alerts).contains("AttestreamDriftAlertRaised", "AttestreamChainerLag", "AttestreamEntriesUnsealed",
                "AttestreamSinkLag", "AttestreamDeadLettersRising", "AttestreamTsaFailures");
        assertThat(StageSurface.missing(used, StageSurface.metrics())).as("metrics the stages do not serve").isEmpty();
    }

    @Test
    void theGrafanaDashboardQueriesOnlyMetricsTheStagesServe() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(Manifests.k8sDir().resolve("base/dashboards/attestream-pipeline.json")
                .toFile());
        Set<String> used = new TreeSet<>();
        int targets = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode t : panel.path("targets")) {
                used.addAll(metricsIn(t.path("expr").asText()));
                targets++;
            }
        }
        assertThat(targets).isGreaterThanOrEqualTo(10);
        assertThat(StageSurface.missing(used, StageSurface.metrics())).as("metrics the stages do not serve").isEmpty();
    }

    @Test
    void theMetricNameScanFindsWhatTheStagesRegister() {
        // The scan is the reference of the two tests above: it must see the stages' well-known metrics.
        assertThat(StageSurface.metrics()).contains("attestream_chainer_events_chained_total",
                "attestream_chainer_tsa_failures_total", "attestream_gateway_request_seconds_count",
                "attestream_sink_lag_records");
        assertThat(StageSurface.metrics()).doesNotContain("attestream_sink_no_such_metric");
    }

    private static Set<String> metricsIn(String expr) {
        Set<String> out = new TreeSet<>();
        Matcher matcher = METRIC.matcher(expr.replaceAll("\\{[^}]*}", "{}"));
        while (matcher.find()) {
            out.add(matcher.group(1));
        }
        assertThat(out).as("metrics in " + expr).isNotEmpty();
        return out;
    }

    private static int mebibytes(String quantity) {
        return Integer.parseInt(quantity.substring(0, quantity.length() - 2));
    }
}
