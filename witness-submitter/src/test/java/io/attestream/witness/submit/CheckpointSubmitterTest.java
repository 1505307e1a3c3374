package io.attestream.witness.submit;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.witness.Witness;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessServer;
import io.attestream.witness.WitnessedLog;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The submitter against real witnesses over HTTP on 127.0.0.1 (no Kafka: it is fed entries and checkpoints). */
class CheckpointSubmitterTest {
    private static final SigningKey LOG_KEY = SigningKey.fromSeed("attestream-test-chainer", seed(1));
    private static final SigningKey W1 = SigningKey.fromSeed("witness.test/w1", seed(2));
    private static final SigningKey W2 = SigningKey.fromSeed("witness.test/w2", seed(3));
    private static final LogId LOG = LogId.of("acme", "agent-1");

    @TempDir
    Path dir;

    private final List<WitnessServer> servers = new ArrayList<>();
    private final List<Attestation> attestations = new ArrayList<>();

    private static byte[] seed(int n) {
        byte[] s = new byte[32];
        s[0] = (byte) n;
        return s;
    }

    @AfterEach
    void stop() {
        servers.forEach(WitnessServer::close);
    }

    private WitnessServer witness(SigningKey key, String state, int port) {
        Witness w = Witness.open(key, List.of(new WitnessedLog("attestream/*", List.of(LOG_KEY.verifierKey()))),
                dir.resolve(state), Clock.systemUTC());
        WitnessServer s = WitnessServer.start(w, new InetSocketAddress("127.0.0.1", port), 2);
        servers.add(s);
        return s;
    }

    private static WitnessClient client(WitnessServer s, SigningKey key) {
        return new WitnessClient(s.uri(), CosignerKey.of(key), Duration.ofSeconds(5));
    }

    private CheckpointSubmitter submitter(List<WitnessClient> clients) {
        return new CheckpointSubmitter(clients, attestations::add, Duration.ofMillis(50), Duration.ofMillis(200));
    }

