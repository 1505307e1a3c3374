package io.attestream.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Hash;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.sink.internal.Table;
import io.attestream.verifier.internal.AuditRunner;
import io.attestream.verifier.internal.EvidenceReader;
import io.attestream.verifier.testing.ChainFixture;
import io.attestream.verifier.testing.EvidenceLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
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
 * The verifier against the real stack: evidence chained with the integrity library and landed with the sink's
 * DDL and insert path, verified as the read-only auditor; then tampered with directly in ClickHouse.
 */
@ExtendWith(LocalStackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VerifierIT {
    /** A database of its own per run: an external stack may keep earlier runs' tables. */
    private static final String DB = "verifier_it_" + Long.toHexString(System.nanoTime());
    /** Agents 0..12 and 16..22 get one mutation each (20 is the destination of 19's moved row), 13..15 stay
     *  untouched. */
    private static final int AGENTS = 23;
    /** Events per agent: 2,000 by default; {@code -Dverifier.it.events=20000} lands the 200,000. */
    private static final int EVENTS = Integer.getInteger("verifier.it.events", 2_000);
    private static final int EVERY = 250;

    @TempDir
    static Path dir;

    private static final SigningKey KEY = SigningKey.generate("attestream-it", new SecureRandom());
    private static final SigningKey OTHER_KEY = SigningKey.generate("attestream-it", new SecureRandom());
    private static EmbeddedTimestampAuthority tsa;
    private static List<ChainFixture.Agent> agents;
    private static EvidenceLoader loader;
    private static StackEndpoints stack;

    @BeforeAll
    static void land(StackEndpoints endpoints) throws Exception {
        stack = endpoints;
        tsa = ChainFixture.tsa("verifier-it");
        agents = new ArrayList<>();
        for (int i = 0; i < AGENTS; i++) {
            agents.add(ChainFixture.build(i % 2 == 0 ? "acme" : "globex", String.format("agent-%02d", i), EVENTS, EVERY,
                    KEY, tsa));
        }
        loader = new EvidenceLoader(stack.clickHouseJdbcUrl(), stack.clickHouseUser(), stack.clickHousePassword(), DB);
        loader.landSchema();
        loader.land(agents);
        Files.writeString(dir.resolve("checkpoint.vkey"), KEY.verifierKey().toVkey() + "\n");
        Files.writeString(dir.resolve("other.vkey"), OTHER_KEY.verifierKey().toVkey() + "\n");
        Files.writeString(dir.resolve("auditor.password"), stack.auditorPassword());
        tsa.save(dir);
    }

    @AfterAll
    static void close() {
        if (loader != null) {
            loader.close();
        }
    }

    private static String[] connection() {
        return new String[] {"--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
            "--password-file", dir.resolve("auditor.password").toString(),
            "--events-table", DB + ".chained_events", "--checkpoints-table", DB + ".checkpoints",
            "--schemas-table", DB + ".registry_schemas"};
    }

    private static String[] trust(String key) {
        return new String[] {"--key", dir.resolve(key).toString(), "--tsa-cert", dir.resolve("tsa-ca.crt").toString()};
    }

    private record Run(int code, String out, String err) {
    }

    private static Run cli(Object command, String[]... parts) {
        List<String> args = new ArrayList<>();
        for (String[] p : parts) {
            args.addAll(List.of(p));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static VerificationReport verifyAsAuditor() {
        return verifyAsAuditor(EvidenceReader.Selection.ALL);
    }

    private static VerificationReport verifyAsAuditor(EvidenceReader.Selection sel) {
        return verifyAsAuditor(sel, ChainVerifier.Settings.defaults());
    }

    /** As the auditor with a fixed verifier clock: when an unsealed tail is overdue. */
    private static VerificationReport verifyAsAuditorAt(EvidenceReader.Selection sel, java.time.Instant now) {
        return verifyAsAuditor(sel,
                ChainVerifier.Settings.defaults().withClock(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC)));
    }

    private static VerificationReport verifyAsAuditor(EvidenceReader.Selection sel, ChainVerifier.Settings settings) {
        try (EvidenceReader reader = EvidenceReader.connect(stack.clickHouseJdbcUrl(), stack.auditorUser(),
                stack.auditorPassword(), new EvidenceReader.Tables(DB + ".chained_events", DB + ".checkpoints",
                        DB + ".registry_schemas"))) {
            ChainVerifier v = ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()),
                    Optional.of(tsa.verifier()), reader.schemaFingerprints(), settings);
            return AuditRunner.run(reader, v, sel, AuditRunner.SILENT, false);
        }
    }

    /** The note with one byte of its signature (past the 4-byte key id) changed, the base64 re-encoded. */
    private static String withReplacedSignature(String note) {
        int at = note.lastIndexOf(SignedCheckpoint.SIGNATURE_PREFIX);
        String line = note.substring(at, note.indexOf('\n', at));
        int space = line.lastIndexOf(' ');
        byte[] sig = Base64.getDecoder().decode(line.substring(space + 1));
        sig[10] ^= 0x01;
        return note.substring(0, at) + line.substring(0, space + 1) + Base64.getEncoder().encodeToString(sig)
                + note.substring(at + line.length());
    }

    @Test
    @Order(1)
    void verifiesLandedEvidenceAsTheReadOnlyAuditor() {
        VerificationReport r = verifyAsAuditor();
        assertThat(r.findings()).isEmpty();
        assertThat(r.rows()).isEqualTo((long) AGENTS * EVENTS);
        assertThat(r.agents()).hasSize(AGENTS).allSatisfy(a -> {
            assertThat(a.checkpointsVerified()).isEqualTo(EVENTS / EVERY);
            assertThat(a.timestampsVerified()).isEqualTo(EVENTS / EVERY);
            assertThat(a.latestVerifiedTreeSize()).isEqualTo(EVENTS);
        });

        Run cli = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"), new String[] {"--json"});
        assertThat(cli.code()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("\"ok\":true", "\"rows\":" + AGENTS * EVENTS, "\"findings\":[]");
    }

    @Test
    @Order(2)
    void provesAnEventAndChecksTheProofOfflineWithNothingButTheKey() throws Exception {
        ChainFixture.StoredEvent e = agents.get(9).events().get(1234);
        Path proof = dir.resolve("proof.json");
        Run prove = cli(new ProveCommand(), connection(), new String[] {"--event-id", e.eventId(), "--out",
            proof.toString()});
        assertThat(prove.code()).as(prove.err()).isZero();

        Run ok = cli(new CheckProofCommand(), new String[] {proof.toString()}, trust("checkpoint.vkey"));
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("OK event seq 1234 of globex/agent-09", "tree size " + EVENTS, "timestamped");

        Run otherKey = cli(new CheckProofCommand(), new String[] {proof.toString(), "--key",
            dir.resolve("other.vkey").toString()});
        assertThat(otherKey.code()).isEqualTo(3);

        String json = Files.readString(proof);
        String b64 = Base64.getEncoder().encodeToString(e.row().eventBytes());
        byte[] altered = e.row().eventBytes();
        altered[80] ^= 1;
        Path tampered = dir.resolve("tampered.json");
        Files.writeString(tampered, json.replace(b64, Base64.getEncoder().encodeToString(altered)));
        Run bad = cli(new CheckProofCommand(), new String[] {tampered.toString()}, trust("checkpoint.vkey"));
        assertThat(bad.code()).isEqualTo(3);
        assertThat(bad.err()).contains("INVALID");
    }

    /** The kinds of the derived-column and typed-table checks. */
    private static final java.util.Set<FindingKind> DERIVED_KINDS = java.util.EnumSet.of(FindingKind.COLUMN_MISMATCH,
            FindingKind.UNDECODABLE, FindingKind.ORPHAN_ROW, FindingKind.DUPLICATE_ROW, FindingKind.MISSING_ROW);

    private static void sql(String statement) {
        loader.store().execute(statement);
    }

    private static String where(ChainFixture.Agent a) {
        return " WHERE tenant = '" + a.log().tenant() + "' AND agent_id = '" + a.log().agentId() + "'";
    }

    private static Path stateDir() {
        return dir.resolve("auditor-state");
    }

    @Test
    @Order(3)
    void remembersEveryVerifiedLogInTheAuditorStateDirectory() throws Exception {
        Run first = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                new String[] {"--state", stateDir().toString()});
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        assertThat(first.err()).contains("0 log(s) remembered, " + AGENTS + " advanced");
        Path file = stateDir().resolve("acme/agent-00.checkpoint");
        assertThat(Files.readString(file)).startsWith("attestream-verifier-state 1\norigin attestream/acme/agent-00\n"
                + "tree-size " + EVENTS + "\n");
        Run again = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                new String[] {"--state", stateDir().toString()});
        assertThat(again.code()).isZero();
        assertThat(again.err()).contains(AGENTS + " log(s) remembered, 0 advanced");
        // The consistency-proof form: from a remembered checkpoint of size 1000 to the stored newest (2000).
        Path older = dir.resolve("older-state");
        io.attestream.verifier.internal.StateDirectory.open(older).write(agents.get(5).checkpoints().get(3),
                java.time.Instant.now());
        Path consistency = dir.resolve("consistency.json");
        Run prove = cli(new ProveCommand(), connection(), new String[] {"--consistency-from",
            older.resolve("globex/agent-05.checkpoint").toString(), "--out", consistency.toString()});
        assertThat(prove.code()).as(prove.err()).isZero();
        Run check = cli(new CheckProofCommand(), new String[] {consistency.toString()}, trust("checkpoint.vkey"));
        assertThat(check.code()).as(check.err()).isZero();
        assertThat(check.out()).contains("OK the checkpoint of tree size " + EVENTS + " of globex/agent-05 extends "
                + "the checkpoint of tree size 1000");
        Run otherKey = cli(new CheckProofCommand(), new String[] {consistency.toString(), "--key",
            dir.resolve("other.vkey").toString()});
        assertThat(otherKey.code()).isEqualTo(3);
    }

    @Test
    @Order(4)
    void detectsEveryMutationAppliedDirectlyInClickHouseAtItsAgentSeqAndKind() throws Exception {
        String events = DB + ".chained_events";
        String cps = DB + ".checkpoints";
        String sync = " SETTINGS mutations_sync = 2";

        ChainFixture.Agent payload = agents.get(0);
        byte[] flipped = payload.events().get(777).row().eventBytes();
        flipped[60] ^= 0x01;
        sql("ALTER TABLE " + events + " UPDATE event_bytes = unhex('" + HexFormat.of().formatHex(flipped) + "')"
                + where(payload) + " AND seq = 777" + sync);

        ChainFixture.Agent deleted = agents.get(1);
        sql("ALTER TABLE " + events + " DELETE" + where(deleted) + " AND seq = 500" + sync);

        ChainFixture.Agent swapped = agents.get(2);
        sql("ALTER TABLE " + events + " DELETE" + where(swapped) + " AND seq IN (300, 301)" + sync);
        ChainFixture.StoredEvent e300 = swapped.events().get(300);
        ChainFixture.StoredEvent e301 = swapped.events().get(301);
        loader.store().insert(Table.CHAINED_EVENTS, List.of(
                loader.eventRow(new ChainFixture.StoredEvent(ChainFixture.withSeq(e301.row(), 300), e301.eventId(),
                        e301.eventType(), e301.occurredAtMicros())),
                loader.eventRow(new ChainFixture.StoredEvent(ChainFixture.withSeq(e300.row(), 301), e300.eventId(),
                        e300.eventType(), e300.occurredAtMicros()))));

        ChainFixture.Agent truncated = agents.get(3);
        sql("ALTER TABLE " + events + " DELETE" + where(truncated) + " AND seq >= " + (EVENTS - 100) + sync);

        ChainFixture.Agent rekeyed = agents.get(4);
        CheckpointRow c1000 = rekeyed.checkpoints().get(3);
        assertThat(c1000.treeSize()).isEqualTo(1000);
        String otherNote = SignedCheckpoint.sign(SignedCheckpoint.parse(c1000.note()).checkpoint(), OTHER_KEY).text();
        sql("ALTER TABLE " + cps + " DELETE" + where(rekeyed) + " AND tree_size = 1000" + sync);
        loader.store().insert(Table.CHECKPOINTS, List.<Object[]>of(loader.checkpointRow(new CheckpointRow(
                c1000.tenant(), c1000.agentId(), 1000, c1000.rootHash(), otherNote, c1000.keyName(), null),
                rekeyed.events().get(999).row().hash())));

        ChainFixture.Agent timestamp = agents.get(5);
        CheckpointRow c1500 = timestamp.checkpoints().get(5);
        assertThat(c1500.treeSize()).isEqualTo(1500);
        String alteredJson = ChainFixture.withFlippedSignatureByte(new String(c1500.timestamp(), StandardCharsets.UTF_8));
        sql("ALTER TABLE " + cps + " UPDATE timestamp_token = unhex('"
                + HexFormat.of().formatHex(alteredJson.getBytes(StandardCharsets.UTF_8)) + "')" + where(timestamp)
                + " AND tree_size = 1500" + sync);

        ChainFixture.Agent unsealed = agents.get(7);
        sql("ALTER TABLE " + cps + " DELETE" + where(unsealed) + sync);

        ChainFixture.Agent missingCheckpoint = agents.get(8);
        sql("ALTER TABLE " + cps + " DELETE" + where(missingCheckpoint) + " AND tree_size = 1000" + sync);

        ChainFixture.Agent unstamped = agents.get(9);
        sql("ALTER TABLE " + cps + " UPDATE timestamp_token = NULL" + where(unstamped) + " AND tree_size = 500" + sync);

        ChainFixture.Agent rolledBack = agents.get(16);
        sql("ALTER TABLE " + events + " DELETE" + where(rolledBack) + " AND seq >= 1500" + sync);
        sql("ALTER TABLE " + cps + " DELETE" + where(rolledBack) + " AND tree_size > 1500" + sync);

        ChainFixture.Agent gone = agents.get(17);
        sql("ALTER TABLE " + events + " DELETE" + where(gone) + sync);
        sql("ALTER TABLE " + cps + " DELETE" + where(gone) + sync);

        ChainFixture.Agent replaced = agents.get(10);
        sql("ALTER TABLE " + events + " DELETE" + where(replaced) + " AND seq = 4" + sync);

        // Second rows for existing keys: the evidence tables are plain MergeTree since the sink's V004, so no merge
        // collapses them. (Not SYSTEM STOP MERGES: it would also block the later tests' mutations_sync ALTERs.)
        ChainFixture.StoredEvent e9 = replaced.events().get(9);
        loader.store().insert(Table.CHAINED_EVENTS, List.<Object[]>of(loader.eventRow(new ChainFixture.StoredEvent(
                ChainFixture.withSeq(e9.row(), 4), e9.eventId(), e9.eventType(), e9.occurredAtMicros()))));

        ChainFixture.Agent duplicated = agents.get(11);
        loader.store().insert(Table.CHAINED_EVENTS, List.<Object[]>of(loader.eventRow(duplicated.events().get(600))));

        ChainFixture.Agent insertedLast = agents.get(12);
        ChainFixture.StoredEvent last = insertedLast.events().get(EVENTS - 1);
        EventRow forgedLast = ChainFixture.forged(insertedLast.log(), EVENTS - 1, last.row().prevHash(), "last word");
        loader.store().insert(Table.CHAINED_EVENTS, List.<Object[]>of(loader.eventRow(new ChainFixture.StoredEvent(
                forgedLast, "forged-" + last.eventId(), "ApprovalDecision", last.occurredAtMicros()))));

        // A forged approval under an existing seq, chained "now" (another month than the genuine rows).
        ChainFixture.Agent inserted = agents.get(6);
        ChainFixture.StoredEvent genuine = inserted.events().get(1200);
        EventRow forged = ChainFixture.forged(inserted.log(), 1200, genuine.row().prevHash(), "approved by nobody");
        loader.store().insert(Table.CHAINED_EVENTS, List.<Object[]>of(loader.eventRow(new ChainFixture.StoredEvent(
                forged, "forged-" + genuine.eventId(), "ApprovalDecision", genuine.occurredAtMicros()))));

        // A payload byte flipped and the row's hash recomputed self-consistently (docs/integrity.md §2, entry v2),
        // as a forger with write access but no signing key would: the row recomputes, but entry 801 still links to
        // the genuine hash and the checkpoints' roots no longer match.
        ChainFixture.Agent rehashed = agents.get(18);
        EventRow r800 = rehashed.events().get(800).row();
        byte[] rehashedBytes = r800.eventBytes();
        rehashedBytes[60] ^= 0x01;
        Hash newHash = ChainEntry.recompute(rehashed.log(), 800, r800.prevHash(), r800.entryVersion(),
                r800.chainedAtMicros(), r800.schemaId(), r800.schemaFingerprint().toBytes(),
                Arrays.copyOfRange(rehashedBytes, EventRow.HEADER_SIZE, rehashedBytes.length)).hash();
        assertThat(newHash).isNotEqualTo(r800.hash());
        sql("ALTER TABLE " + events + " UPDATE event_bytes = unhex('" + HexFormat.of().formatHex(rehashedBytes)
                + "'), hash = unhex('" + HexFormat.of().formatHex(newHash.toBytes()) + "')" + where(rehashed)
                + " AND seq = 800" + sync);

        // A row moved to another tenant and agent (globex/agent-19 seq 400 -> acme/agent-20): tenant and agent_id
        // are key columns (no UPDATE), so a copy is inserted under the other log and the original deleted.
        ChainFixture.Agent movedFrom = agents.get(19);
        ChainFixture.Agent movedTo = agents.get(20);
        String columns = String.join(", ", Table.CHAINED_EVENTS.columns());
        String selected = Table.CHAINED_EVENTS.columns().stream()
                .map(c -> c.equals("tenant") ? "'" + movedTo.log().tenant() + "'"
                        : c.equals("agent_id") ? "'" + movedTo.log().agentId() + "'" : c)
                .collect(java.util.stream.Collectors.joining(", "));
        sql("INSERT INTO " + events + " (" + columns + ") SELECT " + selected + " FROM " + events + where(movedFrom)
                + " AND seq = 400");
        sql("ALTER TABLE " + events + " DELETE" + where(movedFrom) + " AND seq = 400" + sync);

        // A checkpoint's signature line replaced: the note's text is kept, the signature bytes changed, so the
        // stored note no longer verifies under the trusted key.
        ChainFixture.Agent resigned = agents.get(21);
        CheckpointRow c1250 = resigned.checkpoints().get(4);
        assertThat(c1250.treeSize()).isEqualTo(1250);
        String forgedNote = withReplacedSignature(c1250.note());
        assertThat(forgedNote).isNotEqualTo(c1250.note());
        sql("ALTER TABLE " + cps + " UPDATE note = unhex('"
                + HexFormat.of().formatHex(forgedNote.getBytes(StandardCharsets.UTF_8)) + "')" + where(resigned)
                + " AND tree_size = 1250" + sync);

        // The tail deleted after the newest checkpoint. Stored is a log whose newest checkpoint is EVENTS - 250
        // (1750 by default; the one of EVENTS is removed: it stands for the moment before the chainer writes it)
        // and the entries after it up to EVENTS - 1; the mutation deletes the last 100 of them. What is NOT detectable from what is stored: the deleted entries themselves
        // (no checkpoint or later entry commits to them), and a tail deleted entirely back to the checkpoint (the
        // log then looks as if it ended there; only the auditor's --state, a witness, or the chainer's next
        // checkpoint, which would then not match the rows, tell). What IS detectable: the remaining entries
        // EVENTS - 250 .. EVENTS - 101 are covered by no checkpoint, which becomes a finding (unsealed at
        // EVENTS - 250) once the next
        // checkpoint is due by the signed cadence plus the slack; before that it is a checkpoint on its way.
        ChainFixture.Agent cutTail = agents.get(22);
        sql("ALTER TABLE " + cps + " DELETE" + where(cutTail) + " AND tree_size = " + EVENTS + sync);
        sql("ALTER TABLE " + events + " DELETE" + where(cutTail) + " AND seq >= " + (EVENTS - 100) + sync);
        EvidenceReader.Selection cutOnly = new EvidenceReader.Selection(cutTail.log().tenant(),
                cutTail.log().agentId(), null, null);
        // Checkpoint EVENTS - 250 was created at T0 + (EVENTS - 250) ms (one entry a millisecond; 20 s at the most
        // for 20,000 events) and states 250 events / 60 s: the next one was due a minute later, overdue after the
        // slack of 10 minutes.
        assertThat(verifyAsAuditorAt(cutOnly, ChainFixture.CHAINED_T0.plus(java.time.Duration.ofMinutes(5)))
                .findings()).filteredOn(f -> !DERIVED_KINDS.contains(f.kind())).isEmpty();
        assertThat(verifyAsAuditorAt(cutOnly, ChainFixture.CHAINED_T0.plus(java.time.Duration.ofMinutes(12)))
                .findings()).filteredOn(f -> !DERIVED_KINDS.contains(f.kind()))
                .extracting(Finding::tenant, Finding::agentId, Finding::seq, Finding::kind)
                .containsExactly(tuple("acme", "agent-22", EVENTS - 250L, FindingKind.UNSEALED));

        VerificationReport r = verifyAsAuditor();
        List<org.assertj.core.groups.Tuple> mutations = List.of(
                        tuple("acme", "agent-00", 777L, FindingKind.MODIFIED),
                        tuple("globex", "agent-01", 500L, FindingKind.DELETED),
                        tuple("acme", "agent-02", 300L, FindingKind.REORDERED),
                        tuple("acme", "agent-02", 301L, FindingKind.REORDERED),
                        tuple("globex", "agent-03", EVENTS - 100L, FindingKind.TRUNCATED),
                        tuple("acme", "agent-04", 999L, FindingKind.UNKNOWN_KEY_CHECKPOINT),
                        tuple("globex", "agent-05", 1499L, FindingKind.TIMESTAMP_MISMATCH),
                        tuple("acme", "agent-06", 1200L, FindingKind.INSERTED),
                        tuple("globex", "agent-07", 0L, FindingKind.UNSEALED),
                        tuple("acme", "agent-08", 750L, FindingKind.MISSING_CHECKPOINT),
                        tuple("globex", "agent-09", 499L, FindingKind.MISSING_TIMESTAMP),
                        tuple("acme", "agent-10", 4L, FindingKind.DELETED),
                        tuple("acme", "agent-10", 4L, FindingKind.REORDERED),
                        tuple("acme", "agent-10", 9L, FindingKind.DUPLICATE),
                        tuple("globex", "agent-11", 600L, FindingKind.DUPLICATE),
                        tuple("acme", "agent-12", EVENTS - 1L, FindingKind.INSERTED),
                        tuple("acme", "agent-18", 800L, FindingKind.MODIFIED),
                        tuple("globex", "agent-19", 400L, FindingKind.DELETED),
                        tuple("acme", "agent-20", 400L, FindingKind.INSERTED),
                        tuple("globex", "agent-21", 1249L, FindingKind.FORGED_CHECKPOINT),
                        tuple("acme", "agent-22", EVENTS - 250L, FindingKind.UNSEALED));
        assertThat(r.findings()).filteredOn(f -> !DERIVED_KINDS.contains(f.kind()))
                .extracting(Finding::tenant, Finding::agentId, Finding::seq, Finding::kind)
                .containsExactlyInAnyOrderElementsOf(mutations);
        assertThat(r.findings()).filteredOn(f -> f.agentId().equals("agent-18") && f.kind() == FindingKind.MODIFIED)
                .singleElement().extracting(Finding::detail).asString()
                .startsWith("the row at seq 800 was rewritten: entry 801 links to " + Base64.getEncoder().encodeToString(r800.hash().toBytes()));
        assertThat(r.findings()).filteredOn(f -> f.agentId().equals("agent-20") && f.kind() == FindingKind.INSERTED)
                .singleElement().extracting(Finding::detail).asString()
                .as("the hash commits to the log id: the moved row does not recompute under agent-20")
                .contains("a second row for seq 400", "its bytes recompute to");
        assertThat(r.findings()).filteredOn(f -> f.agentId().equals("agent-21"))
                .singleElement().extracting(Finding::detail).asString()
                .contains("tree size 1250", "signature does not verify");
        assertThat(r.findings()).filteredOn(f -> f.agentId().equals("agent-22") && f.kind() == FindingKind.UNSEALED)
                .singleElement().extracting(Finding::detail).asString()
                .startsWith("seq " + (EVENTS - 250) + ".." + (EVENTS - 101) + " (150 entries")
                .contains("tree size " + (EVENTS - 250), "PT10M");
        // The CLI, one log at a time: exit 3 and the exact seq and kind of each mutation in its JSON report.
        for (org.assertj.core.groups.Tuple t : mutations) {
            List<Object> m = t.toList();
            Run one = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                    new String[] {"--tenant", (String) m.get(0), "--agent", (String) m.get(1), "--json"});
            assertThat(one.code()).as("%s", t).isEqualTo(3);
            assertThat(one.out()).as("%s", t).contains("{\"tenant\":\"" + m.get(0) + "\",\"agent_id\":\"" + m.get(1)
                    + "\",\"seq\":" + m.get(2) + ",\"kind\":\"" + ((FindingKind) m.get(3)).label() + "\"");
        }
        // What the same mutations do to the derived columns and typed tables: only chained_events was touched, so
        // the typed rows of the swapped and the deleted events no longer have their source event.
        List<org.assertj.core.groups.Tuple> derived = new ArrayList<>(List.of(
                // The flipped byte lies in agentVersion: the bytes now say "1.4/2", the column still "1.4.2".
                tuple("acme", "agent-00", 777L, FindingKind.COLUMN_MISMATCH),
                tuple("acme", "agent-02", 300L, FindingKind.MISSING_ROW),
                tuple("acme", "agent-02", 301L, FindingKind.ORPHAN_ROW),
                tuple("acme", "agent-06", 1200L, FindingKind.UNDECODABLE)));
        for (long seq = EVENTS - 100; seq < EVENTS; seq++) {
            if (seq % 10 >= 1 && seq % 10 <= 6) {
                derived.add(tuple("globex", "agent-03", seq, FindingKind.ORPHAN_ROW));
            }
        }
        // (Agents 07..17 carry this branch's coverage, loss and state mutations; their derived findings are not listed.)
        assertThat(r.findings()).filteredOn(f -> DERIVED_KINDS.contains(f.kind()) && f.agentId().compareTo("agent-07") < 0)
                .extracting(Finding::tenant, Finding::agentId, Finding::seq, Finding::kind)
                .containsExactlyInAnyOrderElementsOf(derived);
        assertThat(r.findings()).filteredOn(f -> f.kind() == FindingKind.COLUMN_MISMATCH && f.agentId().compareTo("agent-07") < 0)
                .singleElement()
                .extracting(Finding::detail).isEqualTo("chained_events.agent_version: stored \"1.4.2\", event_bytes "
                        + "give \"1.4/2\"");
        assertThat(r.findings()).filteredOn(f -> f.kind() == FindingKind.ORPHAN_ROW && f.seq() == 301L
                && f.agentId().compareTo("agent-07") < 0)
                .singleElement().extracting(Finding::detail).isEqualTo("evals row without a source event: at this seq "
                        + "there is an AgentAction event, which gives no evals row");
        assertThat(r.findings()).filteredOn(f -> f.kind() == FindingKind.INSERTED).allSatisfy(f ->
                assertThat(f.detail()).containsPattern("hash \\S+=, that is not in the chain")
                        .contains("the chain's entry " + f.seq() + " has hash"));
        // Without the auditor's state, the chains of the cut-back log (16) and of the emptied one (17) verify: only
        // their typed rows, now without source events, are reported (derived kinds).
        assertThat(r.findings()).filteredOn(f -> f.agentId().equals("agent-16") || f.agentId().equals("agent-17"))
                .allSatisfy(f -> assertThat(f.kind()).isIn(DERIVED_KINDS));
        assertThat(r.agents()).filteredOn(AgentResult::ok).extracting(AgentResult::agentId)
                .filteredOn(id -> !id.equals("agent-16")).containsExactlyInAnyOrder("agent-13", "agent-14", "agent-15");

        Run withState = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                new String[] {"--state", stateDir().toString(), "--json"});
        assertThat(withState.code()).isEqualTo(3);
        assertThat(withState.out()).contains("{\"tenant\":\"acme\",\"agent_id\":\"agent-16\",\"seq\":"
                + (EVENTS - 1) + ",\"kind\":\"rollback\"", "{\"tenant\":\"globex\",\"agent_id\":\"agent-17\",\"seq\":"
                + (EVENTS - 1) + ",\"kind\":\"vanished\"");
        assertThat(withState.err()).contains(AGENTS + " log(s) remembered, 0 advanced");
        assertThat(Files.readString(stateDir().resolve("acme/agent-16.checkpoint")))
                .as("a failing log keeps what was remembered").contains("tree-size " + EVENTS + "\n");
        Run vanishedOnly = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                new String[] {"--state", stateDir().toString(), "--tenant", "globex", "--agent", "agent-17"});
        assertThat(vanishedOnly.code()).as("a remembered log is evidence that it existed").isEqualTo(3);
        assertThat(vanishedOnly.out()).contains("vanished", "no rows and no checkpoints any more");

        Run cli = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"), new String[] {"--json"});
        assertThat(cli.code()).isEqualTo(3);
        assertThat(cli.out()).contains("\"ok\":false", "\"kind\":\"reordered\"", "\"kind\":\"truncated\"");
        Run human = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                new String[] {"--tenant", "acme", "--agent", "agent-02"});
        assertThat(human.code()).isEqualTo(3);
        assertThat(human.out()).contains("reordered", "acme/agent-02 seq 300", "FAILED: 1 agent(s), 1 failing");
        Run untouched = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                new String[] {"--tenant", "globex", "--agent", "agent-13"});
        assertThat(untouched.code()).as(untouched.out()).isZero();
        assertThat(untouched.out()).contains("timestamps trusted from TSA", "verifier-it", "1 log(s) (all)");

        Run nobody = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                new String[] {"--tenant", "nobody"});
        assertThat(nobody.code()).isEqualTo(4);
        assertThat(nobody.out()).contains("NO EVIDENCE: 0 agent(s)");
        assertThat(nobody.err()).contains("no evidence for tenant 'nobody'", DB + ".chained_events");
        Run noAgent = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"),
                new String[] {"--tenant", "acme", "--agent", "agent-01", "--json"});
        assertThat(noAgent.code()).as("agent-01 is globex's").isEqualTo(4);
        assertThat(noAgent.out()).contains("\"ok\":false", "\"no_evidence\":true");
    }

    @Test
    @Order(5)
    void detectsEveryDerivedColumnAndTypedRowChangedInClickHouseNamingTableSeqColumnAndBothValues() {
        String tenant = "initech";
        List<ChainFixture.Agent> own = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            own.add(ChainFixture.build(tenant, String.format("derived-%02d", i), 40, 10, KEY, tsa));
        }
        loader.land(own);
        assertThat(verifyAsAuditor(new EvidenceReader.Selection(tenant, null, null, null)).findings()).isEmpty();
        // A time range checks the typed rows of the scanned seqs only: none is reported missing or orphaned.
        assertThat(verifyAsAuditor(new EvidenceReader.Selection(tenant, null, ChainFixture.CHAINED_T0.plusMillis(15),
                ChainFixture.CHAINED_T0.plusMillis(33))).findings()).isEmpty();

        String events = DB + ".chained_events";
        String sync = " SETTINGS mutations_sync = 2";
        sql("ALTER TABLE " + events + " UPDATE occurred_at = toDateTime64('2026-01-01 00:00:00', 6, 'UTC')"
                + where(own.get(0)) + " AND seq = 7" + sync);
        sql("ALTER TABLE " + events + " UPDATE event_type = 'AgentAction'" + where(own.get(1)) + " AND seq = 11" + sync);
        sql("ALTER TABLE " + events + " UPDATE agent_version = '0.0.1'" + where(own.get(2)) + " AND seq = 12" + sync);
        sql("ALTER TABLE " + events + " UPDATE event_id = 'forged-id'" + where(own.get(3)) + " AND seq = 13" + sync);
        sql("ALTER TABLE " + events + " UPDATE controls = ['A.5.1']" + where(own.get(4)) + " AND seq = 14" + sync);
        sql("ALTER TABLE " + DB + ".policy_changes UPDATE approver = 'mallory'" + where(own.get(5)) + " AND seq = 24"
                + sync);
        sql("ALTER TABLE " + DB + ".evals UPDATE value = 0.01" + where(own.get(6)) + " AND seq = 21" + sync);
        // created_at is the partition key (no UPDATE): the row is replaced by one with another creation time.
        CheckpointRow c20 = own.get(0).checkpoints().get(1);
        assertThat(c20.treeSize()).isEqualTo(20);
        sql("ALTER TABLE " + DB + ".checkpoints DELETE" + where(own.get(0)) + " AND tree_size = 20" + sync);
        Object[] moved = loader.checkpointRow(c20, own.get(0).events().get(19).row().hash());
        moved[Table.CHECKPOINTS.columns().indexOf("created_at")] = java.time.Instant.parse("2027-01-01T00:00:00Z");
        loader.store().insert(Table.CHECKPOINTS, List.<Object[]>of(moved));
        // A typed row stored twice, and one deleted.
        loader.store().insert(Table.EVALS, List.<Object[]>of(loader.rows(own.get(7).events().get(31)).get(1).values()));
        sql("ALTER TABLE " + DB + ".overrides DELETE" + where(own.get(7)) + " AND seq = 2" + sync);
        // A typed row with no source event: an approval at the seq of an AgentAction.
        ChainFixture.StoredEvent action = own.get(8).events().get(10);
        ChainFixture.StoredEvent approval = own.get(8).events().get(3);
        Object[] orphan = loader.rows(approval).get(1).values();
        orphan[2] = 10L;
        loader.store().insert(Table.APPROVALS, List.<Object[]>of(orphan));
        assertThat(action.eventType()).isEqualTo("AgentAction");

        VerificationReport r = verifyAsAuditor(new EvidenceReader.Selection(tenant, null, null, null));
        assertThat(r.findings()).extracting(Finding::agentId, Finding::seq, Finding::kind, Finding::detail)
                .containsExactlyInAnyOrder(
                        tuple("derived-00", 7L, FindingKind.COLUMN_MISMATCH, "chained_events.occurred_at: stored "
                                + "2026-01-01T00:00:00Z, event_bytes give " + SampleEvents.T0.plusMillis(7)),
                        tuple("derived-00", 19L, FindingKind.COLUMN_MISMATCH, "checkpoints.created_at (tree size 20, "
                                + "key attestream-it): stored 2027-01-01T00:00:00Z, the signed note says "
                                + ChainFixture.CHAINED_T0.plusMillis(20)),
                        tuple("derived-01", 11L, FindingKind.COLUMN_MISMATCH, "chained_events.event_type: stored "
                                + "\"AgentAction\", event_bytes give \"EvalResult\""),
                        tuple("derived-02", 12L, FindingKind.COLUMN_MISMATCH, "chained_events.agent_version: stored "
                                + "\"0.0.1\", event_bytes give \"1.4.2\""),
                        tuple("derived-03", 13L, FindingKind.COLUMN_MISMATCH, "chained_events.event_id: stored "
                                + "\"forged-id\", event_bytes give \"" + own.get(3).events().get(13).eventId() + "\""),
                        tuple("derived-04", 14L, FindingKind.COLUMN_MISMATCH, "chained_events.controls: stored "
                                + "[\"A.5.1\"], event_bytes give [\"A.8.32\", \"A.8.9\", \"A.5.37\"]"),
                        tuple("derived-05", 24L, FindingKind.COLUMN_MISMATCH, "policy_changes.approver: stored "
                                + "\"mallory\", event_bytes give \"dave\""),
                        tuple("derived-06", 21L, FindingKind.COLUMN_MISMATCH, "evals.value: stored 0.01, event_bytes "
                                + "give 0.91"),
                        tuple("derived-07", 2L, FindingKind.MISSING_ROW, "the HumanOverride event at this seq has no "
                                + "overrides row"),
                        tuple("derived-07", 31L, FindingKind.DUPLICATE_ROW, "a second identical evals row at this seq: "
                                + "the typed table holds this event twice"),
                        tuple("derived-08", 10L, FindingKind.ORPHAN_ROW, "approvals row without a source event: at "
                                + "this seq there is an AgentAction event, which gives no approvals row"));

        Run human = cli(new VerifyCommand(), connection(), trust("checkpoint.vkey"), new String[] {"--tenant", tenant});
        assertThat(human.code()).as(human.out() + human.err()).isEqualTo(3);
        assertThat(human.out()).contains("column-mismatch        initech/derived-05 seq 24: policy_changes.approver: "
                + "stored \"mallory\", event_bytes give \"dave\"", "FAILED: 9 agent(s), 9 failing");
    }
}
