package io.attestream.deploy.stack.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fault-test cluster: three separate node processes, replication factor 3 and min.insync.replicas 2; a node
 * killed with SIGKILL really dies (exit 137) while acks=all writes go on, and restarts on its data and ports until it
 * is back in every ISR.
 */
@Tag("slow")
class KafkaClusterIT {

    @Test
    void killedNodeDiesForRealWritesContinueAndRestartedNodeRejoinsEveryIsr() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start(3, Duration.ofMinutes(3));
             Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            Set<Long> pids = Set.of(cluster.pid(0), cluster.pid(1), cluster.pid(2));
            assertThat(pids).as("one OS process per node").hasSize(3).doesNotContain(ProcessHandle.current().pid());
            TopicDescription topic = cluster.createTopic("faults", 3, Duration.ofSeconds(60));
            assertThat(topic.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            assertThat(admin.describeConfigs(List.of(broker)).all().get().get(broker).get("min.insync.replicas").value())
                    .isEqualTo("2");

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("faults", "k", "before")).get(30, TimeUnit.SECONDS);
                long pid = cluster.pid(1);
                cluster.kill(1);
                assertThat(ProcessHandle.of(pid)).as("node process gone").isEmpty();
                assertThat(cluster.isRunning(1)).isFalse();
                // Two of three replicas remain: acks=all with min.insync.replicas=2 still succeeds.
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>("faults", "k" + i, "while node 2 is down")).get(60,
                            TimeUnit.SECONDS);
                }
                cluster.restart(1, Duration.ofMinutes(2));
                assertThat(cluster.pid(1)).isNotEqualTo(pid);
                Duration caughtUp = cluster.awaitFullIsr(Duration.ofMinutes(2));
                System.out.println("[kafka-cluster-it] restarted node back in every ISR after " + caughtUp);
                producer.send(new ProducerRecord<>("faults", "k", "after")).get(30, TimeUnit.SECONDS);
            }
            TopicDescription after = admin.describeTopics(List.of("faults")).allTopicNames().get().get("faults");
            assertThat(after.partitions()).allSatisfy(p -> assertThat(p.isr()).hasSize(3));
        }
    }
}
