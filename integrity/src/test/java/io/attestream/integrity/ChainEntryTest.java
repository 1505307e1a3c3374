package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChainEntryTest {
    private static final LogId LOG = LogId.of("acme", "agent-1");
    private static final byte[] FP = Hash.sha256("schema".getBytes(StandardCharsets.US_ASCII)).toBytes();
    private static final long T0 = 1_795_651_200_000_000L;

    private static String utf8(String hex) {
        return new String(Vectors.hex(hex), StandardCharsets.UTF_8);
    }

    @Test
    void genesisHashesAndOriginsMatchVectors() {
        for (String[] r : Vectors.rows("genesis.tsv")) {
            LogId id = LogId.of(utf8(r[0]), utf8(r[1]));
            assertThat(id.origin()).isEqualTo(r[2]);
            assertThat(LogId.fromOrigin(r[2])).isEqualTo(id);
            assertThat(id.genesisHash()).isEqualTo(Hash.fromHex(r[3]));
            assertThat(ChainHead.genesis(id).hash()).isEqualTo(Hash.fromHex(r[3]));
        }
    }

    @Test
    void version1ChainHashesMatchVectorsWhenRecomputing() {
        List<String[]> rows = Vectors.rows("chain.tsv");
        assertThat(rows).hasSize(8);
        ChainHead head = null;
        for (String[] r : rows) {
            LogId id = LogId.of(utf8(r[0]), utf8(r[1]));
            long seq = Long.parseLong(r[2]);
            if (seq == 0) {
                head = ChainHead.genesis(id);
            }
            Hash prev = Hash.fromHex(r[3]);
            Hash expected = Hash.fromHex(r[7]);
            assertThat(head.hash()).isEqualTo(prev);
            ChainEntry stored = ChainEntry.recompute(id, seq, prev, ChainEntry.VERSION_1, 0, Integer.parseInt(r[4]),
                    Vectors.hex(r[5]), Vectors.hex(r[6]));
            stored.verifyStoredHash(expected);
            assertThat(stored.version()).isEqualTo(1);
            assertThat(stored.chainedAtMicros()).isEmpty();
            head = head.advance(stored);
            assertThat(head.hash()).isEqualTo(expected);
        }
    }

    @Test
    void version2ChainHashesMatchVectorsWhenAppendingAndWhenRecomputingAndVersion1RowsStillVerify() {
        List<String[]> rows = Vectors.rows("chain-v2.tsv");
        assertThat(rows).hasSize(10);
        ChainHead head = null;
        int previousVersion = 0;
        int v1 = 0;
        int v2 = 0;
        for (String[] r : rows) {
            LogId id = LogId.of(utf8(r[0]), utf8(r[1]));
            long seq = Long.parseLong(r[2]);
            int version = Integer.parseInt(r[3]);
            long chainedAt = Long.parseLong(r[4]);
            Hash prev = Hash.fromHex(r[5]);
            int schemaId = Integer.parseInt(r[6]);
            byte[] fp = Vectors.hex(r[7]);
            byte[] stored = Vectors.hex(r[8]);
            Hash expected = Hash.fromHex(r[9]);
            if (seq == 0) {
                head = ChainHead.genesis(id);
                previousVersion = version;
            }
            // The stored bytes keep the 5-byte Confluent header; the hash covers the body after it.
            assertThat(stored[0]).isZero();
            assertThat(ByteBuffer.wrap(stored, 1, 4).getInt()).isEqualTo(schemaId);
            byte[] body = Arrays.copyOfRange(stored, 5, stored.length);
            assertThat(head.hash()).isEqualTo(prev);
            ChainEntry.checkVersionOrder(id, seq, previousVersion, version);
            ChainEntry recomputed = ChainEntry.recompute(id, seq, prev, version, chainedAt, schemaId, fp, body);
            recomputed.verifyStoredHash(expected);
            assertThat(ChainEntry.recompute(id, seq, prev, version, chainedAt, schemaId, fp, stored).hash())
                    .as("hashing the stored bytes with their header gives another hash").isNotEqualTo(expected);
            if (version == ChainEntry.VERSION_2) {
                ChainEntry appended = ChainEntry.next(head, chainedAt, schemaId, fp, body);
                assertThat(appended.seq()).isEqualTo(seq);
                assertThat(appended.hash()).isEqualTo(expected);
                assertThat(appended.chainedAtMicros()).hasValue(chainedAt);
                long otherTime = chainedAt == Long.MAX_VALUE ? chainedAt - 1 : chainedAt + 1;
                assertThat(ChainEntry.recompute(id, seq, prev, 2, otherTime, schemaId, fp, body).hash())
                        .isNotEqualTo(expected);
                v2++;
            } else {
                // Version 1 does not cover the stored chained time.
                assertThat(ChainEntry.recompute(id, seq, prev, 1, 0, schemaId, fp, body).hash()).isEqualTo(expected);
                assertThat(ChainEntry.recompute(id, seq, prev, 2, chainedAt, schemaId, fp, body).hash())
                        .isNotEqualTo(expected);
                v1++;
            }
            head = head.advance(recomputed);
            previousVersion = version;
        }
        assertThat(v1).isEqualTo(2);
        assertThat(v2).isEqualTo(8);
    }

    @Test
    void appendWritesTheCurrentVersion() {
        ChainEntry e = ChainEntry.next(ChainHead.genesis(LOG), 1_795_651_200_000_000L, 7, FP, new byte[] {1});
        assertThat(e.version()).isEqualTo(ChainEntry.CURRENT_VERSION).isEqualTo(2);
        assertThat(e.chainedAtMicros()).hasValue(1_795_651_200_000_000L);
    }

    @Test
    void entryVersionsNeverDecreaseAlongALog() {
        ChainEntry.checkVersionOrder(LOG, 3, 1, 1);
        ChainEntry.checkVersionOrder(LOG, 3, 1, 2);
        ChainEntry.checkVersionOrder(LOG, 3, 2, 2);
        assertThatThrownBy(() -> ChainEntry.checkVersionOrder(LOG, 3, 2, 1)).isInstanceOf(ChainBrokenException.class)
                .hasMessageContaining("seq 3 is version 1 after an entry of version 2");
    }

    @Test
    void rejectsUnknownVersionAndNegativeChainedTime() {
        assertThatThrownBy(() -> ChainEntry.recompute(LOG, 0, LOG.genesisHash(), 3, 0, 7, FP, new byte[1]))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("unknown entry version 3");
        assertThatThrownBy(() -> ChainEntry.recompute(LOG, 0, LOG.genesisHash(), 0, 0, 7, FP, new byte[1]))
                .isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> ChainEntry.recompute(LOG, 0, LOG.genesisHash(), 2, -1, 7, FP, new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> ChainEntry.next(ChainHead.genesis(LOG), -1, 7, FP, new byte[1]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ChainEntry.knownVersion(1)).isTrue();
        assertThat(ChainEntry.knownVersion(2)).isTrue();
        assertThat(ChainEntry.knownVersion(3)).isFalse();
    }

    private static List<ChainEntry> chain(int n) {
        List<ChainEntry> out = new ArrayList<>();
        ChainHead head = ChainHead.genesis(LOG);
        for (int i = 0; i < n; i++) {
            ChainEntry e = ChainEntry.next(head, T0 + i, 7, FP, ("event " + i).getBytes(StandardCharsets.UTF_8));
            out.add(e);
            head = e.head();
        }
        return out;
    }

    @Test
    void rejectsGapInSeq() {
        List<ChainEntry> c = chain(3);
        ChainHead afterFirst = ChainHead.genesis(LOG).advance(c.get(0));
        assertThatThrownBy(() -> afterFirst.advance(c.get(2)))
                .isInstanceOf(ChainBrokenException.class).hasMessageContaining("expected seq 1, got seq 2 (gap)");
    }

    @Test
    void rejectsDuplicateEntry() {
        List<ChainEntry> c = chain(2);
        ChainHead h = ChainHead.genesis(LOG).advance(c.get(0)).advance(c.get(1));
        assertThatThrownBy(() -> h.advance(c.get(1))).isInstanceOf(ChainBrokenException.class)
                .hasMessageContaining("duplicate");
    }

    @Test
    void rejectsEntryLinkingToAnotherPredecessor() {
        List<ChainEntry> c = chain(2);
        ChainEntry forged = ChainEntry.recompute(LOG, 1, Hash.sha256(new byte[] {9}), 2, T0 + 1, 7, FP,
                c.get(1).eventBytes());
        ChainHead h = ChainHead.genesis(LOG).advance(c.get(0));
        assertThatThrownBy(() -> h.advance(forged)).isInstanceOf(ChainBrokenException.class)
                .hasMessageContaining("entry seq 1 links to");
    }

    @Test
    void rejectsEntryOfAnotherLog() {
        ChainEntry other = ChainEntry.next(ChainHead.genesis(LogId.of("acme", "agent-2")), T0, 7, FP, new byte[1]);
        assertThatThrownBy(() -> ChainHead.genesis(LOG).advance(other)).isInstanceOf(ChainBrokenException.class);
    }

    @Test
    void rejectsStoredHashThatDoesNotRecomputeAfterEventTampering() {
        ChainEntry e = chain(1).get(0);
        byte[] tampered = e.eventBytes();
        tampered[0] ^= 1;
        ChainEntry recomputed = ChainEntry.recompute(LOG, 0, LOG.genesisHash(), 2, T0, 7, FP, tampered);
        assertThatThrownBy(() -> recomputed.verifyStoredHash(e.hash())).isInstanceOf(ChainBrokenException.class)
                .hasMessageContaining("acme/agent-1").hasMessageContaining("seq 0");
    }

    @Test
    void hashCoversEveryField() {
        byte[] fp2 = FP.clone();
        fp2[31] ^= 1;
        for (int version = 1; version <= 2; version++) {
            int v = version;
            ChainEntry base = ChainEntry.recompute(LOG, 5, LOG.genesisHash(), v, T0, 7, FP, new byte[] {1, 2});
            List<ChainEntry> variants = new ArrayList<>(List.of(
                    ChainEntry.recompute(LogId.of("acme2", "agent-1"), 5, LOG.genesisHash(), v, T0, 7, FP,
                            new byte[] {1, 2}),
                    ChainEntry.recompute(LogId.of("acme", "agent-2"), 5, LOG.genesisHash(), v, T0, 7, FP,
                            new byte[] {1, 2}),
                    ChainEntry.recompute(LOG, 6, LOG.genesisHash(), v, T0, 7, FP, new byte[] {1, 2}),
                    ChainEntry.recompute(LOG, 5, Hash.empty(), v, T0, 7, FP, new byte[] {1, 2}),
                    ChainEntry.recompute(LOG, 5, LOG.genesisHash(), v, T0, 8, FP, new byte[] {1, 2}),
                    ChainEntry.recompute(LOG, 5, LOG.genesisHash(), v, T0, 7, fp2, new byte[] {1, 2}),
                    ChainEntry.recompute(LOG, 5, LOG.genesisHash(), v, T0, 7, FP, new byte[] {1, 3}),
                    ChainEntry.recompute(LOG, 5, LOG.genesisHash(), v, T0, 7, FP, new byte[] {1, 2, 0}),
                    ChainEntry.recompute(LOG, 5, LOG.genesisHash(), 3 - v, T0, 7, FP, new byte[] {1, 2})));
            if (v == 2) {
                variants.add(ChainEntry.recompute(LOG, 5, LOG.genesisHash(), v, T0 + 1, 7, FP, new byte[] {1, 2}));
                variants.add(ChainEntry.recompute(LOG, 5, LOG.genesisHash(), v, 0, 7, FP, new byte[] {1, 2}));
            } else {
                assertThat(ChainEntry.recompute(LOG, 5, LOG.genesisHash(), v, T0 + 1, 7, FP, new byte[] {1, 2})
                        .hash()).as("version 1 does not hash the time").isEqualTo(base.hash());
            }
            for (ChainEntry other : variants) {
                assertThat(other.hash()).as("v%d %s", v, other).isNotEqualTo(base.hash());
            }
        }
    }

    @Test
    void tenantAgentBoundaryIsUnambiguous() {
        assertThat(LogId.of("ab", "c").genesisHash()).isNotEqualTo(LogId.of("a", "bc").genesisHash());
        assertThat(LogId.of("a/b", "c").origin()).isNotEqualTo(LogId.of("a", "b/c").origin());
    }

    @Test
    void entryIsImmutable() {
        byte[] event = {1, 2, 3};
        ChainEntry e = ChainEntry.next(ChainHead.genesis(LOG), T0, 7, FP, event);
        Hash before = e.hash();
        event[0] = 9;
        e.eventBytes()[1] = 9;
        ChainEntry.recompute(LOG, 0, LOG.genesisHash(), 2, T0, 7, FP, e.eventBytes()).verifyStoredHash(before);
    }

    @Test
    void rejectsFingerprintOfWrongLength() {
        assertThatThrownBy(() -> ChainEntry.next(ChainHead.genesis(LOG), T0, 7, new byte[8], new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schemaFingerprint");
    }

    @Test
    void rejectsMalformedLogIds() {
        assertThatThrownBy(() -> LogId.of("", "a")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tenant");
        assertThatThrownBy(() -> LogId.of("t", "\ud800")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("agentId");
        assertThatThrownBy(() -> LogId.fromOrigin("attestream/a/b/c")).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> LogId.fromOrigin("attestream/%61/b")).isInstanceOf(MalformedDataException.class)
                .hasMessageContaining("canonical");
        assertThatThrownBy(() -> LogId.fromOrigin("attestream/a%2/b")).isInstanceOf(MalformedDataException.class);
        assertThatThrownBy(() -> LogId.fromOrigin("other/a/b")).isInstanceOf(MalformedDataException.class);
    }

    @Test
    void rejectsEmptyHeadWithNonGenesisHash() {
        assertThatThrownBy(() -> new ChainHead(LOG, 0, Hash.empty())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void headSurvivesEncodingRoundTrip() {
        ChainHead h = chain(3).get(2).head();
        assertThat(ChainHead.fromBytes(h.toBytes())).isEqualTo(h);
        ChainHead g = ChainHead.genesis(LogId.of("t\u00e9", "\uD83D\uDE00"));
        assertThat(ChainHead.fromBytes(g.toBytes())).isEqualTo(g);
        byte[] truncated = Arrays.copyOf(h.toBytes(), h.toBytes().length - 1);
        assertThatThrownBy(() -> ChainHead.fromBytes(truncated)).isInstanceOf(MalformedDataException.class);
    }

    @Test
    void recomputeHashOfABufferRangeEqualsRecomputeForBothVersionsAndManyLengths() {
        Random rnd = new Random(42);
        for (int len = 0; len < 2_000; len += 1 + len / 8) {
            for (int version : new int[] {ChainEntry.VERSION_1, ChainEntry.VERSION_2}) {
                byte[] event = new byte[len];
                rnd.nextBytes(event);
                int off = rnd.nextInt(7);
                byte[] buf = new byte[off + len + rnd.nextInt(7)];
                rnd.nextBytes(buf);
                System.arraycopy(event, 0, buf, off, len);
                long seq = rnd.nextInt(1 << 20);
                Hash prev = Hash.sha256(buf);
                long at = T0 + rnd.nextInt();
                int schemaId = rnd.nextInt();
                Hash expected = ChainEntry.recompute(LOG, seq, prev, version, at, schemaId, FP, event).hash();
                assertThat(ChainEntry.recomputeHash(LOG, seq, prev, version, at, schemaId, FP, buf, off, len))
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void recomputeHashRejectsWhatRecomputeRejects() {
        Hash prev = LOG.genesisHash();
        byte[] buf = new byte[10];
        assertThatThrownBy(() -> ChainEntry.recomputeHash(LOG, 0, prev, 3, T0, 1, FP, buf, 0, 10))
                .isInstanceOf(MalformedDataException.class).hasMessageContaining("unknown entry version 3");
        assertThatThrownBy(() -> ChainEntry.recomputeHash(LOG, 0, prev, ChainEntry.VERSION_2, -1, 1, FP, buf, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chained time");
        assertThatThrownBy(() -> ChainEntry.recomputeHash(LOG, -1, prev, ChainEntry.VERSION_2, T0, 1, FP, buf, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq");
        assertThatThrownBy(() -> ChainEntry.recomputeHash(LOG, 0, prev, ChainEntry.VERSION_2, T0, 1, new byte[31], buf,
                0, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32-byte");
        assertThatThrownBy(() -> ChainEntry.recomputeHash(LOG, 0, prev, ChainEntry.VERSION_2, T0, 1, FP, buf, 3, 8))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }
}
