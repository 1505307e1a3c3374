package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** A verifier walking stored entries finds any single-bit change, at the entry that was changed. */
class ChainPropertiesTest {
    private static final LogId LOG = LogId.of("acme", "agent-1");

    /** What storage holds per entry. */
    private record Stored(long seq, Hash previousHash, long chainedAt, int schemaId, byte[] fingerprint, byte[] event,
            Hash hash) {
    }

    private static List<Stored> write(long seed, int n) {
        Random r = new Random(seed);
        List<Stored> out = new ArrayList<>();
        LogState s = LogState.empty(LOG);
        for (int i = 0; i < n; i++) {
            byte[] fp = new byte[Hash.SIZE];
            r.nextBytes(fp);
            byte[] event = new byte[1 + r.nextInt(600)];
            r.nextBytes(event);
            int schemaId = r.nextInt(1000);
            long chainedAt = r.nextLong() >>> 1;
            LogState.Appended a = s.append(chainedAt, schemaId, fp, event);
            out.add(new Stored(i, a.entry().previousHash(), chainedAt, schemaId, fp, event, a.entry().hash()));
            s = a.state();
        }
        return out;
    }

    /** Recomputes everything; returns the Merkle root over recomputed entry hashes. */
    private static Hash verify(List<Stored> log) {
        ChainHead head = ChainHead.genesis(LOG);
        CompactMerkleTree tree = CompactMerkleTree.empty();
        for (Stored s : log) {
            ChainEntry e = ChainEntry.recompute(LOG, s.seq(), s.previousHash(), ChainEntry.VERSION_2, s.chainedAt(),
                    s.schemaId(), s.fingerprint(), s.event());
            e.verifyStoredHash(s.hash());
            head = head.advance(e);
            tree = tree.append(e.hash());
        }
        return tree.root();
    }

    private static byte[] flip(byte[] b, int bit) {
        byte[] c = b.clone();
        c[(bit >>> 3) % c.length] ^= (byte) (1 << (bit & 7));
        return c;
    }

    @Property(tries = 300)
    void flippingAnyBitOfAnyStoredFieldBreaksTheChainAtThatEntry(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(max = 39) int at,
            @ForAll @IntRange(max = 5) int field, @ForAll @IntRange(max = 4799) int bit) {
        List<Stored> log = write(seed, n);
        Hash root = verify(log);
        int i = at % n;
        Stored s = log.get(i);
        Stored bad;
        switch (field) {
            case 0:
                bad = new Stored(s.seq(), Hash.of(flip(s.previousHash().toBytes(), bit)), s.chainedAt(), s.schemaId(),
                        s.fingerprint(), s.event(), s.hash());
                break;
            case 1:
                bad = new Stored(s.seq(), s.previousHash(), s.chainedAt(), s.schemaId() ^ (1 << (bit & 31)),
                        s.fingerprint(), s.event(), s.hash());
                break;
            case 2:
                bad = new Stored(s.seq(), s.previousHash(), s.chainedAt(), s.schemaId(), flip(s.fingerprint(), bit),
                        s.event(), s.hash());
                break;
            case 3:
                bad = new Stored(s.seq(), s.previousHash(), s.chainedAt(), s.schemaId(), s.fingerprint(),
                        flip(s.event(), bit), s.hash());
                break;
            case 4:
                // Any bit of the 63 that a chained time (>= 0) can use.
                bad = new Stored(s.seq(), s.previousHash(), s.chainedAt() ^ (1L << (bit % 63)), s.schemaId(),
                        s.fingerprint(), s.event(), s.hash());
                break;
            default:
                bad = new Stored(s.seq(), s.previousHash(), s.chainedAt(), s.schemaId(), s.fingerprint(), s.event(),
                        Hash.of(flip(s.hash().toBytes(), bit)));
                break;
        }
        List<Stored> tampered = new ArrayList<>(log);
        tampered.set(i, bad);
        assertThatThrownBy(() -> verify(tampered)).isInstanceOf(ChainBrokenException.class)
                .hasMessageContaining("seq " + i + " ");
        assertThat(verify(log)).isEqualTo(root);
    }

    @Property(tries = 200)
    void rewritingAnEntryAndRechainingTheRestChangesTheMerkleRoot(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(max = 39) int at) {
        // An attacker with write access recomputes every later hash: the chain verifies again, but
        // the root no longer matches a checkpoint signed before the rewrite.
        List<Stored> log = write(seed, n);
        Hash signedRoot = verify(log);
        int i = at % n;
        LogState s = LogState.empty(LOG);
        List<Stored> rewritten = new ArrayList<>();
        for (Stored e : log) {
            byte[] event = e.seq() == i ? flip(e.event(), 0) : e.event();
            LogState.Appended a = s.append(e.chainedAt(), e.schemaId(), e.fingerprint(), event);
            rewritten.add(new Stored(e.seq(), a.entry().previousHash(), e.chainedAt(), e.schemaId(), e.fingerprint(),
                    event, a.entry().hash()));
            s = a.state();
        }
        assertThat(verify(rewritten)).isNotEqualTo(signedRoot);
    }
}
