package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.chain.ChainedEvent;
import io.attestream.chain.CheckpointRecord;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.testing.SampleEvents;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The stores behind the time cadence (the due index: the punctuation reads only agents that are due) and the eventId
 * window's edges, under TopologyTestDriver. The harness
 * cadence: N = 3 events, T = 10 s, punctuation every 1 s.
 */
class TimeCadenceAndDedupStoresTest {
    private static final int IDLE_AGENTS = 2_000;

    private static AuditEvent event(String agent, int n) {
        return SampleEvents.of(EventType.values()[n % EventType.values().length], "acme", agent, n);
    }

    private static String agentKey(String agent) {
        return Topics.agentKey("acme", agent);
    }

    /** Agent keys in the due store (the built-for marker left out). */
    private static List<String> dueAgents(ChainerHarness h) {
        KeyValueStore<String, byte[]> due = h.driver.getKeyValueStore(ChainerTopology.DUE_STORE);
        List<String> agents = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = due.all()) {
            while (it.hasNext()) {
                String k = it.next().key;
                if (!k.startsWith("~")) {
                    agents.add(k.substring(k.indexOf('\u0000') + 1));
                }
            }
        }
        return agents;
    }

    @Test
    void everyIdleAgentGetsExactlyOneTimeCheckpointAndThenCostsTheCadenceNothing() throws Exception {
        try (ChainerHarness h = ChainerHarness.withoutTsa(Map.of())) {
            for (int i = 0; i < IDLE_AGENTS; i++) {
                h.send(event("idle-" + i, 0));
            }
            h.send(event("busy", 0));
            h.send(event("busy", 1));
            assertThat(dueAgents(h)).as("one due entry per agent with uncheckpointed entries").hasSize(IDLE_AGENTS + 1);

            h.advance(Duration.ofMillis(9_000));
            assertThat(h.checkpoints.isEmpty()).as("nothing due before T").isTrue();
            h.advance(Duration.ofMillis(1_000));
            List<CheckpointRecord> cps = h.checkpoints.readValuesToList();
            assertThat(cps).hasSize(IDLE_AGENTS + 1).allMatch(c -> c.getTrigger().equals("time"));
            assertThat(cps.stream().collect(Collectors.groupingBy(c -> c.getAgentId(), Collectors.counting())))
                    .as("each agent once").hasSize(IDLE_AGENTS + 1).allSatisfy((agent, n) -> assertThat(n).isEqualTo(1));
            assertThat(cps).filteredOn(c -> c.getAgentId().equals("busy")).extracting(CheckpointRecord::getTreeSize)
                    .containsExactly(2L);
            assertThat(dueAgents(h)).as("checkpointed agents leave the index").isEmpty();

            h.advance(Duration.ofMillis(35_000));
            assertThat(h.checkpoints.isEmpty()).as("idle agents without new entries: no checkpoint").isTrue();

            h.send(event("idle-7", 1));
            assertThat(dueAgents(h)).containsExactly(agentKey("idle-7"));
            h.advance(Duration.ofMillis(10_000));
            assertThat(h.checkpoints.readValuesToList()).extracting(c -> c.getAgentId() + ":" + c.getTreeSize() + ":"
                    + c.getTrigger()).containsExactly("idle-7:2:time");
        }
    }

    @Test
    void countCheckpointRemovesTheDueEntryAndTheNextEntryStartsANewOne() throws Exception {
        try (ChainerHarness h = ChainerHarness.withoutTsa(Map.of())) {
            h.send(event("agent-a", 0));
            h.send(event("agent-a", 1));
            assertThat(dueAgents(h)).containsExactly(agentKey("agent-a"));
            h.advance(Duration.ofMillis(4_000));
            h.send(event("agent-a", 2));
            assertThat(dueAgents(h)).as("count checkpoint at N = 3").isEmpty();
            h.send(event("agent-a", 3));
            assertThat(dueAgents(h)).containsExactly(agentKey("agent-a"));
            h.advance(Duration.ofMillis(9_000));
            assertThat(h.checkpoints.readValuesToList()).extracting(c -> c.getTreeSize() + ":" + c.getTrigger())
                    .as("the time cadence restarts at the count checkpoint, 4 s in").containsExactly("3:count");
            h.advance(Duration.ofMillis(1_000));
            assertThat(h.checkpoints.readValuesToList()).extracting(c -> c.getTreeSize() + ":" + c.getTrigger())
                    .containsExactly("4:time");
        }
    }

    @Test
    void agentsWrittenBeforeTheDueIndexExistedAreIndexedInTheFirstPunctuation() throws Exception {
        try (ChainerHarness h = ChainerHarness.withoutTsa(Map.of())) {
            IntStream.range(0, 5).forEach(i -> h.send(event("old-" + i, 0)));
            h.send(event("old-0", 1));
            // A store of an earlier version: agent states with uncheckpointed entries, an empty due store.
            KeyValueStore<String, byte[]> due = h.driver.getKeyValueStore(ChainerTopology.DUE_STORE);
            List<String> keys = new ArrayList<>();
            try (KeyValueIterator<String, byte[]> it = due.all()) {
                it.forEachRemaining(kv -> keys.add(kv.key));
            }
            keys.forEach(due::delete);
            assertThat(dueAgents(h)).isEmpty();

            h.advance(Duration.ofMillis(10_000));
            assertThat(h.checkpoints.readValuesToList()).extracting(c -> c.getAgentId() + ":" + c.getTreeSize())
                    .containsExactlyInAnyOrder("old-0:2", "old-1:1", "old-2:1", "old-3:1", "old-4:1");
            assertThat(dueAgents(h)).isEmpty();
        }
    }

    @Test
    void dueIndexBuiltForAnotherIntervalIsRebuilt() throws Exception {
        try (ChainerHarness h = ChainerHarness.withoutTsa(Map.of())) {
            h.send(event("agent-a", 0));
            KeyValueStore<String, byte[]> due = h.driver.getKeyValueStore(ChainerTopology.DUE_STORE);
            // As if written with T = 1 h: the entry is keyed an hour out, and the marker says so.
            List<KeyValue<String, byte[]>> all = new ArrayList<>();
            try (KeyValueIterator<String, byte[]> it = due.all()) {
                it.forEachRemaining(all::add);
            }
            all.forEach(kv -> due.delete(kv.key));
            long start = ChainerHarness.START.toEpochMilli();
            due.put(String.format("%019d", start + 3_600_000) + '\u0000' + agentKey("agent-a"), new byte[0]);
            due.put("~built-for-interval-ms", ByteBuffer.allocate(8).putLong(3_600_000).array());

            h.advance(Duration.ofMillis(10_000));
            assertThat(h.checkpoints.readValuesToList()).extracting(c -> c.getTreeSize() + ":" + c.getTrigger())
                    .as("due at T = 10 s, not at the old entry's hour").containsExactly("1:time");
        }
    }

    @Test
    void replayAtExactlyTheWindowIsRefusedAndOneMillisecondLaterChained() throws Exception {
        try (ChainerHarness h = ChainerHarness.start(Map.of(ChainerConfig.DEDUP_WINDOW_MS_CONFIG, 60_000))) {
            AuditEvent e = event("agent-a", 0);
            h.send(e);
            h.advance(Duration.ofMillis(60_000));
            h.send(e);
            assertThat(h.deadLetters.readValuesToList()).as("now - chained = W: still inside").hasSize(1);
            h.advance(Duration.ofMillis(1));
            h.send(e);
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getSeq).containsExactly(0L, 1L);
        }
    }

    @Test
    void replayLateInTheNextBucketIsRefused() throws Exception {
        try (ChainerHarness h = ChainerHarness.start(Map.of(ChainerConfig.DEDUP_WINDOW_MS_CONFIG, 60_000))) {
            AuditEvent e = event("agent-a", 0);
            h.advance(Duration.ofMillis(59_999));
            h.send(e);
            h.advance(Duration.ofMillis(59_000));
            h.send(e);
            assertThat(h.deadLetters.readValuesToList()).as("chained 59 s ago, one bucket back").hasSize(1);
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getSeq).containsExactly(0L);
        }
    }
}
