package io.attestream.runtime;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The one pass-through rule of every stage: a key the stage does not own goes to its Kafka clients (or Kafka
 * Streams) unchanged, so {@code sasl.*}, {@code ssl.*}, {@code security.protocol}, {@code client.rack} and every other
 * client setting work the same way everywhere. Kafka's own prefixes ({@code producer.}, {@code consumer.},
 * {@code admin.}) keep their meaning where a stage has clients of several kinds.
 */
public final class KafkaClientKeys {
    /** Prefixes Kafka (clients and Streams) use to aim a key at one client kind. */
    public static final List<String> CLIENT_PREFIXES = List.of("producer.", "consumer.", "admin.", "main.consumer.",
            "restore.consumer.", "global.consumer.");

    private static final List<ConfigDef> CLIENT_DEFS = List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(),
            AdminClientConfig.configDef());

    private KafkaClientKeys() {
    }

    /** The producer, consumer and admin client definitions (Streams apps add {@code StreamsConfig.configDef()}). */
    public static List<ConfigDef> clientDefs() {
        return CLIENT_DEFS;
    }

    /**
     * Every key not owned by the stage, unchanged.
     *
     * @param values the loaded configuration
     * @param owned the stage's own keys (declared names)
     * @param ownedPrefixes prefixes of keys the stage owns in full (e.g. {@code chainer.})
     * @return the pass-through keys, in {@code values}' order
     */
    public static Map<String, Object> passThrough(Map<String, ?> values, Set<String> owned,
            Collection<String> ownedPrefixes) {
        requireNonNull(values, "values");
        requireNonNull(owned, "owned");
        requireNonNull(ownedPrefixes, "ownedPrefixes");
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (!owned.contains(k) && ownedPrefixes.stream().noneMatch(k::startsWith)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * The keys of one client kind: every unprefixed pass-through key, then the keys with {@code prefix} (prefix
     * stripped) over them, as Kafka Streams does for its clients. Keys aimed at other kinds are left out.
     *
     * @param passThrough the result of {@link #passThrough}
     * @param prefix e.g. {@code consumer.}
     * @return the client's settings
     */
    public static Map<String, Object> forClient(Map<String, ?> passThrough, String prefix) {
        requireNonNull(prefix, "prefix");
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map.Entry<String, ?>> prefixed = new ArrayList<>();
        for (Map.Entry<String, ?> e : passThrough.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(prefix)) {
                prefixed.add(e);
            } else if (CLIENT_PREFIXES.stream().noneMatch(k::startsWith)) {
                out.put(k, e.getValue());
            }
        }
        prefixed.forEach(e -> out.put(e.getKey().substring(prefix.length()), e.getValue()));
        return out;
    }
}
