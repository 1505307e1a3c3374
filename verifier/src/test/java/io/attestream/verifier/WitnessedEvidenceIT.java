package io.attestream.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.AddCheckpointRequest;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.MerkleTree;
import io.attestream.integrity.NoteSignature;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.sink.internal.Table;
import io.attestream.verifier.testing.ChainFixture;
import io.attestream.verifier.testing.EvidenceLoader;
import io.attestream.witness.Witness;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessServer;
import io.attestream.witness.WitnessedLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code verify --witness-key/--witness-quorum} on the real stack's ClickHouse engine, with cosignatures from two
 * real witnesses over HTTP landed by the sink's mapper; then issue 14's hostile operator, who holds the real
 * checkpoint key and the TSA and rewrites one agent's history consistently, cuts another back to a checkpoint and
 * deletes a third. Without a witness and without an auditor state file the rewrite verifies (asserted: nothing in
 * the stored evidence tells it from the original); the state file from before and the witness quorum each catch
 * it and name the checkpoint. Finally the same rewrite by an operator whose TSA it does not hold: the timestamps of the
 * rewritten checkpoints are a month after their signed creation time ({@code late-timestamp}).
 */
@ExtendWith(LocalStackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WitnessedEvidenceIT {
    private static final String DB = "witness_it_" + Long.toHexString(System.nanoTime());
    private static final int EVENTS = 1_000;
    private static final int EVERY = 250;
    /** The seq of the event the operator edits in {@link #REWRITTEN}. */
    private static final int EDITED = 600;

    private static final SigningKey KEY = SigningKey.generate("attestream-it", new SecureRandom());
    private static final SigningKey W1 = SigningKey.generate("witness.it/w1", new SecureRandom());
    private static final SigningKey W2 = SigningKey.generate("witness.it/w2", new SecureRandom());
    /** A witness the auditor does not know. */
    private static final SigningKey W3 = SigningKey.generate("witness.elsewhere/w3", new SecureRandom());

    /** acme: w-00 cosigned by both witnesses, w-01 by w1 only; w-05..07 by both, then rewritten, cut, deleted. */
    private static final int BOTH = 0;
    private static final int ONLY_W1 = 1;
    /** acme: rewritten last, re-stamped by the honest TSA at the time of the rewrite. */
    private static final int LATE = 2;
    private static final int REWRITTEN = 5;
    private static final int CUT = 6;
    private static final int DELETED = 7;
    /** initech: w-03 has a forged cosignature row, w-04 extra cosignatures by an unknown witness. */
    private static final int BAD_ROW = 3;
    private static final int UNKNOWN = 4;

    @TempDir
    static Path dir;

    private static EmbeddedTimestampAuthority tsa;
    private static EvidenceLoader loader;
    private static StackEndpoints stack;
    private static final Map<Integer, ChainFixture.Agent> AGENTS = new LinkedHashMap<>();
    private static final List<WitnessServer> SERVERS = new ArrayList<>();
    private static WitnessClient w1;
    private static WitnessClient w2;
    private static WitnessClient w3;

    @BeforeAll
    static void land(StackEndpoints endpoints) throws Exception {
        stack = endpoints;
        tsa = ChainFixture.tsa("witness-it");
        for (int i : new int[] {BOTH, ONLY_W1, LATE, REWRITTEN, CUT, DELETED, BAD_ROW, UNKNOWN}) {
            String tenant = i == BAD_ROW || i == UNKNOWN ? "initech" : "acme";
            AGENTS.put(i, ChainFixture.build(tenant, String.format("w-%02d", i), EVENTS, EVERY, KEY, tsa));
        }
        loader = new EvidenceLoader(stack.clickHouseJdbcUrl(), stack.clickHouseUser(), stack.clickHousePassword(), DB);
        loader.landSchema();
        loader.land(new ArrayList<>(AGENTS.values()));
        w1 = witness(W1, "w1");
        w2 = witness(W2, "w2");
        w3 = witness(W3, "w3");
        List<byte[]> records = new ArrayList<>();
        for (Map.Entry<Integer, ChainFixture.Agent> e : AGENTS.entrySet()) {
            records.addAll(cosign(w1, e.getValue()));
            if (e.getKey() != ONLY_W1 && e.getKey() != BAD_ROW) {
                records.addAll(cosign(w2, e.getValue()));
            }
            if (e.getKey() == UNKNOWN) {
                records.addAll(cosign(w3, e.getValue()));
            }
        }
        // A cosignature row that claims to be w2's on initech/w-03's checkpoint 500, with a signature that fails.
        records.add(withFlippedSignature(cosignatureRecord(AGENTS.get(BAD_ROW).checkpoints().get(1), W2)));
        loader.landAttestations(records);
        Files.writeString(dir.resolve("checkpoint.vkey"), KEY.verifierKey().toVkey() + "\n");
        Files.writeString(dir.resolve("w1.vkey"), CosignerKey.of(W1).toVkey() + "\n");
        Files.writeString(dir.resolve("w2.vkey"), CosignerKey.of(W2).toVkey() + "\n");
        Files.writeString(dir.resolve("auditor.password"), stack.auditorPassword());
        tsa.save(dir);
    }

    @AfterAll
    static void close() {
        SERVERS.forEach(WitnessServer::close);
        if (loader != null) {
            loader.close();
        }
    }

    private static WitnessClient witness(SigningKey key, String name) throws Exception {
        Witness w = Witness.open(key, List.of(new WitnessedLog("attestream/*", List.of(KEY.verifierKey()))),
                Files.createDirectories(dir.resolve("witness-" + name)), Clock.systemUTC());
        WitnessServer s = WitnessServer.start(w, new InetSocketAddress("127.0.0.1", 0), 2);
        SERVERS.add(s);
        return new WitnessClient(s.uri(), CosignerKey.of(key), Duration.ofSeconds(10));
    }

    private static List<Hash> leaves(ChainFixture.Agent a) {
        return a.rows().stream().map(EventRow::hash).toList();
    }

    /** Submits every checkpoint of a log in size order, each with the consistency proof from the previous one. */
    private static List<byte[]> cosign(WitnessClient client, ChainFixture.Agent a) {
        MerkleTree tree = MerkleTree.of(leaves(a));
        List<byte[]> out = new ArrayList<>();
        long old = 0;
        for (CheckpointRow c : a.checkpoints()) {
            List<Hash> proof = old == 0 ? List.of() : tree.consistencyProof(old, c.treeSize()).path();
            WitnessClient.Result r = client.add(new AddCheckpointRequest(old, proof, c.note()));
            assertThat(r).as(a.log() + " size " + c.treeSize()).isInstanceOf(WitnessClient.Cosigned.class);
            Cosignature cs = ((WitnessClient.Cosigned) r).cosignature();
            out.add(SignedCheckpoint.of(SignedCheckpoint.parse(c.note()).checkpoint(), List.of(cs.toLine())).text()
                    .getBytes(StandardCharsets.UTF_8));
            old = c.treeSize();
        }
        return out;
    }

    private static byte[] cosignatureRecord(CheckpointRow c, SigningKey witness) {
        Checkpoint cp = SignedCheckpoint.parse(c.note()).checkpoint();
        Cosignature cs = Cosignature.sign(witness, System.currentTimeMillis() / 1000, cp);
        return SignedCheckpoint.of(cp, List.of(cs.toLine())).text().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] withFlippedSignature(byte[] record) {
        SignedCheckpoint note = SignedCheckpoint.parse(new String(record, StandardCharsets.UTF_8));
        NoteSignature s = note.signatures().get(0);
        byte[] raw = s.signature();
        raw[20] ^= 0x01;
        return SignedCheckpoint.of(note.checkpoint(), List.of(new NoteSignature(s.keyName(), s.keyId(), raw))).text()
                .getBytes(StandardCharsets.UTF_8);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run verify(String... extra) {
        List<String> args = new ArrayList<>(List.of("--jdbc-url", stack.clickHouseJdbcUrl(), "--user",
                stack.auditorUser(), "--password-file", dir.resolve("auditor.password").toString(),
                "--events-table", DB + ".chained_events", "--checkpoints-table", DB + ".checkpoints",
                "--schemas-table", DB + ".registry_schemas", "--key", dir.resolve("checkpoint.vkey").toString(),
                "--tsa-cert", dir.resolve("tsa-ca.crt").toString(), "--json"));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new VerifyCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static String[] witnesses(int quorum) {
        return new String[] {"--witness-key", dir.resolve("w1.vkey").toString(), "--witness-key",
            dir.resolve("w2.vkey").toString(), "--witness-quorum", Integer.toString(quorum)};
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static final Pattern FINDING = Pattern.compile(
            "\\{\"tenant\":\"([^\"]+)\",\"agent_id\":\"([^\"]+)\",\"seq\":(\\d+),\"kind\":\"([^\"]+)\"");

    /** The findings of a JSON report as "tenant/agent seq kind". */
    private static List<String> findings(Run r) {
        List<String> out = new ArrayList<>();
        Matcher m = FINDING.matcher(r.out().substring(Math.max(0, r.out().indexOf("\"findings\":["))));
        while (m.find()) {
            out.add(m.group(1) + "/" + m.group(2) + " " + m.group(3) + " " + m.group(4));
        }
        return out;
    }

    private static Path stateDir() {
        return dir.resolve("auditor-state");
    }

    @Test
    @Order(1)
    void checkpointsCosignedByTheQuorumVerifyAndTheStateIsRemembered() {
        Run r = verify(concat(witnesses(1), "--tenant", "acme", "--state", stateDir().toString()));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(findings(r)).isEmpty();
        assertThat(r.err()).contains("witnesses: quorum 1 of [witness.it/w1, witness.it/w2]; 24 checkpoint(s): "
                + "24 with quorum, 0 pending", "0 missing", "0 log(s) remembered, 6 advanced");
    }

    @Test
    @Order(2)
    void aQuorumOfTwoNamesEveryCheckpointOnlyOneWitnessCosigned() {
        Run r = verify(concat(witnesses(2), "--tenant", "acme"));
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(findings(r)).containsExactly("acme/w-01 249 missing-cosignature", "acme/w-01 499 missing-cosignature",
                "acme/w-01 749 missing-cosignature", "acme/w-01 999 missing-cosignature");
        assertThat(r.out()).contains("checkpoint of size 750", "valid cosignatures from 1 trusted witness(es) "
                + "[witness.it/w1], the quorum is 2");
    }

    @Test
    @Order(3)
    void aForgedCosignatureRowAndAnUnknownWitnessAreFindings() {
        Run r = verify(concat(witnesses(1), "--tenant", "initech"));
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(findings(r)).containsExactly("initech/w-03 499 bad-cosignature",
                "initech/w-04 249 unknown-witness");
        assertThat(r.out()).contains("cosignature by witness witness.it/w2", "does not verify",
                "4 cosignature(s) by witness witness.elsewhere/w3+");
    }

    private static void sql(String statement) {
        loader.store().execute(statement);
    }

    private static String where(int agent) {
        ChainFixture.Agent a = AGENTS.get(agent);
        return " WHERE tenant = '" + a.log().tenant() + "' AND agent_id = '" + a.log().agentId() + "'";
    }

    private static final String SYNC = " SETTINGS mutations_sync = 2";
    /** Replaces the agent's rows from seq {@link #EDITED} and its checkpoints past it by the forged ones. */
    private static void replaceFrom(int agent, ChainFixture.Agent forged) {
        sql("ALTER TABLE " + DB + ".chained_events DELETE" + where(agent) + " AND seq >= " + EDITED + SYNC);
        for (String t : TYPED) {
            sql("ALTER TABLE " + DB + "." + t + " DELETE" + where(agent) + " AND seq >= " + EDITED + SYNC);
        }
        sql("ALTER TABLE " + DB + ".checkpoints DELETE" + where(agent) + " AND tree_size > " + EDITED + SYNC);
        Map<Table, List<Object[]>> rows = new LinkedHashMap<>();
        for (ChainFixture.StoredEvent e : forged.events().subList(EDITED, EVENTS)) {
            loader.rows(e).forEach(r -> rows.computeIfAbsent(r.table(), k -> new ArrayList<>()).add(r.values()));
        }
        rows.forEach((t, v) -> loader.store().insert(t, v));
        List<Object[]> cps = new ArrayList<>();
        for (CheckpointRow c : forged.checkpoints()) {
            if (c.treeSize() > EDITED) {
                cps.add(loader.checkpointRow(c, forged.events().get((int) c.treeSize() - 1).row().hash()));
            }
        }
        loader.store().insert(Table.CHECKPOINTS, cps);
    }

    private static final List<String> TYPED = List.of("evals", "overrides", "approvals", "policy_changes", "incidents",
            "risk_decisions");

    @Test
    @Order(4)
    void theKeyHoldersRewriteVerifiesWithoutWitnessesAndIsCaughtByTheStateAndByTheQuorum() {
        // The operator holds the real signing key and the TSA: agent w-05's event 600 is replaced, every later entry
        // re-chained, checkpoints 750 and 1000 re-signed (same created lines) and re-timestamped; the rows are
        // replaced in ClickHouse, typed rows included.
        ChainFixture.Agent original = AGENTS.get(REWRITTEN);
        ChainFixture.Agent forged = ChainFixture.rewrite(original, EDITED, KEY, tsa);
        assertThat(forged.checkpoints().get(3).rootHash()).isNotEqualTo(original.checkpoints().get(3).rootHash());
        replaceFrom(REWRITTEN, forged);
        // w-06 is cut back to its checkpoint 500, rows and checkpoints; w-07 is deleted.
        sql("ALTER TABLE " + DB + ".chained_events DELETE" + where(CUT) + " AND seq >= 500" + SYNC);
        for (String t : TYPED) {
            sql("ALTER TABLE " + DB + "." + t + " DELETE" + where(CUT) + " AND seq >= 500" + SYNC);
            sql("ALTER TABLE " + DB + "." + t + " DELETE" + where(DELETED) + SYNC);
        }
        sql("ALTER TABLE " + DB + ".checkpoints DELETE" + where(CUT) + " AND tree_size > 500" + SYNC);
        sql("ALTER TABLE " + DB + ".chained_events DELETE" + where(DELETED) + SYNC);
        sql("ALTER TABLE " + DB + ".checkpoints DELETE" + where(DELETED) + SYNC);

        // 1. Without witnesses and without the auditor's state the rewritten and the cut-back logs verify: the
        // stored evidence is consistent in itself, signed by the real key and timestamped in time (the deleted
        // log is simply not there).
        Run blind = verify("--tenant", "acme");
        assertThat(blind.code()).as(blind.out() + blind.err()).isZero();
        assertThat(findings(blind)).isEmpty();

        // 2. The auditor's state from before the rewrite.
        Run state = verify("--tenant", "acme", "--state", stateDir().toString());
        assertThat(state.code()).as(state.out() + state.err()).isEqualTo(3);
        assertThat(findings(state)).containsExactly("acme/w-05 999 fork", "acme/w-06 999 rollback",
                "acme/w-07 999 vanished");

        // 3. The witnesses' cosignatures of the original history are still stored: every rewritten checkpoint is a
        // fork against what a trusted witness cosigned and lacks its own cosignatures; the cut and deleted
        // checkpoints are what the witnesses cosigned and the log no longer has.
        Run stored = verify(concat(witnesses(1), "--tenant", "acme"));
        assertThat(stored.code()).as(stored.out() + stored.err()).isEqualTo(3);
        assertThat(findings(stored)).containsExactly(
                "acme/w-05 749 fork", "acme/w-05 749 fork", "acme/w-05 749 missing-cosignature",
                "acme/w-05 999 fork", "acme/w-05 999 fork", "acme/w-05 999 missing-cosignature",
                "acme/w-06 749 rollback", "acme/w-06 749 rollback", "acme/w-06 999 rollback", "acme/w-06 999 rollback",
                "acme/w-07 249 rollback", "acme/w-07 249 rollback", "acme/w-07 499 rollback", "acme/w-07 499 rollback",
                "acme/w-07 749 rollback", "acme/w-07 749 rollback", "acme/w-07 999 rollback", "acme/w-07 999 rollback");

        // 4. A careful operator deletes those cosignatures too and asks the witnesses to cosign the rewritten
        // checkpoints: both refuse (422, not consistent with what they cosigned), so the rewritten checkpoints stay
        // without cosignatures and the quorum names exactly them.
        MerkleTree forgedTree = MerkleTree.of(leaves(forged));
        for (WitnessClient w : List.of(w1, w2)) {
            CheckpointRow last = forged.checkpoints().get(3);
            WitnessClient.Result same = w.add(new AddCheckpointRequest(EVENTS, List.of(), last.note()));
            assertThat(same).isInstanceOf(WitnessClient.Refused.class);
            assertThat(((WitnessClient.Refused) same).status()).isEqualTo(422);
            WitnessClient.Result fromKept = w.add(new AddCheckpointRequest(500,
                    forgedTree.consistencyProof(500, EVENTS).path(), last.note()));
            assertThat(fromKept).isInstanceOf(WitnessClient.Conflict.class);
        }
        String att = DB + ".checkpoint_attestations";
        sql("ALTER TABLE " + att + " DELETE" + where(REWRITTEN) + " AND tree_size > " + EDITED + SYNC);
        sql("ALTER TABLE " + att + " DELETE" + where(CUT) + " AND tree_size > 500" + SYNC);
        sql("ALTER TABLE " + att + " DELETE" + where(DELETED) + SYNC);
        Run careful = verify(concat(witnesses(1), "--tenant", "acme"));
        assertThat(careful.code()).as(careful.out() + careful.err()).isEqualTo(3);
        assertThat(findings(careful)).containsExactly("acme/w-05 749 missing-cosignature",
                "acme/w-05 999 missing-cosignature");
        assertThat(careful.out()).contains("checkpoint of size 750 (root "
                + forged.checkpoints().get(2).rootHash().base64(), "valid cosignatures from 0 trusted witness(es)");
        // The cut-back and deleted logs left nothing for the witness check to compare once their cosignatures are
        // gone: the state file catches them (above), or asking a witness for its latest checkpoint of the log.
    }

    @Test
    @Order(5)
    void theSameRewriteStampedByATsaTheOperatorDoesNotHoldIsLate() {
        // The operator holds the checkpoint key but not the TSA: a TSA it does not control stamps the re-signed
        // checkpoints (same signed creation times) when the rewrite happens, 30 days later. Time binding alone
        // catches it, without a state file or witnesses, and names both rewritten checkpoints.
        EmbeddedTimestampAuthority honest = EmbeddedTimestampAuthority.load(dir, Clock.fixed(
                ChainFixture.STAMPED_AT.plus(Duration.ofDays(30)), java.time.ZoneOffset.UTC));
        ChainFixture.Agent forged = ChainFixture.rewrite(AGENTS.get(LATE), EDITED, KEY, honest);
        replaceFrom(LATE, forged);
        Run r = verify("--tenant", "acme", "--agent", "w-02");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(findings(r)).containsExactly("acme/w-02 749 late-timestamp", "acme/w-02 999 late-timestamp");
    }
}
