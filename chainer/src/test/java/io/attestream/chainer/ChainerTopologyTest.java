package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.chain.ChainedEvent;
import io.attestream.chain.CheckpointRecord;
import io.attestream.chainer.DeadLetterReason.FailureMode;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.WireFormatException.CorruptAvroException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class ChainerTopologyTest {

    private static AuditEvent event(String agent, int n) {
        return SampleEvents.of(EventType.values()[n % EventType.values().length], "acme", agent, n);
    }

    /** Recomputes every entry from its stored bytes and checks seq and links, as a verifier would. */
    private static List<Hash> verifyChain(List<ChainedEvent> chain, int schemaId) {
        List<Hash> hashes = new ArrayList<>();
        Hash prev = null;
        for (int i = 0; i < chain.size(); i++) {
            ChainedEvent c = chain.get(i);
            LogId log = LogId.of(c.getTenant(), c.getAgentId());
            assertThat(c.getSeq()).isEqualTo(i);
            byte[] bytes = bytes(c.getEventBytes());
            assertThat(c.getSchemaId()).isEqualTo(schemaId);
            assertThat(c.getEntryVersion()).as("the chainer writes entry format 2").isEqualTo(ChainEntry.VERSION_2);
            ChainEntry e = ChainEntry.recompute(log, c.getSeq(), Hash.of(c.getPrevHash().bytes()), c.getEntryVersion(),
                    micros(c.getChainedAt()), c.getSchemaId(), c.getSchemaFingerprint().bytes(),
                    Arrays.copyOfRange(bytes, 5, bytes.length));
            e.verifyStoredHash(Hash.of(c.getHash().bytes()));
            assertThat(Hash.of(c.getPrevHash().bytes())).isEqualTo(i == 0 ? log.genesisHash() : prev);
            prev = e.hash();
            hashes.add(e.hash());
        }
        return hashes;
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static String header(TestRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void chainsEachAgentFromSeqZeroWithLinkedHashesAndOriginalBytes() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            List<byte[]> sentA = new ArrayList<>();
            for (int n = 0; n < 5; n++) {
                sentA.add(h.send(event("agent-a", n)));
                h.send(event("agent-b", n));
            }
            List<TestRecord<String, ChainedEvent>> out = h.chained.readRecordsToList();
            assertThat(out).hasSize(10);
            Map<String, List<ChainedEvent>> byAgent = new HashMap<>();
            for (TestRecord<String, ChainedEvent> r : out) {
                assertThat(r.key()).isEqualTo(Topics.agentKey(r.value().getTenant(), r.value().getAgentId()));
                byAgent.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
            }
            List<ChainedEvent> a = byAgent.get("acme/agent-a");
            verifyChain(a, h.schemaId);
            verifyChain(byAgent.get("acme/agent-b"), h.schemaId);
            for (int i = 0; i < 5; i++) {
                assertThat(bytes(a.get(i).getEventBytes())).isEqualTo(sentA.get(i));
                assertThat(a.get(i).getEventId()).isEqualTo(event("agent-a", i).getEventId().toString());
                assertThat(a.get(i).getSourceTopic()).isEqualTo(Topics.EVENTS);
                assertThat(a.get(i).getSourceOffset()).isEqualTo(2L * i);
                assertThat(a.get(i).getSchemaFingerprint().bytes())
                        .isEqualTo(AuditEventCodec.fingerprint(AuditEventCodec.currentSchema()));
            }
            assertThat(a.get(0).getEventType()).isEqualTo("AgentAction");
            assertThat(h.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void checkpointsEveryNEventsSignedAndTimestampedInOneBatch() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            for (int n = 0; n < 7; n++) {
                h.send(event("agent-a", n));
            }
            h.send(event("agent-b", 0));
            h.send(event("agent-b", 1));
            h.send(event("agent-b", 2));
            assertThat(h.checkpoints.isEmpty()).as("written at the next punctuation only").isTrue();
            h.advance(Duration.ofMillis(1000));
            List<CheckpointRecord> cps = h.checkpoints.readValuesToList();
            assertThat(cps).extracting(c -> c.getAgentId() + ":" + c.getTreeSize() + ":" + c.getTrigger())
                    .containsExactly("agent-a:3:count", "agent-a:6:count", "agent-b:3:count");
            List<Hash> hashes = verifyChain(h.chained.readValuesToList().stream()
                    .filter(c -> c.getAgentId().equals("agent-a")).toList(), h.schemaId);
            CheckpointVerifier verifier = CheckpointVerifier.of(ChainerHarness.KEY.verifierKey());
            TimestampVerifier tsaVerifier = ChainerHarness.TSA.verifier();
            byte[] token = null;
            for (CheckpointRecord cp : cps) {
                SignedCheckpoint signed = verifier.verify(cp.getNote());
                assertThat(signed.checkpoint().treeSize()).isEqualTo(cp.getTreeSize());
                assertThat(signed.checkpoint().rootHash().toBytes()).isEqualTo(cp.getRootHash().bytes());
                assertThat(cp.getHeadSeq()).isEqualTo(cp.getTreeSize() - 1);
                assertThat(cp.getKeyName()).isEqualTo("test-chainer");
                if (cp.getAgentId().equals("agent-a")) {
                    Hash root = MerkleTree.of(hashes.subList(0, (int) cp.getTreeSize())).root();
                    assertThat(signed.checkpoint().rootHash()).isEqualTo(root);
                    assertThat(cp.getHeadHash().bytes()).isEqualTo(hashes.get((int) cp.getHeadSeq()).toBytes());
                }
                CheckpointTimestamp ts = CheckpointTimestamp.fromJson(
                        new String(bytes(cp.getTimestamp().getEncoded()), StandardCharsets.UTF_8));
                ts.verify(cp.getNote(), tsaVerifier);
                assertThat(ts.batchProof().treeSize()).as("one TSA request for the whole punctuation").isEqualTo(3);
                if (token != null) {
                    assertThat(ts.token()).isEqualTo(token);
                }
                token = ts.token();
            }
            h.advance(Duration.ofMillis(1000));
            assertThat(h.checkpoints.isEmpty()).as("each checkpoint written once").isTrue();
        }
    }

    @Test
    void hashesTheChainerClockAsChainedTimeInEntryFormat2() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            h.send(event("agent-a", 0));
            h.advance(Duration.ofMillis(1_250));
            h.send(event("agent-a", 1));
            h.advance(Duration.ofMillis(3));
            h.send(event("agent-a", 2));
            List<ChainedEvent> chain = h.chained.readValuesToList();
            verifyChain(chain, h.schemaId);
            // The stream thread's wall clock when each record was chained, not the record's timestamp.
            assertThat(chain).extracting(ChainedEvent::getChainedAt).containsExactly(ChainerHarness.START,
                    ChainerHarness.START.plusMillis(1_250), ChainerHarness.START.plusMillis(1_253));
            ChainedEvent c = chain.get(1);
            LogId log = LogId.of(c.getTenant(), c.getAgentId());
            byte[] stored = bytes(c.getEventBytes());
            byte[] body = Arrays.copyOfRange(stored, 5, stored.length);
            Hash prev = Hash.of(c.getPrevHash().bytes());
            Hash hash = Hash.of(c.getHash().bytes());
            long at = micros(c.getChainedAt());
            assertThat(ChainEntry.recompute(log, 1, prev, 2, at, c.getSchemaId(), c.getSchemaFingerprint().bytes(),
                    body).hash()).isEqualTo(hash);
            assertThat(ChainEntry.recompute(log, 1, prev, 2, at + 1, c.getSchemaId(), c.getSchemaFingerprint().bytes(),
                    body).hash()).as("another chained time").isNotEqualTo(hash);
            assertThat(ChainEntry.recompute(log, 1, prev, 1, at, c.getSchemaId(), c.getSchemaFingerprint().bytes(),
                    body).hash()).as("entry format 1").isNotEqualTo(hash);
        }
    }

    @Test
    void signedCheckpointsStateTheConfiguredCadenceAndTheirCreationTime() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            for (int n = 0; n < 4; n++) {
                h.advance(Duration.ofMillis(100));
                h.send(event("agent-a", n));
            }
            // seq 0..2 at START+100..300 ms: count checkpoint signed when seq 2 is chained; seq 3 waits for T.
            h.advance(Duration.ofMillis(10_600));
            List<CheckpointRecord> cps = h.checkpoints.readValuesToList();
            assertThat(cps).extracting(c -> c.getTreeSize() + ":" + c.getTrigger()).containsExactly("3:count",
                    "4:time");
            List<ChainedEvent> chain = h.chained.readValuesToList();
            CheckpointVerifier verifier = CheckpointVerifier.of(ChainerHarness.KEY.verifierKey());
            Instant[] expectedCreated = {ChainerHarness.START.plusMillis(300), ChainerHarness.START.plusMillis(11_000)};
            for (int i = 0; i < cps.size(); i++) {
                CheckpointRecord cp = cps.get(i);
                Checkpoint signed = verifier.verify(cp.getNote()).checkpoint();
                assertThat(signed.formatVersion()).isEqualTo(Checkpoint.FORMAT_2);
                assertThat(signed.cadence()).contains(new Checkpoint.Cadence(3, 10_000));
                assertThat(signed.created()).contains(expectedCreated[i]);
                assertThat(cp.getCreatedAt()).isEqualTo(expectedCreated[i]);
                assertThat(signed.extensions()).containsExactly(
                        "chain-head " + cp.getHeadSeq() + " " + Hash.of(cp.getHeadHash().bytes()).base64(),
                        "cadence 3 10000", "created " + (i == 0 ? "2026-11-26T00:00:00.300000Z"
                                : "2026-11-26T00:00:11.000000Z"));
                assertThat(signed.chainHead().nextSeq()).isEqualTo(cp.getTreeSize());
                for (ChainedEvent c : chain.subList(0, (int) cp.getTreeSize())) {
                    assertThat(c.getChainedAt()).isBeforeOrEqualTo(signed.created().orElseThrow());
                }
            }
        }
    }

    @Test
    void checkpointsAfterIntervalWhenFewerThanNEventsArrive() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            h.send(event("agent-a", 0));
            h.send(event("agent-a", 1));
            h.advance(Duration.ofMillis(9_000));
            assertThat(h.checkpoints.isEmpty()).isTrue();
            h.advance(Duration.ofMillis(1_000));
            List<CheckpointRecord> cps = h.checkpoints.readValuesToList();
            assertThat(cps).extracting(c -> c.getTreeSize() + ":" + c.getTrigger()).containsExactly("2:time");
            h.advance(Duration.ofMillis(20_000));
            assertThat(h.checkpoints.isEmpty()).as("no checkpoint without new entries").isTrue();
            h.send(event("agent-a", 2));
            h.advance(Duration.ofMillis(10_000));
            assertThat(h.checkpoints.readValuesToList()).extracting(c -> c.getTreeSize() + ":" + c.getTrigger())
                    .containsExactly("3:time");
        }
    }

    @Test
    void replayedEventIdGetsNoSecondSeqWithinTheWindow() throws Exception {
        try (ChainerHarness h = ChainerHarness.start(Map.of(ChainerConfig.DEDUP_WINDOW_MS_CONFIG, 60_000))) {
            AuditEvent e = event("agent-a", 0);
            byte[] sent = h.send(e);
            h.send(event("agent-a", 1));
            h.send(e);
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getSeq).containsExactly(0L, 1L);
            TestRecord<byte[], byte[]> dlq = h.deadLetters.readRecord();
            assertThat(header(dlq, DeadLetterHeaders.REASON)).isEqualTo("duplicate-event-id");
            assertThat(header(dlq, DeadLetterHeaders.DETAIL)).contains("seq 0");
            assertThat(dlq.value()).isEqualTo(sent);
            h.advance(Duration.ofMillis(61_000));
            h.send(e);
            assertThat(h.chained.readValuesToList()).as("forgotten after the window: documented bound")
                    .extracting(ChainedEvent::getSeq).containsExactly(2L);
        }
    }

    private static AuditEvent withTenant(AuditEvent e, String tenant) {
        return AuditEvent.newBuilder(e).setTenant(tenant).build();
    }

    @Test
    void deadLettersEveryReasonWithOriginalBytesAndHeaders() throws Exception {
        try (ChainerHarness h = ChainerHarness.start(Map.of(ChainerConfig.MAX_RECORD_BYTES_CONFIG, 4096))) {
            int otherId = h.client.register("some-other-value", ChainedEvent.getClassSchema());
            byte[] good = h.encode(event("agent-a", 1));
            byte[] badMagic = good.clone();
            badMagic[0] = 7;
            byte[] unknownId = AuditEventCodec.encode(4242, event("agent-a", 2));
            byte[] unresolvable = AuditEventCodec.encode(otherId, event("agent-a", 3));
            byte[] corrupt = Arrays.copyOf(good, 12);
            AuditEvent big = AuditEvent.newBuilder(SampleEvents.of(EventType.AGENT_ACTION, "acme", "agent-a", 4))
                    .setPayload(AgentAction.newBuilder((AgentAction) SampleEvents.of(EventType.AGENT_ACTION, "acme",
                            "agent-a", 4).getPayload()).setInlinePayload("x".repeat(5000)).build()).build();
            AuditEvent future = AuditEvent.newBuilder(event("agent-a", 5))
                    .setOccurredAt(ChainerHarness.START.plus(Duration.ofMinutes(6))).build();
            AuditEvent badTrace = AuditEvent.newBuilder(event("agent-a", 6)).setTraceId("XYZ").build();
            Map<String, byte[]> cases = new LinkedHashMap<>();
            cases.put("invalid-magic-byte", badMagic);
            cases.put("truncated-record", new byte[] {0, 0});
            cases.put("unknown-schema-id", unknownId);
            cases.put("unresolvable-schema", unresolvable);
            cases.put("corrupt-avro", corrupt);
            cases.put("missing-identity", h.encode(withTenant(event("agent-a", 7), " ")));
            cases.put("rule-violation", h.encode(badTrace));
            cases.put("record-too-large", h.encode(big));
            cases.put("occurred-at-in-future", h.encode(future));
            RecordHeaders original = new RecordHeaders();
            original.add("trace", "abc".getBytes(StandardCharsets.UTF_8));
            long offset = 0;
            for (Map.Entry<String, byte[]> c : cases.entrySet()) {
                h.input.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), c.getValue(), original));
                TestRecord<byte[], byte[]> dlq = h.deadLetters.readRecord();
                assertThat(header(dlq, DeadLetterHeaders.REASON)).as(c.getKey()).isEqualTo(c.getKey());
                assertThat(dlq.value()).as(c.getKey()).isEqualTo(c.getValue());
                assertThat(dlq.key()).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
                assertThat(header(dlq, "trace")).isEqualTo("abc");
                assertThat(header(dlq, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Topics.EVENTS);
                assertThat(header(dlq, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
                assertThat(header(dlq, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo(Long.toString(offset++));
                assertThat(header(dlq, DeadLetterHeaders.TIME)).isNotBlank();
                assertThat(header(dlq, DeadLetterHeaders.EXCEPTION_CLASS)).isNotNull();
                assertThat(h.meters.get("attestream.chainer.events.refused").tag("reason", c.getKey())
                        .tag("mode", "dead-letter").counter().count()).isEqualTo(1.0);
            }
            assertThat(h.chained.isEmpty()).isTrue();
            h.input.pipeInput(ChainerHarness.key(event("agent-a", 1)), good);
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getSeq).as("the app keeps running")
                    .containsExactly(0L);
        }
    }

    @Test
    void deadLettersAnAgentIdThatIsNotUtf8InsteadOfChainingItUnderAnotherAgentsKey() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            byte[] good = h.encode(event("agent-XY", 1));
            int at = -1;
            for (int i = 0; at < 0 && i + 1 < good.length; i++) {
                at = good[i] == 'X' && good[i + 1] == 'Y' ? i : -1;
            }
            // 0xFF and 0xFE are no UTF-8; a decoder that replaces them would read both as "agent-\uFFFD\uFFFD".
            for (byte second : new byte[] {(byte) 0xfe, (byte) 0xfd}) {
                byte[] bad = good.clone();
                bad[at] = (byte) 0xff;
                bad[at + 1] = second;
                h.input.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), bad));
                TestRecord<byte[], byte[]> dlq = h.deadLetters.readRecord();
                assertThat(header(dlq, DeadLetterHeaders.REASON)).isEqualTo("corrupt-avro");
                assertThat(header(dlq, DeadLetterHeaders.DETAIL)).contains("string is not UTF-8");
                assertThat(dlq.value()).isEqualTo(bad);
            }
            assertThat(h.chained.isEmpty()).isTrue();
        }
    }

    @Test
    void exceptionClassHeaderNamesTheDecodingError() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            h.input.pipeInput(new byte[] {1}, AuditEventCodec.encode(4242, event("agent-a", 0)));
            assertThat(header(h.deadLetters.readRecord(), DeadLetterHeaders.EXCEPTION_CLASS))
                    .endsWith("UnknownSchemaIdException");
        }
    }

    @Test
    void failModeStopsInsteadOfDeadLettering() throws Exception {
        try (ChainerHarness h = ChainerHarness.start(Map.of(
                ChainerConfig.onReasonKey(DeadLetterReason.CORRUPT_AVRO), FailureMode.FAIL.id()))) {
            byte[] corrupt = Arrays.copyOf(h.encode(event("agent-a", 0)), 12);
            assertThatThrownBy(() -> h.input.pipeInput(new byte[] {1}, corrupt))
                    .isInstanceOf(StreamsException.class)
                    .hasRootCauseInstanceOf(CorruptAvroException.class)
                    .satisfies(e -> assertThat(causes(e)).anyMatch(
                            c -> c instanceof ChainerException.RefusedRecordException));
            assertThat(h.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void skipModeCountsWithoutWriting() throws Exception {
        try (ChainerHarness h = ChainerHarness.start(Map.of(
                ChainerConfig.onReasonKey(DeadLetterReason.INVALID_MAGIC_BYTE), FailureMode.SKIP.id()))) {
            h.input.pipeInput(new byte[] {1}, new byte[] {9, 9, 9, 9, 9, 9});
            assertThat(h.deadLetters.isEmpty()).isTrue();
            assertThat(h.meters.get("attestream.chainer.events.refused").tag("reason", "invalid-magic-byte")
                    .tag("mode", "skip").counter().count()).isEqualTo(1.0);
        }
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> out = new ArrayList<>();
        for (Throwable c = e; c != null; c = c.getCause()) {
            out.add(c);
        }
        return out;
    }

    @Test
    void registryOutageIsRetriedNeverDeadLettered() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            // A new schema id, so the codec must ask the registry.
            h.registry.failWith(503);
            AuditEvent e = event("agent-a", 0);
            byte[] bytes = h.encode(e);
            assertThatThrownBy(() -> h.input.pipeInput(ChainerHarness.key(e), bytes))
                    .satisfies(x -> assertThat(causes(x)).anyMatch(
                            c -> c instanceof ChainerException.RegistryUnavailableException));
            assertThat(h.deadLetters.isEmpty()).isTrue();
            assertThat(h.chained.isEmpty()).isTrue();
            h.registry.failWith(0);
            h.input.pipeInput(ChainerHarness.key(e), bytes);
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getSeq).containsExactly(0L);
            assertThat(h.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void rekeysWronglyKeyedRecordsKeepingSourcePosition() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            h.send(event("agent-a", 0));
            h.input.pipeInput("agent-a".getBytes(StandardCharsets.UTF_8), h.encode(event("agent-a", 1)));
            h.input.pipeInput((byte[]) null, h.encode(event("agent-a", 2)));
            List<TestRecord<String, ChainedEvent>> out = h.chained.readRecordsToList();
            assertThat(out).extracting(TestRecord::key).containsOnly("acme/agent-a");
            assertThat(out).extracting(r -> r.value().getSeq()).containsExactly(0L, 1L, 2L);
            assertThat(out).extracting(r -> r.value().getSourceTopic()).containsOnly(Topics.EVENTS);
            assertThat(out).extracting(r -> r.value().getSourceOffset()).containsExactly(0L, 1L, 2L);
            assertThat(out).extracting(r -> r.value().getEventId()).containsExactly(
                    event("agent-a", 0).getEventId().toString(), event("agent-a", 1).getEventId().toString(),
                    event("agent-a", 2).getEventId().toString());
            verifyChain(out.stream().map(TestRecord::value).toList(), h.schemaId);
            assertThat(h.meters.get("attestream.chainer.events.rekeyed").counter().count()).isEqualTo(2.0);
        }
    }

    @Test
    void rekeyModeAllKeepsInputOrderOfOneAgent() throws Exception {
        try (ChainerHarness h = ChainerHarness.start(Map.of(ChainerConfig.REKEY_MODE_CONFIG, "all"))) {
            for (int n = 0; n < 6; n++) {
                AuditEvent e = event("agent-a", n);
                h.input.pipeInput(n % 2 == 0 ? ChainerHarness.key(e) : "wrong".getBytes(StandardCharsets.UTF_8),
                        h.encode(e));
            }
            assertThat(h.chained.readValuesToList()).extracting(ChainedEvent::getEventId).containsExactly(
                    IntStream.range(0, 6).mapToObj(n -> event("agent-a", n).getEventId().toString())
                            .toArray(String[]::new));
        }
    }

    @Test
    void dedupSurvivesTheRekeyPath() throws Exception {
        try (ChainerHarness h = ChainerHarness.start()) {
            AuditEvent e = event("agent-a", 0);
            h.send(e);
            h.input.pipeInput("wrong".getBytes(StandardCharsets.UTF_8), h.encode(e));
            assertThat(h.chained.readValuesToList()).hasSize(1);
            TestRecord<byte[], byte[]> dlq = h.deadLetters.readRecord();
            assertThat(header(dlq, DeadLetterHeaders.REASON)).isEqualTo("duplicate-event-id");
            assertThat(dlq.key()).as("original key restored").isEqualTo("wrong".getBytes(StandardCharsets.UTF_8));
            assertThat(header(dlq, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Topics.EVENTS);
            assertThat(header(dlq, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1");
            assertThat(dlq.headers().lastHeader("attestream.rekey.source.topic")).isNull();
        }
    }

    @Test
    void checkpointsWithoutTsaCarryNoTimestamp() throws Exception {
        try (ChainerHarness h = ChainerHarness.withoutTsa(Map.of())) {
            for (int n = 0; n < 3; n++) {
                h.send(event("agent-a", n));
            }
            h.advance(Duration.ofMillis(1000));
            CheckpointRecord cp = h.checkpoints.readValue();
            assertThat(cp.getTimestamp()).isNull();
            CheckpointVerifier.of(ChainerHarness.KEY.verifierKey()).verify(cp.getNote());
        }
    }
}
