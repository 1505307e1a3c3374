package io.attestream.cli.demo;

import static java.util.Objects.requireNonNull;

import io.attestream.cli.privacy.Erasure;
import io.attestream.cli.privacy.LegalHolds;
import io.attestream.cli.privacy.StoredEvents;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.LegalHold;
import io.attestream.events.LegalHoldAction;
import io.attestream.events.Operation;
import io.attestream.ingest.AuditClient;
import io.attestream.ingest.AuditClientConfig;
import io.attestream.sealing.EventOpener;
import io.attestream.sealing.FileKeyStore;
import io.attestream.sealing.LocalMasterKey;
import io.attestream.sealing.SealingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The demo's privacy part (docs/privacy.md): one agent's user prompts are sealed by the SDK under each customer's
 * key, an auditor with the key store reads them back from ClickHouse, one customer is erased (keys destroyed,
 * ErasureRecord chained), and afterwards that customer's prompts read ERASED while the chain still verifies.
 */
final class PrivacyDemo {
    static final String TENANT = "globex";
    static final String AGENT = "support-bot";
    static final int CUSTOMERS = 3;
    static final int PROMPTS_PER_CUSTOMER = 10;
    private static final String MARKER = "demo-prompt:";

    private final StackEndpoints stack;
    private final Path dir;
    private final long run;
    private final Consumer<String> note;
    private final Set<UUID> produced = new HashSet<>();
    private final Map<UUID, String> subjectOf = new HashMap<>();
    private FileKeyStore keys;

    PrivacyDemo(StackEndpoints stack, Path demoDir, long run, Consumer<String> note) {
        this.stack = requireNonNull(stack, "stack");
        this.dir = demoDir.resolve("privacy");
        this.run = run;
        this.note = requireNonNull(note, "note");
    }

    String customer(int k) {
        return "customer-" + run + "-" + k;
    }

    String erased() {
        return customer(2);
    }

