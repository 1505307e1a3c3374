package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chain.CheckpointRecord;
import io.attestream.integrity.Hash;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.integrity.TsaUnavailableException;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@code attestream_chainer_oldest_pending_checkpoint_seconds}: while the TSA is down, a signed checkpoint waits in
 * the pending store and the gauge shows its age, growing with every punctuation; once the TSA answers, the checkpoint
 * is written with its timestamp and the gauge returns to 0. The harness cadence: N = 3 events, punctuation every 1 s.
 */
class PendingCheckpointGaugeTest {
    private static final String GAUGE = "attestream.chainer.oldest.pending.checkpoint.seconds";

    /** The harness's TSA, or unavailable while {@code down} is set. */
    private static final class SwitchableTsa implements TimestampAuthority {
        final AtomicBoolean down = new AtomicBoolean();

        @Override
        public byte[] timestamp(Hash imprint) {
            if (down.get()) {
                throw new TsaUnavailableException("test TSA down", Duration.ZERO, null);
            }
            return ChainerHarness.TSA.timestamp(imprint);
        }
    }

    private static double gauge(ChainerHarness h) {
        return h.meters.get(GAUGE).gauge().value();
    }

    @Test
    void showsTheAgeOfTheOldestCheckpointWaitingForItsTimestampAndZeroOnceItIsWritten() throws Exception {
        SwitchableTsa tsa = new SwitchableTsa();
        try (ChainerHarness h = ChainerHarness.withTsa(tsa, Map.of(ChainerConfig.TSA_MAX_WAIT_MS_CONFIG, 600_000))) {
            assertThat(gauge(h)).as("nothing pending").isZero();
            tsa.down.set(true);
            for (int i = 0; i < 3; i++) {
                h.send(SampleEvents.of(EventType.values()[i], "acme", "agent-1", i));
            }
            h.advance(Duration.ofSeconds(1));
            assertThat(h.checkpoints.isEmpty()).as("no checkpoint written while the TSA is down").isTrue();
            double first = gauge(h);
            h.advance(Duration.ofSeconds(5));
            double later = gauge(h);
            assertThat(first).as("age after the first punctuation").isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(1.0);
            assertThat(later - first).as("grows with the time it waits").isBetween(4.0, 6.0);

            tsa.down.set(false);
            h.advance(Duration.ofSeconds(1));
            List<CheckpointRecord> written = h.checkpoints.readValuesToList();
            assertThat(written).hasSize(1);
            assertThat(written.get(0).getTimestamp()).as("written with its timestamp").isNotNull();
            assertThat(gauge(h)).as("nothing pending any more").isZero();
        }
    }
}
