package io.attestream.ingest;

import io.attestream.chain.ChainedEvent;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.WireSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads what a test chainer wrote, for the integration tests of this module. */
final class ChainedEvents {
    private ChainedEvents() {
    }

    /**
     * The eventIds on {@code chained} (read committed, from the beginning), read until {@code expected} arrived
     * and then 3 s more so that a duplicate would show, or 180 s passed.
     */
    static List<String> readEventIds(StackEndpoints stack, SchemaRegistryClient registry, String chained,
                                     int expected, String group) {
        WireSerde<ChainedEvent> serde = WireSerde.of(registry, ChainedEvent.class, ChainedEvent.getClassSchema(),
                false);
        Map<String, Object> cp = new HashMap<>();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, ChainedEvent> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
                serde.deserializer())) {
            consumer.subscribe(List.of(chained));
            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, ChainedEvent> r : consumer.poll(Duration.ofMillis(300))) {
                    seen.add(r.value().getEventId().toString());
                }
                if (seen.size() >= expected && quietUntil == Long.MAX_VALUE) {
                    // Keep reading a little: a duplicate would show up now.
                    quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                }
            }
        }
        return seen;
    }
}