    /** Publishes the prompts through the SDK with sealing on; returns how many. */
    int produce() throws Exception {
        Files.createDirectories(dir);
        Path master = dir.resolve("master.key");
        if (!Files.exists(master)) {
            LocalMasterKey.generate(master);
        }
        keys = new FileKeyStore(dir.resolve("keys"), LocalMasterKey.read(master), Duration.ZERO);
        Map<String, Object> config = new HashMap<>();
        config.put(AuditClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        config.put("schema.registry.url", stack.registryUrl());
        config.put(AuditClientConfig.SEAL_FIELDS_CONFIG, "payload.inlinePayload");
        config.put(AuditClientConfig.SEAL_KEYSTORE_DIR_CONFIG, dir.resolve("keys").toString());
        config.put(AuditClientConfig.SEAL_MASTER_KEY_FILE_CONFIG, master.toString());
        // Backdated like the fleet (its events span the last 7 h), so the report's clock check compares like with like.
        Instant t = Instant.now().minus(4, ChronoUnit.HOURS);
        List<CompletableFuture<?>> acks = new ArrayList<>();
        try (AuditClient client = AuditClient.create(config)) {
            for (int i = 0; i < PROMPTS_PER_CUSTOMER; i++) {
                for (int k = 1; k <= CUSTOMERS; k++) {
                    UUID id = UUID.randomUUID();
                    String prompt = MARKER + " I am " + customer(k) + ", please refund order " + (4000 + 10 * i + k)
                            + " to my card ending " + (1000 + 37 * k);
                    acks.add(client.event(TENANT, AGENT, "3.1.0").eventId(id).occurredAt(t.plusMillis(300L * acks.size()))
                            .subject(customer(k)).agentAction(AgentAction.newBuilder().setOperation(Operation.CHAT)
                                    .setModel("gpt-4.1").setProvider("openai").setInlinePayload(prompt)
                                    .setStatus(ActionStatus.OK).build()).send());
                    produced.add(id);
                    subjectOf.put(id, customer(k));
                }
            }
            client.flush();
            for (CompletableFuture<?> a : acks) {
                a.join();
            }
        }
        note.accept(String.format("agent %s/%s: %d user prompts of %d customers sealed by the SDK (seal.fields ="
                + " payload.inlinePayload, AES-256-GCM per customer key, keys in %s)", TENANT, AGENT, produced.size(),
                CUSTOMERS, dir.resolve("keys")));
        return produced.size();
    }

    /**
     * Reads the prompts back, erases one customer, reads them again.
     *
     * @return null when everything behaved as it must, else what went wrong
     */
    String showAndErase(Connection jdbc) throws Exception {
        try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery("SELECT count() FROM"
                + " attestream.chained_events WHERE tenant = '" + TENANT + "' AND agent_id = '" + AGENT + "' AND"
                + " position(event_bytes, '" + MARKER + "') > 0")) {
            rs.next();
            if (rs.getLong(1) != 0) {
                return rs.getLong(1) + " stored events hold a prompt in clear";
            }
        }
        note.accept("ClickHouse holds no prompt in clear (no stored event_bytes contains '" + MARKER + "')");
        StoredEvents events = new StoredEvents(jdbc, "attestream");
        Map<EventOpener.Status, Integer> before = open(events, null);
        note.accept("an auditor with the key store opens them: " + before);
        if (before.getOrDefault(EventOpener.Status.OPENED, 0) != produced.size()) {
            return "expected all " + produced.size() + " prompts to open, got " + before;
        }
        Map<String, Object> config = new HashMap<>();
        config.put(AuditClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        config.put("schema.registry.url", stack.registryUrl());
        config.put(AuditClientConfig.SPOOL_DIR_CONFIG, dir.resolve("erasure-spool").toString());
        Erasure.Result result;
        Erasure.Request request = new Erasure.Request(TENANT, erased(), "data subject request DSR-" + run
                + " (demo)", "dpo@globex.example", "GDPR Art. 17(1)(a)");
        try (AuditClient client = AuditClient.create(config)) {
            Erasure erasure = new Erasure(keys, jdbc, "attestream", LegalHolds.fromChain(events), client,
                    Duration.ofSeconds(30));
            try {
                erasure.erase(new Erasure.Request(TENANT, "nobody-" + run, "demo", "dpo@globex.example", null));
                return "erasing an unknown subject did not fail";
            } catch (Erasure.Refused expected) {
                note.accept("erase of an unknown subject: refused, nothing changed (" + expected.getMessage() + ")");
            }
            String holdId = "HOLD-demo-" + run;
            String problem = chainHold(jdbc, client, holdId, LegalHoldAction.PLACED);
            if (problem != null) {
                return problem;
            }
            try {
                erasure.erase(request);
                return "the erasure was not refused under the legal hold " + holdId;
            } catch (Erasure.Refused expected) {
                if (!expected.held()) {
                    return "the erasure under a legal hold was refused for another reason: " + expected.getMessage();
                }
                note.accept("legal hold " + holdId + " placed on " + TENANT + "/" + AGENT + " (chained): erase refused,"
                        + " nothing changed");
            }
            if (keys.keyIds(TENANT, keys.findSubjectDigest(TENANT, erased()).orElseThrow()).isEmpty()) {
                return "the refused erasure destroyed the keys";
            }
            problem = chainHold(jdbc, client, holdId, LegalHoldAction.LIFTED);
            if (problem != null) {
                return problem;
            }
            note.accept("legal hold " + holdId + " lifted (chained)");
            result = erasure.erase(request);
        }
        note.accept("attestream erase --tenant " + TENANT + " --subject " + erased() + ": destroyed key(s) " + result.keyIds()
                + " of subject digest " + result.subjectDigest().substring(0, 16) + "..., sealed events in "
                + result.affected().stream().map(a -> a.agentId() + " (" + a.events() + ")").toList()
                + "; ErasureRecord " + result.ack().eventId() + " sent to " + TENANT + "/" + Erasure.PRIVACY_AGENT);
        String landed = awaitLanded(jdbc, result.ack().eventId(), "the ErasureRecord");
        if (landed != null) {
            return landed;
        }
        note.accept("the ErasureRecord is chained and landed (event_type ErasureRecord on " + TENANT + "/"
                + Erasure.PRIVACY_AGENT + ")");
        FileKeyStore reopened = new FileKeyStore(dir.resolve("keys"),
                LocalMasterKey.read(dir.resolve("master.key")), Duration.ZERO);
        Map<EventOpener.Status, Integer> after = open(events, reopened);
        note.accept("read again with the key store: " + after + " (" + erased() + "'s " + PROMPTS_PER_CUSTOMER
                + " prompts are unrecoverable; the bytes and hashes are unchanged)");
        int erasedCount = after.getOrDefault(EventOpener.Status.ERASED, 0);
        int openedCount = after.getOrDefault(EventOpener.Status.OPENED, 0);
        if (erasedCount != PROMPTS_PER_CUSTOMER || openedCount != produced.size() - PROMPTS_PER_CUSTOMER) {
            return "after erasure expected " + PROMPTS_PER_CUSTOMER + " ERASED and the rest OPENED, got " + after;
        }
        return null;
    }

    /** One of the erased customer's events (to prove before the erasure and check after it). */
    UUID erasedCustomersEvent() {
        return subjectOf.entrySet().stream().filter(e -> e.getValue().equals(erased())).map(Map.Entry::getKey)
                .sorted().findFirst().orElseThrow();
    }

    private String chainHold(Connection jdbc, AuditClient client, String holdId, LegalHoldAction action)
            throws Exception {
        UUID id = UUID.randomUUID();
        client.event(TENANT, Erasure.PRIVACY_AGENT, Erasure.TOOL_VERSION).eventId(id).payload(LegalHold.newBuilder()
                .setHoldId(holdId).setAction(action).setTenant(TENANT).setAgentId(AGENT).setPeriodStart(null)
                .setPeriodEnd(null).setBy("counsel@globex.example").setReason("demo litigation hold")
                .setReference("CASE-" + run).build()).send().get(30, java.util.concurrent.TimeUnit.SECONDS);
        return awaitLanded(jdbc, id, "the LegalHold " + action);
    }

    private static String awaitLanded(Connection jdbc, UUID id, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery("SELECT count() FROM"
                    + " attestream.chained_events WHERE tenant = '" + TENANT + "' AND event_id = '" + id + "'")) {
                rs.next();
                if (rs.getLong(1) == 1) {
                    return null;
                }
            }
            if (System.nanoTime() > deadline) {
                return what + " did not land within 60 s";
            }
            Thread.sleep(500);
        }
    }

    private Map<EventOpener.Status, Integer> open(StoredEvents events, FileKeyStore store)
            throws SQLException, SealingException {
        EventOpener opener = new EventOpener(store != null ? store : keys);
        Map<EventOpener.Status, Integer> counts = new EnumMap<>(EventOpener.Status.class);
        for (StoredEvents.Row row : events.read(TENANT, AGENT, null)) {
            if (!produced.contains(row.event().getEventId())) {
                continue;
            }
            for (EventOpener.FieldResult f : opener.open(row.event()).fields()) {
                counts.merge(f.status(), 1, Integer::sum);
            }
        }
        return counts;
    }
}
