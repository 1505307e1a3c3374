package io.attestream.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.Finding;
import io.attestream.verifier.FindingKind;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WitnessCheckTest {
    private static final SigningKey LOG_KEY = SigningKey.fromSeed("attestream-test", seed(1));
    private static final SigningKey W1 = SigningKey.fromSeed("witness.test/w1", seed(2));
    private static final SigningKey W2 = SigningKey.fromSeed("witness.test/w2", seed(3));
    private static final SigningKey STRANGER = SigningKey.fromSeed("witness.elsewhere/x", seed(4));
    private static final LogId LOG = LogId.of("acme", "agent-1");
    /** Checkpoint k (size 100 k) is created at T0 + k minutes. */
    private static final Instant T0 = Instant.parse("2026-11-01T09:00:00Z");
    private static final CheckpointVerifier LOG_KEYS = CheckpointVerifier.of(LOG_KEY.verifierKey());

    private static byte[] seed(int n) {
        byte[] s = new byte[32];
        s[0] = (byte) n;
        return s;
    }

    private static Checkpoint checkpoint(LogId log, int k, String history) {
        long size = 100L * k;
        Hash head = Hash.sha256((history + "-head-" + size).getBytes(StandardCharsets.UTF_8));
        Hash root = Hash.sha256((history + "-root-" + size).getBytes(StandardCharsets.UTF_8));
        return Checkpoint.forLog(new ChainHead(log, size, head), root, new Checkpoint.Cadence(100, 60_000),
                T0.plusSeconds(60L * k));
    }

    private static CheckpointRow stored(Checkpoint c, SigningKey key) {
        LogId log = LogId.fromOrigin(c.origin());
        return new CheckpointRow(log.tenant(), log.agentId(), c.treeSize(), c.rootHash(),
                SignedCheckpoint.sign(c, key).text(), key.name(), null);
    }

    /** The row the evidence sink lands for a cosignature (RowMapper's attestation columns). */
    private static WitnessCheck.AttestationRow attestation(Checkpoint c, SigningKey witness) {
        Cosignature cs = Cosignature.sign(witness, T0.getEpochSecond() + c.treeSize(), c);
        LogId log = LogId.fromOrigin(c.origin());
        String record = SignedCheckpoint.of(c, List.of(cs.toLine())).text();
        return new WitnessCheck.AttestationRow(log.tenant(), log.agentId(), c.treeSize(), c.rootHash(), cs.keyName(),
                Integer.toUnsignedLong(cs.keyId()), cs.toLine().line(), record.getBytes(StandardCharsets.UTF_8));
    }

    private static WitnessCheck.Settings settings(int quorum, Instant now, SigningKey... trusted) {
        List<CosignerKey> keys = new ArrayList<>();
        for (SigningKey k : trusted) {
            keys.add(CosignerKey.of(k));
        }
        return new WitnessCheck.Settings(CosignatureVerifier.of(keys), quorum, Duration.ofMinutes(10),
                Clock.fixed(now, ZoneOffset.UTC));
    }

    /** Long after every checkpoint: nothing is pending. */
    private static final Instant LATER = T0.plus(Duration.ofDays(1));

    private static List<CheckpointRow> log(int n) {
        List<CheckpointRow> out = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            out.add(stored(checkpoint(LOG, k, "h"), LOG_KEY));
        }
        return out;
    }

    private static List<WitnessCheck.AttestationRow> cosigned(int from, int to, SigningKey witness) {
        List<WitnessCheck.AttestationRow> out = new ArrayList<>();
        for (int k = from; k <= to; k++) {
            out.add(attestation(checkpoint(LOG, k, "h"), witness));
        }
        return out;
    }

    private static WitnessCheck.Result check(List<CheckpointRow> cps, List<WitnessCheck.AttestationRow> atts,
            WitnessCheck.Settings s) {
        return WitnessCheck.check(Map.of(LOG, cps), atts.isEmpty() ? Map.of() : Map.of(LOG, atts), LOG_KEYS, s);
    }

    @Test
    void checkpointsCosignedByTheQuorumPass() {
        List<WitnessCheck.AttestationRow> atts = new ArrayList<>(cosigned(1, 5, W1));
        atts.addAll(cosigned(1, 5, W2));
        WitnessCheck.Result r = check(log(5), atts, settings(2, LATER, W1, W2));
        assertThat(r.findings()).isEmpty();
        assertThat(r.tally()).isEqualTo(new WitnessCheck.Tally(5, 5, 0, 0, Map.of("witness.test/w1", 5,
                "witness.test/w2", 5)));
    }

    @Test
    void reportsEachCheckpointWithFewerTrustedWitnessesThanTheQuorumByItsHeadSeq() {
        List<WitnessCheck.AttestationRow> atts = new ArrayList<>(cosigned(1, 5, W1));
        atts.addAll(cosigned(1, 3, W2));
        // A second row of the same witness for checkpoint 4 (the submitter restarted) is still one witness.
        atts.add(attestation(checkpoint(LOG, 4, "h"), W1));
        WitnessCheck.Result r = check(log(5), atts, settings(2, LATER, W1, W2));
        assertThat(r.findings()).extracting(Finding::seq, Finding::kind).containsExactly(
                tuple(399L, FindingKind.MISSING_COSIGNATURE), tuple(499L, FindingKind.MISSING_COSIGNATURE));
        assertThat(r.findings().get(0).detail()).contains("size 400", "1 trusted witness(es) [witness.test/w1]",
                "quorum is 2 of [witness.test/w1, witness.test/w2]");
        assertThat(r.tally().missing()).isEqualTo(2);
        assertThat(r.tally().withQuorum()).isEqualTo(3);
    }

    @Test
    void aCheckpointNewerThanTheNewestCosignedOneIsPendingWithinTheSlackOnly() {
        // Checkpoint 5 is created at T0 + 5 min; the newest with quorum is 4.
        List<WitnessCheck.AttestationRow> atts = cosigned(1, 4, W1);
        WitnessCheck.Result fresh = check(log(5), atts, settings(1, T0.plus(Duration.ofMinutes(14)), W1));
        assertThat(fresh.findings()).isEmpty();
        assertThat(fresh.tally().pending()).isEqualTo(1);
        assertThat(fresh.summary(settings(1, T0, W1))).contains("4 with quorum, 1 pending", "0 missing");

        WitnessCheck.Result late = check(log(5), atts, settings(1, T0.plus(Duration.ofMinutes(15).plusSeconds(1)),
                W1));
        assertThat(late.findings()).extracting(Finding::seq, Finding::kind)
                .containsExactly(tuple(499L, FindingKind.MISSING_COSIGNATURE));
    }

    @Test
    void aCheckpointBelowACosignedOneIsNeverPending() {
        List<WitnessCheck.AttestationRow> atts = new ArrayList<>(cosigned(1, 2, W1));
        atts.addAll(cosigned(4, 5, W1));
        WitnessCheck.Result r = check(log(5), atts, settings(1, T0.plus(Duration.ofMinutes(4)), W1));
        assertThat(r.findings()).extracting(Finding::seq, Finding::kind)
                .containsExactly(tuple(299L, FindingKind.MISSING_COSIGNATURE));
        assertThat(r.findings().get(0).detail()).contains("a larger checkpoint of this log has its quorum");
    }

    @Test
    void aLogWithoutAnyCosignatureFailsOnceTheSlackHasPassed() {
        WitnessCheck.Result r = check(log(3), List.of(), settings(1, LATER, W1));
        assertThat(r.findings()).extracting(Finding::kind).containsOnly(FindingKind.MISSING_COSIGNATURE).hasSize(3);
        WitnessCheck.Result fresh = check(log(3), List.of(), settings(1, T0.plus(Duration.ofMinutes(2)), W1));
        assertThat(fresh.findings()).isEmpty();
        assertThat(fresh.tally().pending()).isEqualTo(3);
    }

    @Test
    void checkpointsNotSignedByATrustedLogKeyAreNotCounted() {
        List<CheckpointRow> cps = new ArrayList<>(log(2));
        cps.add(stored(checkpoint(LOG, 3, "h"), SigningKey.fromSeed("attestream-test", seed(9))));
        WitnessCheck.Result r = check(cps, cosigned(1, 2, W1), settings(1, LATER, W1));
        assertThat(r.findings()).isEmpty();
        assertThat(r.tally().checkpoints()).isEqualTo(2);
    }

    @Test
    void aCosignatureThatDoesNotVerifyIsBadAndDoesNotCount() {
        List<WitnessCheck.AttestationRow> atts = new ArrayList<>(cosigned(1, 3, W1));
        WitnessCheck.AttestationRow good = atts.remove(1);
        String record = new String(good.recordBytes(), StandardCharsets.UTF_8);
        String line = good.cosignature();
        byte[] sig = Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1));
        sig[40] ^= 1;
        String badLine = line.substring(0, line.lastIndexOf(' ') + 1) + Base64.getEncoder().encodeToString(sig);
        atts.add(new WitnessCheck.AttestationRow(good.tenant(), good.agentId(), good.treeSize(), good.rootHash(),
                good.witnessName(), good.witnessKeyId(), badLine,
                record.replace(line, badLine).getBytes(StandardCharsets.UTF_8)));
        WitnessCheck.Result r = check(log(3), atts, settings(1, LATER, W1));
        assertThat(r.findings()).extracting(Finding::seq, Finding::kind).containsExactly(
                tuple(199L, FindingKind.BAD_COSIGNATURE), tuple(199L, FindingKind.MISSING_COSIGNATURE));
        assertThat(r.findings().get(0).detail()).contains("witness.test/w1", "size 200", "does not verify");
    }

    @Test
    void aRecordThatIsNotACosignedCheckpointIsBad() {
        List<WitnessCheck.AttestationRow> atts = new ArrayList<>(cosigned(1, 2, W1));
        WitnessCheck.AttestationRow good = atts.remove(1);
        atts.add(new WitnessCheck.AttestationRow(good.tenant(), good.agentId(), good.treeSize(), good.rootHash(),
                good.witnessName(), good.witnessKeyId(), good.cosignature(), "not a note".getBytes(StandardCharsets.UTF_8)));
        WitnessCheck.Result r = check(log(2), atts, settings(1, LATER, W1));
        assertThat(r.findings()).extracting(Finding::seq, Finding::kind).containsExactly(
                tuple(199L, FindingKind.BAD_COSIGNATURE), tuple(199L, FindingKind.MISSING_COSIGNATURE));
    }

    @Test
    void columnsThatDisagreeWithTheRecordAreNamedAndTheRecordDecides() {
        List<WitnessCheck.AttestationRow> atts = new ArrayList<>(cosigned(1, 2, W1));
        WitnessCheck.AttestationRow good = atts.remove(1);
        atts.add(new WitnessCheck.AttestationRow(good.tenant(), good.agentId(), 300, good.rootHash(), "mallory",
                good.witnessKeyId(), good.cosignature(), good.recordBytes()));
        WitnessCheck.Result r = check(log(2), atts, settings(1, LATER, W1));
        assertThat(r.findings()).extracting(Finding::kind).containsExactly(FindingKind.COLUMN_MISMATCH,
                FindingKind.COLUMN_MISMATCH);
        assertThat(r.findings()).extracting(Finding::detail).anySatisfy(d -> assertThat(d)
                .startsWith("checkpoint_attestations.tree_size").contains("stored 300, the record says 200"))
                .anySatisfy(d -> assertThat(d).startsWith("checkpoint_attestations.witness_name")
                        .contains("stored mallory"));
        assertThat(r.tally().withQuorum()).isEqualTo(2);
    }

    @Test
    void cosignaturesOfAnUnknownWitnessAreOneFindingPerLogAndWitness() {
        List<WitnessCheck.AttestationRow> atts = new ArrayList<>(cosigned(1, 3, W1));
        atts.addAll(cosigned(1, 3, STRANGER));
        WitnessCheck.Result r = check(log(3), atts, settings(1, LATER, W1));
        assertThat(r.findings()).extracting(Finding::seq, Finding::kind)
                .containsExactly(tuple(99L, FindingKind.UNKNOWN_WITNESS));
        assertThat(r.findings().get(0).detail()).contains("3 cosignature(s) by witness witness.elsewhere/x+",
                "no --witness-key names");
    }

    @Test
    void aWitnessThatCosignedAnotherHistoryAtAStoredSizeIsAFork() {
        // The operator rewrote the log from checkpoint 3 on and re-signed it with the real key; the witness had
        // cosigned the original 1..4.
        List<CheckpointRow> rewritten = new ArrayList<>(log(2));
        for (int k = 3; k <= 4; k++) {
            rewritten.add(stored(checkpoint(LOG, k, "forged"), LOG_KEY));
        }
        WitnessCheck.Result r = check(rewritten, cosigned(1, 4, W1), settings(1, LATER, W1));
        assertThat(r.findings()).extracting(Finding::seq, Finding::kind).containsExactly(
                tuple(299L, FindingKind.FORK), tuple(299L, FindingKind.MISSING_COSIGNATURE),
                tuple(399L, FindingKind.FORK), tuple(399L, FindingKind.MISSING_COSIGNATURE));
        assertThat(r.findings().get(0).detail()).contains("trusted witness witness.test/w1 cosigned",
                "another checkpoint of size 300", "not the stored one");
    }

    @Test
    void aCosignedCheckpointThatIsNoLongerStoredIsARollbackOrAMissingCheckpoint() {
        List<CheckpointRow> cps = new ArrayList<>(log(5));
        cps.remove(4);
        cps.remove(1);
        WitnessCheck.Result r = check(cps, cosigned(1, 5, W1), settings(1, LATER, W1));
        assertThat(r.findings()).extracting(Finding::seq, Finding::kind).containsExactly(
                tuple(199L, FindingKind.MISSING_CHECKPOINT), tuple(499L, FindingKind.ROLLBACK));

        WitnessCheck.Result gone = WitnessCheck.check(Map.of(), Map.of(LOG, cosigned(1, 2, W1)), LOG_KEYS,
                settings(1, LATER, W1));
        assertThat(gone.findings()).extracting(Finding::tenant, Finding::agentId, Finding::seq, Finding::kind)
                .containsExactly(tuple("acme", "agent-1", 99L, FindingKind.ROLLBACK),
                        tuple("acme", "agent-1", 199L, FindingKind.ROLLBACK));
    }

    @Test
    void theQuorumMustBeReachableWithTheGivenWitnesses() {
        assertThatThrownBy(() -> settings(0, LATER, W1)).hasMessageContaining("--witness-quorum must be 1 .. 1");
        assertThatThrownBy(() -> settings(3, LATER, W1, W2)).hasMessageContaining("must be 1 .. 2");
        // Two keys of one witness name (a rotation) are one witness.
        SigningKey w1b = SigningKey.fromSeed("witness.test/w1", seed(8));
        assertThatThrownBy(() -> settings(2, LATER, W1, w1b)).hasMessageContaining("must be 1 .. 1");
    }
}
