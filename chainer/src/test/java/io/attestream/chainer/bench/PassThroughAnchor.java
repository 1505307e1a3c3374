package io.attestream.chainer.bench;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.BenchmarkStack;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The chainer's pass-through anchor (issue 16): the records the chainer drains, consumed and produced again by plain
 * clients, at least once, with no state store, no chain and no transaction. One consumer (manual assignment of every
 * partition, {@code enable.auto.commit=false}) reads the source topic from the start; one idempotent {@code acks=all}
 * producer with 128 KiB batches and {@code linger.ms=5} writes each record, same key and value, to a fresh target
 * topic with the source's partition count. Every second, and at the end, the producer is flushed before the consumed
 * positions are committed, so a committed offset never covers an unacknowledged record.
 *
 * <p>Timed from the first poll until the last record is acknowledged (the final flush returned, so every callback
 * ran). Afterwards the offsets are watched: the target's end offsets and the committed source offsets must both
 * account for all n records, or the run fails (an anchor that lost records is no anchor).
 */
final class PassThroughAnchor {
    private static final Duration COMMIT_EVERY = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private PassThroughAnchor() {
    }

    /**
     * Copies the n records of {@code source} to a new topic {@code target}.
     *
     * @return records/s, first poll to last acknowledgement
     * @throws IllegalStateException when a record failed, fewer than n arrived within 10 min, or the offsets do not
     *                               add up to n afterwards
     */
    static double run(StackEndpoints stack, String source, String target, long n) throws InterruptedException {
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(stack, "bench-pass-" + target);
             KafkaProducer<byte[], byte[]> p = producer(stack)) {
            List<TopicPartition> in = c.partitionsFor(source).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            BenchmarkStack.createTopics(stack, in.size(), List.of(target));
            c.assign(in);
            c.seekToBeginning(in);
            long consumed = 0;
            long t0 = System.nanoTime();
            long nextCommit = t0 + COMMIT_EVERY.toNanos();
            long deadline = t0 + TIMEOUT.toNanos();
            while (consumed < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    p.send(new ProducerRecord<>(target, r.key(), r.value()), (meta, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, e);
                        }
                    });
                    consumed++;
                }
                if (System.nanoTime() >= nextCommit) {
                    p.flush();
                    c.commitSync();
                    nextCommit = System.nanoTime() + COMMIT_EVERY.toNanos();
                }
            }
            p.flush();
            double rate = consumed / ((System.nanoTime() - t0) / 1e9);
            c.commitSync();
            if (consumed < n) {
                throw new IllegalStateException("pass-through: only " + consumed + " of " + n + " records of "
                        + source + " consumed in " + TIMEOUT);
            }
            if (failed.get() > 0) {
                throw new IllegalStateException("pass-through: " + failed.get() + " of " + consumed + " records to "
                        + target + " failed", firstError.get());
            }
            watchOffsets(c, in, target, n);
            return rate;
        }
    }

    /** Checks that the target holds n records and the committed source offsets are the source's end offsets. */
    private static void watchOffsets(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> in, String target,
            long n) {
        List<TopicPartition> out = c.partitionsFor(target).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        long written = c.endOffsets(out).values().stream().mapToLong(Long::longValue).sum();
        Map<TopicPartition, Long> end = c.endOffsets(in);
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.copyOf(in));
        long behind = 0;
        for (TopicPartition tp : in) {
            OffsetAndMetadata o = committed.get(tp);
            behind += end.get(tp) - (o == null ? 0 : o.offset());
        }
        if (written != n || behind != 0) {
            throw new IllegalStateException("pass-through: " + target + " holds " + written + " of " + n
                    + " records; committed offsets are " + behind + " behind the source's end");
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(StackEndpoints stack, String group) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static KafkaProducer<byte[], byte[]> producer(StackEndpoints stack) {
        Map<String, Object> p = BenchmarkStack.rawProducerConfig(stack);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 131_072);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
