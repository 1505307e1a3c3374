package io.attestream.cli.demo;

import static java.util.Objects.requireNonNull;

import io.attestream.chainer.ChainerApp;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.sink.EvidenceSink;
import io.attestream.sink.SinkConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pipeline stages in this JVM on a stack, as the demo (and the end-to-end benchmark) run them: each on its own
 * thread; a stage that ends by itself or throws sets {@code failure} (first one wins), and each start appends the
 * stage's stop to {@code stops}.
 */
public final class InProcessStages {
    private InProcessStages() {
    }

    /**
     * The sink's connection settings for {@code stack} (Kafka, registry, ClickHouse and its read-write user) with
     * the probe server off; add the group, database and topics.
     *
     * @param stack where the stack answers
     * @return a mutable map of {@link SinkConfig} keys
     */
    public static Map<String, Object> sinkSettings(StackEndpoints stack) {
        requireNonNull(stack, "stack");
        Map<String, Object> props = new HashMap<>();
        props.put(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(SinkConfig.REGISTRY_URL_CONFIG, stack.registryUrl());
        props.put(SinkConfig.CLICKHOUSE_URL_CONFIG, stack.clickHouseJdbcUrl());
        props.put(SinkConfig.CLICKHOUSE_USER_CONFIG, stack.clickHouseUser());
        props.put(SinkConfig.CLICKHOUSE_PASSWORD_CONFIG, stack.clickHousePassword());
        props.put(SinkConfig.METRICS_PORT_CONFIG, -1);
        return props;
    }

    /**
     * Starts {@code chainer} on a thread named {@code name}; its stop stops it and waits up to 60 s for the thread.
     *
     * @param chainer the configured chainer
     * @param name the thread's name
     * @param stops where its stop is appended
     * @param failure set when the chainer ends other than by its stop, or throws
     */
    public static void chainer(ChainerApp chainer, String name, List<Runnable> stops,
                               AtomicReference<Throwable> failure) {
        requireNonNull(chainer, "chainer");
        requireNonNull(failure, "failure");
        Thread thread = new Thread(() -> {
            try {
                ChainerApp.Outcome outcome = chainer.run();
                if (outcome != ChainerApp.Outcome.STOPPED) {
                    failure.compareAndSet(null, new IllegalStateException("chainer ended: " + outcome));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        thread.start();
        stops.add(() -> {
            chainer.stop();
            join(thread);
        });
    }

    /**
     * Starts {@code sink} on a thread named {@code name}; its stop lands what the sink holds, waits up to 60 s for the
     * thread and closes the sink.
     *
     * @param sink the configured sink
     * @param name the thread's name
     * @param stops where its stop is appended
     * @param failure set when the sink throws
     */
    public static void sink(EvidenceSink sink, String name, List<Runnable> stops, AtomicReference<Throwable> failure) {
        requireNonNull(sink, "sink");
        requireNonNull(failure, "failure");
        Thread thread = new Thread(() -> {
            try {
                sink.run();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        thread.start();
        stops.add(() -> {
            sink.stop();
            join(thread);
            sink.close();
        });
    }

    static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
