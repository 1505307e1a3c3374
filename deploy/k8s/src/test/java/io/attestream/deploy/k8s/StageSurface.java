package io.attestream.deploy.k8s;

import io.attestream.chainer.ChainerConfig;
import io.attestream.drift.DriftConfig;
import io.attestream.ingest.gateway.GatewayConfig;
import io.attestream.schemas.registry.RegistryClientConfig;
import io.attestream.sink.SinkConfig;
import io.attestream.witness.WitnessConfig;
import io.attestream.witness.submit.WitnessSubmitConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What a stage declares and serves, taken from the stage itself: config keys from its ConfigDef (plus the Kafka
 * keys it passes through), HTTP paths and Prometheus metric names from its main sources.
 */
final class StageSurface {
    private static final Pattern CONTEXT = Pattern.compile("createContext\\(\"(/[^\"]*)\"");
    private static final Pattern PATH_CONSTANT = Pattern.compile("_PATH\\s*=\\s*\"(/[^\"]*)\"");
    private static final Pattern COUNTER = Pattern.compile("(?:Counter\\.builder|\\.counter)\\(\"([a-z0-9.]+)\"");
    private static final Pattern TIMER = Pattern.compile("(?:Timer\\.builder|\\.timer)\\(\"([a-z0-9.]+)\"");
    private static final Pattern GAUGE = Pattern.compile("(?:Gauge\\.builder|\\.gauge)\\(\"([a-z0-9.]+)\"");
    private static final Pattern SUMMARY = Pattern.compile("DistributionSummary\\.builder\\(\"([a-z0-9.]+)\"");
    /** The shared naming scheme (stage-runtime StageMetrics.name): rewritten to the literal name before scanning. */
    private static final Pattern STAGE_NAME = Pattern.compile(
            "StageMetrics\\.name\\(\\s*\"([a-z0-9_]+)\"\\s*,\\s*\"([a-z0-9.]+)\"\\s*\\)");
    private static final Pattern LITERAL = Pattern.compile("\"(?:# (?:HELP|TYPE) )?(attestream_[a-z0-9_]+)[\"{ ]");
    /**
     * Names Micrometer's KafkaStreamsMetrics / KafkaClientMetrics binders register from the Kafka client metrics;
     * only those the rules and the dashboard use, and only for a stage whose sources bind them.
     */
    private static final Set<String> KAFKA_BINDER = Set.of("kafka_consumer_fetch_manager_records_lag_max");

    private StageSurface() {
    }

    /** Whether {@code key} in a properties file of {@code role} is a key the stage declares or passes on. */
    static boolean declares(Roles role, String key) {
        ConfigDef own = switch (role) {
            case GATEWAY -> GatewayConfig.configDef();
            case CHAINER -> ChainerConfig.configDef();
            case DRIFT -> DriftConfig.configDef();
            case SINK -> SinkConfig.configDef();
            case WITNESS -> WitnessConfig.configDef();
            case WITNESS_SUBMIT -> WitnessSubmitConfig.configDef();
        };
        if (own.names().contains(key) || RegistryClientConfig.configDef().names().contains(key)) {
            return true;
        }
        String fileOf = key.endsWith(".file") ? key.substring(0, key.length() - ".file".length()) : null;
        if (fileOf != null && own.configKeys().containsKey(fileOf)
                && own.configKeys().get(fileOf).type == ConfigDef.Type.PASSWORD && servesSecretFiles(role)) {
            return true;
        }
        return switch (role) {
            case GATEWAY -> key.startsWith("producer.") && ProducerConfig.configNames().contains(key.substring(9));
            case CHAINER, DRIFT -> StreamsConfig.configDef().names().contains(key) || clientKey(key)
                    || streamsPrefixed(key) || (role == Roles.CHAINER && key.startsWith(ChainerConfig.ON_REASON_PREFIX));
            case SINK -> (key.startsWith(SinkConfig.CONSUMER_PREFIX)
                    && ConsumerConfig.configNames().contains(key.substring(SinkConfig.CONSUMER_PREFIX.length())))
                    || key.startsWith(SinkConfig.CLICKHOUSE_JDBC_PREFIX)
                    || key.matches(Pattern.quote(SinkConfig.CLICKHOUSE_SETTING_PREFIX) + "[a-z_][a-z0-9_]*");
            default -> false;
        };
    }

    private static boolean clientKey(String key) {
        return ProducerConfig.configNames().contains(key) || ConsumerConfig.configNames().contains(key)
                || AdminClientConfig.configNames().contains(key);
    }

    private static boolean streamsPrefixed(String key) {
        for (String prefix : new String[] {StreamsConfig.PRODUCER_PREFIX, StreamsConfig.CONSUMER_PREFIX,
            StreamsConfig.MAIN_CONSUMER_PREFIX, StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.ADMIN_CLIENT_PREFIX}) {
            if (key.startsWith(prefix) && clientKey(key.substring(prefix.length()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the stage reads {@code K.file} for a password key K (the shared config loader, issue 17 point 1). */
    static boolean servesSecretFiles(Roles role) {
        return usesStageRuntime(role);
    }

    /** HTTP paths the stage serves. */
    static Set<String> endpoints(Roles role) {
        String text = sources(Roles.repoRoot().resolve(role.module));
        if (usesStageRuntime(role)) {
            text += sources(Roles.repoRoot().resolve("stage-runtime"));
        }
        Set<String> out = new TreeSet<>();
        for (Pattern p : new Pattern[] {CONTEXT, PATH_CONSTANT}) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** Prometheus names of every metric any stage registers (Micrometer's naming: dots to _, unit suffixes). */
    static Set<String> metrics() {
        Set<String> out = new TreeSet<>();
        for (Roles role : Roles.values()) {
            String text = sources(Roles.repoRoot().resolve(role.module));
            if (usesStageRuntime(role)) {
                text += sources(Roles.repoRoot().resolve("stage-runtime"));
            }
            text = STAGE_NAME.matcher(text).replaceAll("\"attestream.$1.$2\"");
            add(out, COUNTER, text, "_total");
            add(out, TIMER, text, "_seconds_count", "_seconds_sum", "_seconds_max", "_seconds_bucket");
            add(out, GAUGE, text, "");
            add(out, SUMMARY, text, "_count", "_sum", "_max", "_bucket");
            Matcher literal = LITERAL.matcher(text);
            while (literal.find()) {
                out.add(literal.group(1));
            }
            if (text.contains("KafkaStreamsMetrics") || text.contains("KafkaClientMetrics")) {
                out.addAll(KAFKA_BINDER);
            }
        }
        return out;
    }

    private static void add(Set<String> out, Pattern p, String text, String... suffixes) {
        Matcher m = p.matcher(text);
        while (m.find()) {
            String base = m.group(1).replace('.', '_');
            for (String s : suffixes) {
                out.add(base + s);
            }
        }
    }

    private static boolean usesStageRuntime(Roles role) {
        try {
            return Files.readString(Roles.repoRoot().resolve(role.module).resolve("pom.xml"))
                    .contains("<artifactId>attestream-stage-runtime</artifactId>");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sources(Path module) {
        Path main = module.resolve("src").resolve("main").resolve("java");
        if (!Files.isDirectory(main)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                sb.append(Files.readString(f)).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    /** {@code used} minus {@code served}, sorted, for messages. */
    static Set<String> missing(Set<String> used, Set<String> served) {
        Set<String> out = new TreeSet<>(used);
        out.removeAll(new HashSet<>(served));
        return out;
    }
}
