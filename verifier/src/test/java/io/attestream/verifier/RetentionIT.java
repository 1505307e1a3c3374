package io.attestream.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.events.AuditEvent;
import io.attestream.events.LegalHold;
import io.attestream.events.LegalHoldAction;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.SigningKey;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.sink.internal.LegalHolds;
import io.attestream.sink.internal.RetentionPruner;
import io.attestream.verifier.internal.AuditRunner;
import io.attestream.verifier.internal.EvidenceReader;
import io.attestream.verifier.testing.ChainFixture;
import io.attestream.verifier.testing.EvidenceLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * Retention on the real engine (the local stack's chdb 26.5 behind chdb-server): chains spanning four years are
 * landed with the sink's DDL and insert path, the sink's pruning job blanks the payload of entries past the policy's
 * maximum (except what a legal hold covers), and the verifier, as the read-only auditor, passes, counting them as
 * {@code pruned}; payload removed outside a policy is a finding naming the entry.
 */
@ExtendWith(LocalStackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetentionIT {
    private static final String DB = "retention_it_" + Long.toHexString(System.nanoTime());
    /** Events per agent ({@code -Dretention.it.events=50000} for the measured run of the report). */
    private static final int EVENTS = Integer.getInteger("retention.it.events", 2_000);
    private static final int AGENTS = Integer.getInteger("retention.it.agents", 4);
    private static final int EVERY = 250;
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    /** Seq 0 chained four years ago, the last entry a minute ago. */
    private static final Instant T0 = NOW.minus(Duration.ofDays(4 * 365));
    private static final long STEP_MICROS = ChronoUnit.MICROS.between(T0, NOW.minusSeconds(60)) / (EVENTS - 1);
    private static final SigningKey KEY = SigningKey.generate("attestream-retention-it", new SecureRandom());

    @TempDir
    static Path dir;

    private static List<ChainFixture.Agent> agents;
    private static EvidenceLoader loader;
    private static StackEndpoints stack;
    /** The hold on acme/agent-01 covers its events that occurred before the occurred time of its seq 400. */
    private static long holdEnd;

    @BeforeAll
    static void land(StackEndpoints endpoints) throws Exception {
        stack = endpoints;
        agents = new ArrayList<>();
        // Checkpoints every 250 entries, days apart: the cadence they state says so (no missing-checkpoint finding).
        Checkpoint.Cadence cadence = new Checkpoint.Cadence(EVERY, Duration.ofDays(4000).toMillis());
        for (int i = 0; i < AGENTS; i++) {
            agents.add(ChainFixture.build(i == 2 ? "globex" : "acme", String.format(Locale.ROOT, "agent-%02d", i),
                    EVENTS, EVERY, KEY, null, T0, STEP_MICROS, cadence));
        }
        loader = new EvidenceLoader(stack.clickHouseJdbcUrl(), stack.clickHouseUser(), stack.clickHousePassword(), DB);
        loader.landSchema();
        loader.land(agents);
        Files.writeString(dir.resolve("checkpoint.vkey"), KEY.verifierKey().toVkey() + "\n");
        Files.writeString(dir.resolve("auditor.password"), stack.auditorPassword());
        // Tenant acme: 180 days minimum, 3 years maximum. No policy for globex.
        RetentionPruner.declare(loader.store(), "acme", "*", 180, 3 * 365, "dpo@acme", "retention schedule v1");
        // A legal hold on acme/agent-01's events that occurred before its seq 400's, placed a day ago: a LegalHold
        // event chained in the log acme/legal, whose legal_holds row the sink's mapper lands with it. The verifier
        // checks that row against the event (typed tables), so the hold the retention check reads is evidence.
        holdEnd = agents.get(1).events().get(400).occurredAtMicros();
        Instant placed = NOW.minus(Duration.ofDays(1));
        AuditEvent sample = SampleEvents.of(EventType.LEGAL_HOLD, "acme", "legal", 0);
        AuditEvent hold = AuditEvent.newBuilder(sample).setOccurredAt(placed).setPayload(LegalHold.newBuilder()
                .setHoldId("case-17").setAction(LegalHoldAction.PLACED).setTenant("acme").setAgentId("agent-01")
                .setPeriodStart(null).setPeriodEnd(Instant.EPOCH.plus(holdEnd, ChronoUnit.MICROS))
                .setBy("counsel@acme").setReason("litigation 17").setReference(null).build()).build();
        loader.land(List.of(ChainFixture.of("acme", "legal", List.of(hold), EVERY, KEY, placed, 1, cadence)));
    }

    @AfterAll
    static void close() {
        if (loader != null) {
            loader.close();
        }
    }

    private static String sql(Instant t) {
        return "fromUnixTimestamp64Micro(toInt64(" + ChronoUnit.MICROS.between(Instant.EPOCH, t) + "), 'UTC')";
    }

    private static long chainedMicros(long seq) {
        // ChainFixture: seq i is chained at t0 + i * step.
        return ChronoUnit.MICROS.between(Instant.EPOCH, T0) + seq * STEP_MICROS;
    }

    /** Entries of agent {@code i} chained before {@code cutoff} that the hold does not cover (agent 1 only). */
    private static long prunable(int i, Instant cutoff) {
        long c = ChronoUnit.MICROS.between(Instant.EPOCH, cutoff);
        return agents.get(i).events().stream().filter(e -> chainedMicros(e.row().seq()) < c
                && !RetentionPruner.NEVER_PRUNED.contains(e.eventType())
                && !(i == 1 && e.occurredAtMicros() < holdEnd)).count();
    }

    private static VerificationReport verifyAsAuditor() {
        try (EvidenceReader reader = EvidenceReader.connect(stack.clickHouseJdbcUrl(), stack.auditorUser(),
                stack.auditorPassword(), new EvidenceReader.Tables(DB + ".chained_events", DB + ".checkpoints",
                        DB + ".registry_schemas"))) {
            ChainVerifier v = ChainVerifier.of(CheckpointVerifier.of(KEY.verifierKey()), Optional.empty(),
                    reader.schemaFingerprints());
            return AuditRunner.run(reader, v, EvidenceReader.Selection.ALL, AuditRunner.SILENT, false);
        }
    }

    private static long rows(String sql) throws Exception {
        long[] n = {0};
        // Read as text: sums of cityHash64 are UInt64 and overflow a signed long about half of the time.
        loader.store().query(sql, rs -> {
            String v = rs.getString(1);
            n[0] = v == null ? 0 : Long.parseUnsignedLong(v);
        });
        return n[0];
    }

    @Test
    @Order(1)
    void pruningBlanksPayloadsPastTheMaximumKeepsChainColumnsAndHeldEntriesAndVerifyPasses() throws Exception {
        String chainBefore = "SELECT sum(cityHash64(tenant, agent_id, seq, prev_hash, hash, entry_version, chained_at,"
                + " schema_id, schema_fingerprint)) FROM " + DB + ".chained_events";
        long chainDigest = rows(chainBefore);
        // Every column by name: cityHash64(*) is NULL when a Nullable column is (timestamp_token), and a sum of
        // NULLs would compare equal before and after whatever happened.
        String checkpointsDigest = "SELECT sum(cityHash64(tenant, agent_id, tree_size, root_hash, head_seq, head_hash,"
                + " note, key_name, created_at, trigger, ifNull(timestamp_token, ''), record_bytes, kafka_partition,"
                + " kafka_offset, landed_at)) FROM " + DB + ".checkpoints";
        long checkpointDigest = rows(checkpointsDigest);
        assertThat(chainDigest).as("chain digest of a filled table").isNotZero();
        assertThat(checkpointDigest).as("checkpoint digest of a filled table").isNotZero();
        Instant cutoff = NOW.minus(Duration.ofDays(3 * 365));
        long expected = 0;
        for (int i = 0; i < AGENTS; i++) {
            expected += i == 2 ? 0 : prunable(i, cutoff);
        }
        assertThat(prunable(1, cutoff)).as("the hold keeps some entries past the maximum")
                .isLessThan(prunable(0, cutoff));

        String load = uptime();
        RetentionPruner.Result r = RetentionPruner.prune(loader.store(), "", NOW, false, "retention-it");
        String loadAfter = uptime();
        System.out.printf(Locale.ROOT, "[retention-it] pruned %d of %d events (%d typed rows) in %d ms: %.0f events/s"
                + " (%.0f rows of chained_events scanned/s); load %s -> %s%n", r.events(), (long) AGENTS * EVENTS,
                r.typedRows(), r.millis(), r.events() * 1000.0 / Math.max(1, r.millis()),
                AGENTS * (double) EVENTS * 1000.0 / Math.max(1, r.millis()), load, loadAfter);
        assertThat(r.events()).isEqualTo(expected);
        assertThat(r.holds()).extracting(LegalHolds.Hold::holdId).containsExactly("case-17");
        assertThat(r.typedRows()).isPositive();
        assertThat(rows("SELECT countIf(event_bytes = '') FROM " + DB + ".chained_events")).isEqualTo(expected);
        assertThat(rows("SELECT countIf(event_bytes = '') FROM " + DB + ".chained_events WHERE agent_id = 'agent-01'"
                + " AND toUnixTimestamp64Micro(occurred_at) < " + holdEnd)).as("held entries keep their payload").isZero();
        assertThat(rows("SELECT countIf(event_bytes = '') FROM " + DB + ".chained_events WHERE tenant = 'globex'"))
                .as("no policy, nothing pruned").isZero();
        assertThat(rows("SELECT countIf(summary != '') FROM " + DB + ".incidents WHERE chained_at < " + sql(cutoff)
                + " AND NOT (agent_id = 'agent-01' AND toUnixTimestamp64Micro(occurred_at) < " + holdEnd + ")"
                + " AND tenant = 'acme'"))
                .as("free text of pruned typed rows").isZero();
        assertThat(rows(chainBefore)).as("chain columns untouched").isEqualTo(chainDigest);
        assertThat(rows(checkpointsDigest)).as("checkpoints untouched").isEqualTo(checkpointDigest);
        assertThat(rows("SELECT count() FROM " + DB + ".retention_prunings WHERE run_id = '" + r.runId()
                + "' AND events_pruned = " + expected)).isEqualTo(1);

        VerificationReport report = verifyAsAuditor();
        assertThat(report.findings()).isEmpty();
        assertThat(report.retention().pruned()).isEqualTo(expected);
        assertThat(report.retention().pruned("acme", "agent-00")).isEqualTo(prunable(0, cutoff));
        assertThat(report.retention().holds()).hasSize(1);
        assertThat(report.agents()).hasSize(AGENTS + 1).allSatisfy(a -> assertThat(a.checkpointsVerified())
                .isEqualTo(a.agentId().equals("legal") ? 1 : EVENTS / EVERY));

        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new VerifyCommand());
        cl.setOut(new PrintWriter(out));
        int code = cl.execute("--jdbc-url", stack.clickHouseJdbcUrl(), "--user", stack.auditorUser(),
                "--password-file", dir.resolve("auditor.password").toString(), "--events-table",
                DB + ".chained_events", "--checkpoints-table", DB + ".checkpoints", "--schemas-table",
                DB + ".registry_schemas", "--key", dir.resolve("checkpoint.vkey").toString(), "--json");
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString()).contains("\"ok\":true", "\"pruned\":" + expected, "\"findings\":[]");

        RetentionPruner.Result again = RetentionPruner.prune(loader.store(), "", NOW, false, "retention-it");
        assertThat(again.events()).as("a second run finds nothing left").isZero();
        assertThat(again.typedRows()).isZero();
    }

    @Test
    @Order(2)
    void payloadRemovedOutsideAPolicyIsAFindingNamingTheEntry() throws Exception {
        // globex has no policy; acme/agent-03's seq near the end is days old; acme/agent-01's seq 5 is held.
        long young = EVENTS - 2;
        loader.store().execute("ALTER TABLE " + DB + ".chained_events UPDATE event_bytes = '' WHERE"
                + " (tenant = 'globex' AND agent_id = 'agent-02' AND seq = 5)"
                + " OR (tenant = 'acme' AND agent_id = 'agent-03' AND seq = " + young + ")"
                + " OR (tenant = 'acme' AND agent_id = 'agent-01' AND seq = 5) SETTINGS mutations_sync = 2");
        VerificationReport report = verifyAsAuditor();
        assertThat(report.findings()).extracting(Finding::tenant, Finding::agentId, Finding::seq, Finding::kind)
                .containsExactlyInAnyOrder(
                        tuple("acme", "agent-01", 5L, FindingKind.PRUNED_OUTSIDE_POLICY),
                        tuple("globex", "agent-02", 5L, FindingKind.PRUNED_OUTSIDE_POLICY),
                        tuple("acme", "agent-03", young, FindingKind.PRUNED_OUTSIDE_POLICY));
        assertThat(report.findings()).extracting(Finding::detail).anySatisfy(d -> assertThat(d)
                .contains("legal hold case-17")).anySatisfy(d -> assertThat(d)
                .contains("no retention policy covers tenant globex")).anySatisfy(d -> assertThat(d)
                .contains("younger than the 180 days"));
    }

    @Test
    @Order(3)
    void aHoldRowDeletedSoThatAPruningPassesIsAMissingRowOfItsChainedEvent() throws Exception {
        assertThat(verifyAsAuditor().findings()).extracting(Finding::tenant, Finding::agentId)
                .doesNotContain(tuple("acme", "legal"));
        loader.store().execute("ALTER TABLE " + DB + ".legal_holds DELETE WHERE hold_id = 'case-17'"
                + " SETTINGS mutations_sync = 2");
        VerificationReport report = verifyAsAuditor();
        assertThat(report.findings()).filteredOn(f -> f.agentId().equals("legal"))
                .extracting(Finding::tenant, Finding::seq, Finding::kind)
                .containsExactly(tuple("acme", 0L, FindingKind.MISSING_ROW));
        assertThat(report.findings()).filteredOn(f -> f.agentId().equals("legal")).extracting(Finding::detail)
                .containsExactly("the LegalHold event at this seq has no legal_holds row");
    }

    private static String uptime() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
