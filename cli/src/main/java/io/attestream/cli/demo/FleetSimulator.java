package io.attestream.cli.demo;

import static java.util.Objects.requireNonNull;

import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.ApprovalDecision;
import io.attestream.events.AuditEvent;
import io.attestream.events.ChangeKind;
import io.attestream.events.Decision;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.events.HumanOverride;
import io.attestream.events.IncidentRecord;
import io.attestream.events.IncidentStatus;
import io.attestream.events.Operation;
import io.attestream.events.OverrideAction;
import io.attestream.events.PolicyChange;
import io.attestream.events.RecordedBy;
import io.attestream.events.RiskDecision;
import io.attestream.events.RiskTier;
import io.attestream.events.RiskTreatment;
import io.attestream.events.Severity;
import io.attestream.events.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * A seeded, simulated fleet of AI agents: what a platform would publish over a stretch of time. The same seed gives
 * the same events (ids included), so a demo run can be repeated and its figures compared.
 *
 * <p>The fleet: {@code agentsPerTenant} agents in each tenant, each deployed as version 1 for the first half of the
 * period and version 2 for the second; mostly agent actions, then eval results, approvals, overrides, policy and
 * prompt changes (one in four without approver or ticket), one incident and one risk decision per tenant. One agent
 * ({@link #DEGRADED_TENANT}/{@link #DEGRADED_AGENT}) gets worse evals in version 2: the drift detector should
 * notice.
 */
public final class FleetSimulator {
    public static final List<String> TENANTS = List.of("acme", "globex", "initech");
    public static final String DEGRADED_TENANT = "acme";
    public static final String DEGRADED_AGENT = "refund-bot";
    /**
     * The agent of every tenant (with at least two agents) that shows the gaps an auditor looks for: never overridden,
     * version 2.0.0 deployed without any eval and without a risk decision, a prompt change without approver or
     * ticket, retrieval actions without any corpus change record, and a producer clock {@link #SKEW} ahead for the
     * middle three fifths of its events, then stepped back (events out of order).
     */
    public static final String GAPS_AGENT = "support-triage";
    /** How far {@link #GAPS_AGENT}'s clock runs ahead. */
    public static final Duration SKEW = Duration.ofMinutes(15);
    private static final List<String> AGENT_NAMES = List.of("refund-bot", "support-triage", "code-reviewer",
            "kyc-checker", "invoice-matcher", "sales-assistant", "hr-helpdesk");
    private static final List<String> TOOLS = List.of("refund_payment", "lookup_order", "send_email",
            "search_kb", "create_ticket", "run_sql");
    private static final RecordedBy RECORDED_BY = new RecordedBy("demo-host", "attestream-demo", "0.1.0");

    private final long seed;
    private final int agentsPerTenant;
    private final int eventsPerAgent;
    private final Instant start;
    private final Duration period;

    /**
     * @param seed            randomness seed
     * @param agentsPerTenant agents in each of the three tenants (at most 7)
     * @param eventsPerAgent  events each agent publishes over the period
     * @param start           occurredAt of the first event
     * @param period          time the events are spread over
     */
    public FleetSimulator(long seed, int agentsPerTenant, int eventsPerAgent, Instant start, Duration period) {
        if (agentsPerTenant < 1 || agentsPerTenant > AGENT_NAMES.size()) {
            throw new IllegalArgumentException("agentsPerTenant must be 1.." + AGENT_NAMES.size());
        }
        if (eventsPerAgent < 10) {
            throw new IllegalArgumentException("eventsPerAgent must be at least 10");
        }
        this.seed = seed;
        this.agentsPerTenant = agentsPerTenant;
        this.eventsPerAgent = eventsPerAgent;
        this.start = requireNonNull(start, "start");
        this.period = requireNonNull(period, "period");
    }

    /** The agents of the fleet as (tenant, agentId) pairs. */
    public List<String[]> agents() {
        List<String[]> out = new ArrayList<>();
        for (String tenant : TENANTS) {
            for (int a = 0; a < agentsPerTenant; a++) {
                out.add(new String[] {tenant, AGENT_NAMES.get(a)});
            }
        }
        return out;
    }

    /** Total number of events {@link #events()} returns. */
    public int size() {
        return agents().size() * eventsPerAgent;
    }

    /** Every event, interleaved across agents in occurredAt order per agent. */
    public List<AuditEvent> events() {
        List<List<AuditEvent>> perAgent = new ArrayList<>();
        for (String[] agent : agents()) {
            perAgent.add(agentEvents(agent[0], agent[1]));
        }
        List<AuditEvent> out = new ArrayList<>(size());
        for (int i = 0; i < eventsPerAgent; i++) {
            for (List<AuditEvent> events : perAgent) {
                out.add(events.get(i));
            }
        }
        return out;
    }

    private List<AuditEvent> agentEvents(String tenant, String agentId) {
        Random random = new Random(seed ^ (tenant + "/" + agentId).hashCode());
        boolean degraded = tenant.equals(DEGRADED_TENANT) && agentId.equals(DEGRADED_AGENT);
        boolean gaps = agentId.equals(GAPS_AGENT);
        boolean exemplary = agentId.equals(AGENT_NAMES.get(0));
        boolean retrieval = exemplary || gaps;
        int n = eventsPerAgent;
        List<AuditEvent> out = new ArrayList<>(n);
        long stepMicros = period.toNanos() / 1000 / n;
        long startMicros = start.getEpochSecond() * 1_000_000L + start.getNano() / 1000;
        for (int i = 0; i < n; i++) {
            boolean v2 = i >= n / 2;
            String version = v2 ? "2.0.0" : "1.0.0";
            long micros = startMicros + i * stepMicros + random.nextInt((int) Math.max(1, Math.min(stepMicros, 1000)));
            if (gaps && i >= n / 5 && i < n * 4 / 5) {
                // This producer's clock runs ahead, until a time sync steps it back: its events go out of order.
                micros += SKEW.toNanos() / 1000;
            }
            Object payload;
            if (i == 0) {
                // Acceptance evals of the deployed version before it acts.
                payload = eval(random, false);
            } else if (retrieval && i == 1) {
                payload = action(random, i, Operation.RETRIEVAL);
            } else if (exemplary && i == 2) {
                payload = change(ChangeKind.RETRIEVAL_CORPUS, "corpus:kb-" + tenant, "2026.10", "2026.11", i, true);
            } else if (gaps && i == n / 3) {
                payload = change(ChangeKind.PROMPT, "prompt:system-triage", "7", "8", i, false);
            } else if (i == n / 2) {
                payload = deployChange(agentId, tenant);
            } else if (i == n / 2 + 1 && !gaps) {
                payload = eval(random, degraded);
            } else if (i == n / 2 + 2 && !gaps) {
                payload = RiskDecision.newBuilder().setRiskId("RISK-" + tenant + "-" + agentId + "-2")
                        .setTreatment(RiskTreatment.ACCEPT).setRationale("2.0.0 passed its acceptance evals")
                        .setOwner("ciso@" + tenant).setLinkedChangeId(releaseTicket(agentId, tenant)).build();
            } else if (exemplary && i == n * 3 / 4) {
                payload = incident(tenant, agentId, i, null, IncidentStatus.DETECTED);
            } else if (exemplary && i == n * 3 / 4 + 1) {
                payload = HumanOverride.newBuilder().setOperator("operator0@example.com").setAction(OverrideAction.HALT)
                        .setReason("stopped refunds while INC-" + tenant + "-1 is open")
                        .setTargetEventId(uuid(tenant, agentId, i - 2).toString()).setTicket("INC-" + tenant + "-1")
                        .build();
            } else if (exemplary && i == n * 3 / 4 + 2) {
                payload = RiskDecision.newBuilder().setRiskId("RISK-" + tenant + "-1").setTreatment(RiskTreatment.MITIGATE)
                        .setRationale("refunds above 100 EUR now need a human approval").setOwner("ciso@" + tenant)
                        .setLinkedChangeId("CHG-" + tenant + "-approval-step").build();
            } else if (exemplary && i == n * 3 / 4 + 3) {
                payload = PolicyChange.newBuilder().setKind(ChangeKind.POLICY).setObjectId("policy:refund-approval")
                        .setFromVersion("3").setToVersion("4").setDiffDigest(sha256("diff-approval-" + tenant))
                        .setAuthor("dev@example.com").setApprover("lead@example.com")
                        .setChangeTicket("CHG-" + tenant + "-approval-step").setEffectiveAt(null).build();
            } else if (exemplary && i == n * 3 / 4 + 4) {
                payload = incident(tenant, agentId, i, IncidentStatus.DETECTED, IncidentStatus.CLOSED);
            } else if (degraded && i == n * 11 / 12) {
                payload = HumanOverride.newBuilder().setOperator("operator1@example.com")
                        .setAction(OverrideAction.ROLLBACK).setReason("accuracy dropped after 2.0.0 (drift alert)")
                        .setTargetEventId(null).setTicket("OPS-drift-" + tenant).build();
            } else if (degraded && random.nextInt(100) < 90) {
                // The degraded agent runs its eval suite often: enough values per hour for the drift tests.
                payload = eval(random, v2);
            } else {
                payload = routine(random, degraded && v2, i, gaps, gaps && v2, retrieval);
            }
            out.add(AuditEvent.newBuilder()
                    .setEventId(uuid(tenant, agentId, i))
                    .setTenant(tenant)
                    .setAgentId(agentId)
                    .setAgentVersion(version)
                    .setOccurredAt(Instant.EPOCH.plusNanos(micros * 1000))
                    .setRecordedBy(RECORDED_BY)
                    .setTraceId(String.format("%016x%016x", random.nextLong(), random.nextLong()))
                    .setSpanId(String.format("%016x", random.nextLong()))
                    .setSessionId("session-" + (i / 20))
                    .setControls(List.of())
                    .setPayload(payload)
                    .build());
        }
        return out;
    }

    private Object routine(Random random, boolean degradedEvals, int i, boolean neverOverridden, boolean noEvals,
                           boolean retrieval) {
        int roll = random.nextInt(100);
        if (roll < 70 || (noEvals && roll < 87)) {
            boolean tool = random.nextBoolean();
            return action(random, i, retrieval && random.nextInt(4) == 0 ? Operation.RETRIEVAL
                    : tool ? Operation.EXECUTE_TOOL : Operation.CHAT);
        } else if (roll < 87) {
            return eval(random, degradedEvals);
        } else if (roll < 94 || (neverOverridden && roll < 98)) {
            boolean rejected = random.nextInt(5) == 0;
            return ApprovalDecision.newBuilder().setRequestId("req-" + seed + "-" + i)
                    .setRequestedAction(TOOLS.get(random.nextInt(TOOLS.size())))
                    .setApprover("approver" + random.nextInt(4) + "@example.com")
                    .setDecision(rejected ? Decision.REJECTED : Decision.APPROVED)
                    .setRiskTier(RiskTier.values()[random.nextInt(4)])
                    .setReason(rejected ? "amount above limit" : "within policy")
                    .setShownDigest(sha256("shown-" + i)).build();
        } else if (roll < 98) {
            return HumanOverride.newBuilder().setOperator("operator" + random.nextInt(3) + "@example.com")
                    .setAction(OverrideAction.values()[random.nextInt(6)]).setReason("output looked wrong")
                    .setTargetEventId(null).setTicket(random.nextBoolean() ? "OPS-" + i : null).build();
        } else {
            return change(random.nextBoolean() ? ChangeKind.PROMPT : ChangeKind.POLICY,
                    "prompt:system-" + random.nextInt(3), String.valueOf(i), String.valueOf(i + 1), i, true);
        }
    }

    private AgentAction action(Random random, int i, Operation operation) {
        return AgentAction.newBuilder()
                .setOperation(operation)
                .setToolName(operation == Operation.EXECUTE_TOOL ? TOOLS.get(random.nextInt(TOOLS.size()))
                        : operation == Operation.RETRIEVAL ? "search_kb" : null)
                .setModel("gpt-4.1").setProvider("openai")
                .setInputDigest(sha256("in-" + seed + "-" + i + "-" + random.nextLong()))
                .setOutputDigest(sha256("out-" + seed + "-" + i + "-" + random.nextLong()))
                .setStatus(random.nextInt(50) == 0 ? ActionStatus.ERROR : ActionStatus.OK)
                .setLatencyMicros(50_000L + random.nextInt(2_000_000))
                .setInputTokens((long) 100 + random.nextInt(3000)).setOutputTokens((long) 10 + random.nextInt(800))
                .setAttributes(Map.of("region", random.nextBoolean() ? "eu-west-1" : "eu-central-1"))
                .build();
    }

    private static PolicyChange change(ChangeKind kind, String object, String from, String to, int i,
                                       boolean approved) {
        return PolicyChange.newBuilder().setKind(kind).setObjectId(object).setFromVersion(from).setToVersion(to)
                .setDiffDigest(sha256("diff-" + object + "-" + i)).setAuthor("dev@example.com")
                .setApprover(approved ? "lead@example.com" : null).setChangeTicket(approved ? "CHG-" + i : null)
                .setEffectiveAt(null).build();
    }

    private static EvalResult eval(Random random, boolean degraded) {
        double mean = degraded ? 0.80 : 0.90;
        double value = Math.max(0, Math.min(1, mean + random.nextGaussian() * 0.03));
        return EvalResult.newBuilder().setSuite("quality-regression").setEvalName("case-" + random.nextInt(500))
                .setMetric("accuracy").setValue(value).setLabel(value >= 0.85 ? "pass" : "fail")
                .setDatasetVersion("2026.11").setEvaluatorKind(EvaluatorKind.MODEL).setEvaluator("judge-v3").build();
    }

    private static PolicyChange deployChange(String agentId, String tenant) {
        return PolicyChange.newBuilder().setKind(ChangeKind.MODEL).setObjectId("agent:" + agentId)
                .setFromVersion("1.0.0").setToVersion("2.0.0").setDiffDigest(sha256("deploy-" + agentId))
                .setAuthor("release-bot").setApprover("release-manager@example.com")
                .setChangeTicket(releaseTicket(agentId, tenant)).setEffectiveAt(null).build();
    }

    private static String releaseTicket(String agentId, String tenant) {
        return "REL-" + tenant + "-" + agentId + "-2.0.0";
    }

    private IncidentRecord incident(String tenant, String agentId, int i, IncidentStatus from, IncidentStatus to) {
        return IncidentRecord.newBuilder().setIncidentId("INC-" + tenant + "-1").setSeverity(Severity.HIGH)
                .setStatusFrom(from).setStatusTo(to)
                .setSummary(to == IncidentStatus.CLOSED ? "refunds resume behind the approval step"
                        : agentId + " issued a refund twice")
                .setRelatedEventIds(List.of(uuid(tenant, agentId, from == null ? i - 1 : i - 5).toString())).build();
    }

    private UUID uuid(String tenant, String agentId, int i) {
        return UUID.nameUUIDFromBytes((seed + "/" + tenant + "/" + agentId + "/" + i).getBytes(StandardCharsets.UTF_8));
    }

    static Sha256 sha256(String text) {
        try {
            return new Sha256(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