    private static List<Hash> leaves(String tag, int n) {
        List<Hash> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Hash.sha256((tag + i).getBytes(StandardCharsets.UTF_8)));
        }
        return l;
    }

    private static SignedCheckpoint note(List<Hash> leaves, int size) {
        return SignedCheckpoint.sign(new Checkpoint(LOG.origin(), size, MerkleTree.of(leaves.subList(0, size)).root(),
                List.of()), LOG_KEY);
    }

    private static void feed(CheckpointSubmitter s, List<Hash> leaves, int from, int to) {
        for (int i = from; i < to; i++) {
            s.entry(LOG, i, leaves.get(i));
        }
    }

    private void drain(CheckpointSubmitter s) {
        for (int i = 0; i < 50 && s.work(Instant.now(), 1000) > 0; i++) {
            // until nothing is due
        }
    }

    @Test
    void everyCheckpointGetsEachWitnessesVerifiedCosignatureInSizeOrder() {
        WitnessServer s1 = witness(W1, "w1", 0);
        WitnessServer s2 = witness(W2, "w2", 0);
        CheckpointSubmitter sub = submitter(List.of(client(s1, W1), client(s2, W2)));
        List<Hash> leaves = leaves("e", 40);
        // The checkpoint may arrive before its entries: it waits for them.
        sub.checkpoint(note(leaves, 10));
        assertThat(sub.work(Instant.now(), 100)).isZero();
        feed(sub, leaves, 0, 25);
        sub.checkpoint(note(leaves, 25));
        drain(sub);
        feed(sub, leaves, 25, 40);
        sub.checkpoint(note(leaves, 33));
        sub.checkpoint(note(leaves, 40));
        drain(sub);

        assertThat(attestations).hasSize(8);
        CosignatureVerifier both = CosignatureVerifier.of(List.of(CosignerKey.of(W1), CosignerKey.of(W2)));
        for (Attestation a : attestations) {
            Attestation parsed = Attestation.parse(a.toBytes());
            assertThat(parsed).isEqualTo(a);
            assertThat(both.verify(SignedCheckpoint.parse(new String(a.toBytes(), StandardCharsets.UTF_8)))).hasSize(1);
        }
        assertThat(attestations.stream().filter(a -> a.cosignature().keyName().equals("witness.test/w1"))
                .map(a -> a.checkpoint().treeSize())).containsExactly(10L, 25L, 33L, 40L);
        // Everything is cosigned by both: no pending checkpoint, no retained entry.
        assertThat(sub.counters()).containsEntry("pending", 0L).containsEntry("retained-entries", 0L)
                .containsEntry("cosigned", 8L);
    }

    @Test
    void aWitnessThatIsDownGetsTheWaitingCheckpointsWithOneProofWhenItIsBackAndDoesNotHoldUpTheOther()
            throws Exception {
        WitnessServer s1 = witness(W1, "w1", 0);
        WitnessServer s2 = witness(W2, "w2", 0);
        int port2 = s2.uri().getPort();
        CheckpointSubmitter sub = submitter(List.of(client(s1, W1), client(s2, W2)));
        List<Hash> leaves = leaves("e", 30);
        feed(sub, leaves, 0, 5);
        sub.checkpoint(note(leaves, 5));
        drain(sub);
        s2.close();
        feed(sub, leaves, 5, 30);
        for (int n = 10; n <= 30; n += 5) {
            sub.checkpoint(note(leaves, n));
        }
        drain(sub);
        assertThat(sub.counters().get("unavailable")).isPositive();
        assertThat(attestations.stream().filter(a -> a.cosignature().keyName().equals("witness.test/w1"))).hasSize(6);
        // w2 still needs everything after 5: the entries since its size are retained.
        assertThat(sub.counters()).containsEntry("retained-entries", 25L).containsEntry("pending", 5L);

        witness(W2, "w2", port2);
        Thread.sleep(250); // past the largest back-off
        drain(sub);
        assertThat(attestations.stream().filter(a -> a.cosignature().keyName().equals("witness.test/w2"))
                .map(a -> a.checkpoint().treeSize())).containsExactly(5L, 10L, 15L, 20L, 25L, 30L);
        assertThat(sub.counters()).containsEntry("retained-entries", 0L).containsEntry("pending", 0L);
    }

    @Test
    void aRestartedSubmitterLearnsTheWitnessSizeAndRecosignsOnlyTheWitnessesLatestCheckpoint() {
        WitnessServer s1 = witness(W1, "w1", 0);
        List<Hash> leaves = leaves("e", 20);
        CheckpointSubmitter first = submitter(List.of(client(s1, W1)));
        feed(first, leaves, 0, 12);
        first.checkpoint(note(leaves, 6));
        first.checkpoint(note(leaves, 12));
        drain(first);
        assertThat(attestations).hasSize(2);

        // A new instance replays both topics from the beginning.
        CheckpointSubmitter second = submitter(List.of(client(s1, W1)));
        feed(second, leaves, 0, 20);
        second.checkpoint(note(leaves, 6));
        second.checkpoint(note(leaves, 12));
        second.checkpoint(note(leaves, 20));
        drain(second);
        // 6 is older than what the witness holds: skipped. 12 is the witness's latest: cosigned again, because
        // the first instance may have crashed between the cosignature and publishing it (at least once).
        assertThat(attestations.stream().map(a -> a.checkpoint().treeSize())).containsExactly(6L, 12L, 12L, 20L);
    }

    @Test
    void aRewrittenHistoryIsRefusedByTheWitnessAndNotAttested() {
        WitnessServer s1 = witness(W1, "w1", 0);
        List<Hash> genuine = leaves("e", 10);
        CheckpointSubmitter sub = submitter(List.of(client(s1, W1)));
        feed(sub, genuine, 0, 10);
        sub.checkpoint(note(genuine, 10));
        drain(sub);

        // The operator re-chains the log from entry 3 on and restarts the submitter on the rewritten topic.
        List<Hash> rewritten = new ArrayList<>(genuine.subList(0, 3));
        rewritten.addAll(leaves("forged", 12));
        CheckpointSubmitter hostile = submitter(List.of(client(s1, W1)));
        feed(hostile, rewritten, 0, 15);
        hostile.checkpoint(note(rewritten, 10));
        hostile.checkpoint(note(rewritten, 15));
        drain(hostile);
        assertThat(attestations.stream().map(a -> a.checkpoint().treeSize())).containsExactly(10L);
        // Both forged checkpoints are refused (422): the one at the witness's size with another root, and the next.
        assertThat(hostile.counters().get("refused")).isEqualTo(2L);
    }
}
