package io.attestream.witness.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.witness.Witness;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessException;
import io.attestream.witness.WitnessServer;
import io.attestream.witness.WitnessedLog;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The submitter's durable position: format round trip, damaged files refused, a restart that continues. */
class SubmitterStateTest {
    private static final SigningKey LOG_KEY = SigningKey.fromSeed("attestream-test-chainer", seed(1));
    private static final SigningKey W1 = SigningKey.fromSeed("witness.test/w1", seed(2));
    private static final SigningKey W2 = SigningKey.fromSeed("witness.test/w2", seed(3));
    private static final LogId LOG = LogId.of("acme", "agent-1");

    @TempDir
    Path dir;

    private final List<WitnessServer> servers = new ArrayList<>();
    private final List<Attestation> attestations = new ArrayList<>();
    private final List<Hash> leaves = new ArrayList<>();

    private static byte[] seed(int n) {
        byte[] s = new byte[32];
        s[0] = (byte) n;
        return s;
    }

    @AfterEach
    void stop() {
        servers.forEach(WitnessServer::close);
    }

    private WitnessClient witness(SigningKey key, int index) {
        Witness w = Witness.open(key, List.of(new WitnessedLog("attestream/*", List.of(LOG_KEY.verifierKey()))),
                dir.resolve("w" + index), Clock.systemUTC());
        WitnessServer s = WitnessServer.start(w, new InetSocketAddress("127.0.0.1", 0), 2);
        servers.add(s);
        return new WitnessClient(s.uri(), CosignerKey.of(key), Duration.ofSeconds(5));
    }

    private Hash leaf(int i) {
        while (leaves.size() <= i) {
            leaves.add(Hash.sha256(("e" + leaves.size()).getBytes(StandardCharsets.UTF_8)));
        }
        return leaves.get(i);
    }

    private SignedCheckpoint note(int size) {
        leaf(size - 1);
        return SignedCheckpoint.sign(new Checkpoint(LOG.origin(), size, MerkleTree.of(leaves.subList(0, size)).root(),
                List.of()), LOG_KEY);
    }

    private static void drain(CheckpointSubmitter s) {
        for (int i = 0; i < 50 && s.work(Instant.now(), 1000) > 0; i++) {
            // until nothing is due
        }
    }

    private SubmitterState.Snapshot snapshot(CheckpointSubmitter s) {
        return new SubmitterState.Snapshot("chained", "checkpoints", Map.of("chained", Map.of(0, 30L, 1, 7L),
                "checkpoints", Map.of(0, 3L)), s.snapshot());
    }

    @Test
    void aRestartFromTheSnapshotContinuesWithoutResubmittingFromZero() {
        WitnessClient w1 = witness(W1, 0);
        WitnessClient w2 = witness(W2, 1);
        CheckpointSubmitter first = new CheckpointSubmitter(List.of(w1, w2), attestations::add, Duration.ofMillis(50),
                Duration.ofMillis(200));
        for (int i = 0; i < 30; i++) {
            first.entry(LOG, i, leaf(i));
        }
        first.checkpoint(note(10));
        first.checkpoint(note(20));
        drain(first);
        first.checkpoint(note(30)); // known, not submitted yet when the stage stops
        SubmitterState.write(dir.resolve("state"), snapshot(first));
        assertThat(attestations).hasSize(4);

        SubmitterState.Snapshot read = SubmitterState.read(dir.resolve("state")).orElseThrow();
        assertThat(read.offsets()).isEqualTo(Map.of("chained", Map.of(0, 30L, 1, 7L), "checkpoints", Map.of(0, 3L)));
        assertThat(read.chainedTopic()).isEqualTo("chained");
        // The witnesses in the other order: progress follows each witness's name and key id.
        CheckpointSubmitter second = new CheckpointSubmitter(List.of(w2, w1), attestations::add, Duration.ofMillis(50),
                Duration.ofMillis(200));
        second.restore(read.logs());
        assertThat(second.accepted()).isEqualTo(Map.of(LOG, List.of(20L, 20L)));
        // Replayed records after the saved offsets are harmless; new ones continue the log.
        second.entry(LOG, 25, leaf(25));
        for (int i = 30; i < 40; i++) {
            second.entry(LOG, i, leaf(i));
        }
        second.checkpoint(note(20));
        second.checkpoint(note(40));
        drain(second);
        // Only the new checkpoints: a submitter starting from zero would learn size 20 from each witness's 409 and
        // have 20 cosigned once more (CheckpointSubmitterTest's restart case).
        assertThat(attestations.subList(4, attestations.size())).extracting(a -> a.checkpoint().treeSize())
                .containsExactlyInAnyOrder(30L, 30L, 40L, 40L);
        assertThat(second.counters()).containsEntry("pending", 0L).containsEntry("retained-entries", 0L);
    }

    @Test
    void roundTripsEveryFieldAndIgnoresALeftoverTemporaryFile() throws Exception {
        WitnessClient w1 = witness(W1, 0);
        CheckpointSubmitter s = new CheckpointSubmitter(List.of(w1), attestations::add, Duration.ofMillis(50),
                Duration.ofMillis(200));
        for (int i = 0; i < 13; i++) {
            s.entry(LOG, i, leaf(i));
        }
        s.checkpoint(note(5));
        drain(s);
        s.checkpoint(note(13));
        Path state = dir.resolve("state");
        SubmitterState.write(state, snapshot(s));
        Files.writeString(state.resolve(SubmitterState.FILE + "123.tmp"), "torn");
        CheckpointSubmitter.LogSnapshot l = SubmitterState.read(state).orElseThrow().logs().get(0);
        CheckpointSubmitter.LogSnapshot want = s.snapshot().get(0);
        assertThat(l.log()).isEqualTo(LOG);
        assertThat(l.base()).isEqualTo(want.base());
        assertThat(l.base().size()).isEqualTo(5);
        assertThat(l.leaves()).isEqualTo(leaves.subList(5, 13));
        assertThat(l.pending()).containsExactly(note(13));
        assertThat(l.witnesses()).containsOnlyKeys(CheckpointSubmitter.witnessId(w1));
        assertThat(l.witnesses().get(CheckpointSubmitter.witnessId(w1))).containsExactly(5L, 5L);
        assertThat(Files.readString(state.resolve(SubmitterState.FILE))).startsWith(
                "attestream-witness-submitter-state 1\ntopics chained checkpoints\n");
        assertThat(SubmitterState.read(dir.resolve("empty"))).isEmpty();
    }

    @Test
    void refusesADamagedFileNamingItAndWhatToDo() throws Exception {
        CheckpointSubmitter s = new CheckpointSubmitter(List.of(witness(W1, 0)), attestations::add,
                Duration.ofMillis(50), Duration.ofMillis(200));
        s.entry(LOG, 0, leaf(0));
        Path state = dir.resolve("state");
        SubmitterState.write(state, snapshot(s));
        Path file = state.resolve(SubmitterState.FILE);
        String text = Files.readString(file);
        Files.writeString(file, text.replace("offset chained", "offset chaineX"));
        assertThatThrownBy(() -> SubmitterState.read(state)).isInstanceOf(WitnessException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("checksum mismatch")
                .hasMessageContaining("delete it to read both topics from the beginning");
        Files.writeString(file, text.substring(0, text.length() / 2));
        assertThatThrownBy(() -> SubmitterState.read(state)).hasMessageContaining("damaged");
    }
}
