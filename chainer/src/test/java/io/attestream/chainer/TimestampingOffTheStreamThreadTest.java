package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.chain.CheckpointRecord;
import io.attestream.chainer.internal.Notary;
import io.attestream.integrity.Hash;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 3161 requests run off the stream thread (issue 16): while the TSA does not answer, the stream thread goes on
 * chaining and the checkpoint stays pending; once the answer is in, a later punctuation writes it timestamped; a TSA
 * that does not answer within {@code chainer.tsa.max.wait.ms} is treated as unavailable (fail, or emit-unstamped).
 * The harness cadence: N = 3 events, punctuation every 1 s.
 */
class TimestampingOffTheStreamThreadTest {
    /** The harness's TSA, answering only once released; records the thread each request ran on. */
    private static final class HeldTsa implements TimestampAuthority {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch asked = new CountDownLatch(1);
        final AtomicReference<String> thread = new AtomicReference<>();

        @Override
        public byte[] timestamp(Hash imprint) {
            thread.compareAndSet(null, Thread.currentThread().getName());
            asked.countDown();
            try {
                if (!release.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test TSA never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("test TSA interrupted", e);
            }
            return ChainerHarness.TSA.timestamp(imprint);
        }
    }

    private final HeldTsa tsa = new HeldTsa();

    @AfterEach
    void releaseTheTsa() {
        tsa.release.countDown();
    }

    private static void sendThree(ChainerHarness h, int from) {
        for (int i = from; i < from + 3; i++) {
            h.send(SampleEvents.of(EventType.values()[i % EventType.values().length], "acme", "agent-1", i));
        }
    }

    @Test
    void chainingGoesOnWhileTheTsaHoldsTheRequestAndTheCheckpointIsWrittenOnceItAnswers() throws Exception {
        try (ChainerHarness h = ChainerHarness.withTsa(tsa, Map.of(), Notary.requestThreads(1))) {
            sendThree(h, 0);
            h.advance(Duration.ofSeconds(1));
            assertThat(tsa.asked.await(30, TimeUnit.SECONDS)).as("the punctuation asked the TSA").isTrue();
            assertThat(tsa.thread.get()).as("asked on a request thread, not the stream thread")
                    .startsWith("chainer-tsa-").isNotEqualTo(Thread.currentThread().getName());
            assertThat(tsa.release.getCount()).as("the punctuation returned while the TSA holds the request").isOne();

            sendThree(h, 3);
            h.advance(Duration.ofSeconds(1));
            assertThat(h.chained.readValuesToList()).as("chained while the request is held").hasSize(6);
            assertThat(h.checkpoints.isEmpty()).as("nothing written before the TSA answers").isTrue();

            tsa.release.countDown();
            List<CheckpointRecord> written = new ArrayList<>();
            for (int i = 0; i < 200 && written.size() < 2; i++) {
                Thread.sleep(10);
                h.advance(Duration.ofMillis(1000));
                written.addAll(h.checkpoints.readValuesToList());
            }
            assertThat(written).extracting(CheckpointRecord::getTreeSize).as("both count checkpoints, in order")
                    .containsExactly(3L, 6L);
            assertThat(written).allSatisfy(cp -> assertThat(cp.getTimestamp()).as("timestamped").isNotNull());
        }
    }

    @Test
    void aTsaThatDoesNotAnswerWithinTheMaxWaitStopsTheChainerInFailMode() throws Exception {
        try (ChainerHarness h = ChainerHarness.withTsa(tsa, Map.of(ChainerConfig.TSA_MAX_WAIT_MS_CONFIG, 3_000),
                Notary.requestThreads(1))) {
            sendThree(h, 0);
            h.advance(Duration.ofSeconds(1));
            assertThat(tsa.asked.await(30, TimeUnit.SECONDS)).isTrue();
            h.advance(Duration.ofSeconds(1));
            assertThat(h.checkpoints.isEmpty()).isTrue();
            assertThatThrownBy(() -> h.advance(Duration.ofSeconds(2)))
                    .hasStackTraceContaining("TimestampingFailedException")
                    .hasStackTraceContaining("no answer to the TSA request made");
        }
    }

    @Test
    void aTsaThatDoesNotAnswerWithinTheMaxWaitGetsTheCheckpointWrittenUnstampedInEmitUnstampedMode() throws Exception {
        try (ChainerHarness h = ChainerHarness.withTsa(tsa, Map.of(ChainerConfig.TSA_MAX_WAIT_MS_CONFIG, 3_000,
                ChainerConfig.TSA_UNAVAILABLE_MODE_CONFIG, ChainerConfig.TSA_UNAVAILABLE_EMIT_UNSTAMPED),
                Notary.requestThreads(1))) {
            sendThree(h, 0);
            h.advance(Duration.ofSeconds(1));
            assertThat(tsa.asked.await(30, TimeUnit.SECONDS)).isTrue();
            h.advance(Duration.ofSeconds(1));
            assertThat(h.checkpoints.isEmpty()).as("still within the max wait").isTrue();
            h.advance(Duration.ofSeconds(2));
            List<CheckpointRecord> written = h.checkpoints.readValuesToList();
            assertThat(written).extracting(CheckpointRecord::getTreeSize).containsExactly(3L);
            assertThat(written.get(0).getTimestamp()).as("written without timestamp").isNull();
            assertThat(h.meters.get("attestream.chainer.tsa.failures").counter().count()).as("counted as a TSA failure")
                    .isEqualTo(1.0);
        }
    }
}
