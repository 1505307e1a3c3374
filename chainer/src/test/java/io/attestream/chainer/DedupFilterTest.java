package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chain.ChainedEvent;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.testing.SampleEvents;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The eventId window's negative filter under TopologyTestDriver with the real (RocksDB) window store: the filter
 * only lets events skip the store fetch; what is refused as a duplicate does not change. Harness punctuation: every
 * 1 s; here W = 60 s, so the store's segments are 60 s wide.
 */
class DedupFilterTest {
    private static final long W = 60_000;

    private static AuditEvent event(String agent, int n) {
        return SampleEvents.of(EventType.values()[n % EventType.values().length], "acme", agent, n);
    }

    private static String dedupKey(AuditEvent e) {
        return e.getEventId() + "@" + Topics.agentKey(e.getTenant(), e.getAgentId());
    }

    private static double lookups(ChainerHarness h, String filter, boolean found) {
        return h.meters.get("attestream.chainer.dedup.lookups").tag("filter", filter)
                .tag("found", Boolean.toString(found)).counter().count();
    }

    private static String reason(TestRecord<byte[], byte[]> r) {
        Header header = r.headers().lastHeader(DeadLetterHeaders.REASON);
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static ChainerHarness harness(int scanEntries) throws Exception {
        return ChainerHarness.withoutTsa(Map.of(ChainerConfig.DEDUP_WINDOW_MS_CONFIG, W,
                ChainerConfig.DEDUP_FILTER_SCAN_ENTRIES_CONFIG, scanEntries));
    }

    @Test
    void idsInTheStoreAtStartAreRefusedWhileTheFilterScansAndAfterTheScanAddedThem() throws Exception {
        try (ChainerHarness h = harness(2)) {
            // The store as a task finds it at init (restored from its changelog): ids the filter never saw put,
            // in two of the store's segments.
            WindowStore<String, byte[]> store = h.driver.getWindowStore(ChainerTopology.EVENT_ID_STORE);
            long start = ChainerHarness.START.toEpochMilli();
            List<AuditEvent> old = IntStream.range(0, 7).mapToObj(i -> event("agent-old", 100 + i)).toList();
            for (int i = 0; i < old.size(); i++) {
                store.put(dedupKey(old.get(i)), ByteBuffer.allocate(8).putLong(i).array(), start - 50_000 + i * 9_000);
            }

            h.send(old.get(0));
            assertThat(reason(h.deadLetters.readRecord())).isEqualTo("duplicate-event-id");
            assertThat(lookups(h, "untrusted", true)).as("before the first punctuation: the store answers").isEqualTo(1);

            h.advance(Duration.ofMillis(1_000));
            h.send(old.get(1));
            assertThat(reason(h.deadLetters.readRecord())).isEqualTo("duplicate-event-id");
            assertThat(lookups(h, "untrusted", true)).as("2 of 7 scanned: still untrusted").isEqualTo(2);

            for (int punctuation = 2; punctuation <= 4; punctuation++) {
                h.advance(Duration.ofMillis(1_000));  // one punctuation per advance
            }
            h.send(event("agent-new", 0));
            assertThat(lookups(h, "absent", false)).as("scan done: a new id skips the fetch").isEqualTo(1);
            for (AuditEvent e : old) {
                h.send(e);
            }
            assertThat(h.deadLetters.readValuesToList()).as("every old id refused: the scan added each").hasSize(7);
            assertThat(lookups(h, "maybe", true)).isEqualTo(7);
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getAgentId).containsExactly("agent-new");
        }
    }

    @Test
    void duplicateWithinTheWindowIsRefusedWithTheFilterTrusted() throws Exception {
        try (ChainerHarness h = harness(50_000)) {
            h.advance(Duration.ofMillis(1_000));
            AuditEvent e = event("agent-a", 0);
            h.send(e);
            h.send(event("agent-a", 1));
            h.advance(Duration.ofMillis(30_000));
            h.send(e);
            assertThat(reason(h.deadLetters.readRecord())).isEqualTo("duplicate-event-id");
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getSeq).containsExactly(0L, 1L);
            assertThat(lookups(h, "absent", false)).as("both new ids skipped the fetch").isEqualTo(2);
            assertThat(lookups(h, "maybe", true)).isEqualTo(1);
            assertThat(lookups(h, "untrusted", false) + lookups(h, "untrusted", true)).isZero();
        }
    }

    @Test
    void idOlderThanTheWindowIsChainedAgainAfterItsFilterGenerationExpired() throws Exception {
        try (ChainerHarness h = harness(50_000)) {
            h.advance(Duration.ofMillis(1_000));
            AuditEvent e = event("agent-a", 0);
            h.send(e);
            h.advance(Duration.ofMillis(W + 1));
            h.send(e);
            assertThat(lookups(h, "maybe", false)).as("the filter still holds it, the store's fetch does not").isEqualTo(1);
            h.advance(Duration.ofMinutes(5));
            h.send(e);
            assertThat(lookups(h, "absent", false)).as("its generation dropped: no fetch").isEqualTo(2);
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getSeq).containsExactly(0L, 1L, 2L);
            assertThat(h.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void withTheFilterDisabledEveryEventFetches() throws Exception {
        try (ChainerHarness h = ChainerHarness.withoutTsa(Map.of(ChainerConfig.DEDUP_WINDOW_MS_CONFIG, W,
                ChainerConfig.DEDUP_FILTER_BYTES_CONFIG, 0))) {
            h.advance(Duration.ofMillis(1_000));
            AuditEvent e = event("agent-a", 0);
            h.send(e);
            h.send(e);
            assertThat(lookups(h, "untrusted", false)).isEqualTo(1);
            assertThat(lookups(h, "untrusted", true)).isEqualTo(1);
            assertThat(lookups(h, "absent", false)).isZero();
        }
    }
}
