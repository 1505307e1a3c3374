package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.sink.SinkException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * {@link SinkLoop.Source} read from the cluster with an {@link Admin} client made of the consumer's own connection
 * settings (bootstrap servers, security), created on first use and closed with the sink.
 */
public final class KafkaSource implements SinkLoop.Source, AutoCloseable {
    private static final long TIMEOUT_SECONDS = 60;

    private final Map<String, Object> adminProps;
    private Admin admin;
    private String clusterId;

    /** @param clientProps the consumer's properties; only the keys an Admin client knows are used */
    public KafkaSource(Map<String, Object> clientProps) {
        requireNonNull(clientProps, "clientProps");
        adminProps = new HashMap<>();
        clientProps.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                adminProps.put(k, v);
            }
        });
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "attestream-sink-source");
    }

    @Override
    public synchronized String clusterId() {
        if (clusterId == null) {
            clusterId = await(admin().describeCluster().clusterId(), "the Kafka cluster id");
        }
        return clusterId;
    }

    @Override
    public synchronized String topicId(String topic) {
        Map<String, TopicDescription> described = await(admin().describeTopics(List.of(topic)).allTopicNames(),
                "the topic id of " + topic);
        return described.get(topic).topicId().toString();
    }

    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(adminProps);
        }
        return admin;
    }

    private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new SinkException("cannot read " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new SinkException("cannot read " + what + ": no answer within " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkException("interrupted while reading " + what, e);
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
            admin = null;
        }
    }
}
