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
        List<AuditEvent> out = new ArrayList<>(eventsPerAgent);
        long stepMicros = period.toNanos() / 1000 / eventsPerAgent;
        long startMicros = start.getEpochSecond() * 1_000_000L + start.getNano() / 1000;
        for (int i = 0; i < eventsPerAgent; i++) {
            boolean v2 = i >= eventsPerAgent / 2;
            String version = v2 ? "2.0.0" : "1.0.0";
            long micros = startMicros + i * stepMicros + random.nextInt((int) Math.max(1, Math.min(stepMicros, 1000)));
            Object payload;
            if (i == eventsPerAgent / 2) {
                payload = deployChange(random, agentId, i);
            } else if (agentId.equals(AGENT_NAMES.get(0)) && i == eventsPerAgent * 3 / 4) {
                payload = incident(tenant, agentId, i);
            } else if (agentId.equals(AGENT_NAMES.get(0)) && i == eventsPerAgent * 3 / 4 + 1) {
                payload = RiskDecision.newBuilder().setRiskId("RISK-" + tenant + "-1").setTreatment(RiskTreatment.MITIGATE)
                        .setRationale("refunds above 100 EUR now need a human approval").setOwner("ciso@" + tenant)
                        .setLinkedChangeId("CHG-" + tenant + "-approval-step").build();
            } else if (degraded && random.nextInt(100) < 90) {
                // The degraded agent runs its eval suite often: enough values per hour for the drift tests.
                payload = eval(random, v2);
            } else {
                payload = routine(random, degraded && v2, i);
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

    private Object routine(Random random, boolean degradedEvals, int i) {
        int roll = random.nextInt(100);
        if (roll < 70) {
            boolean tool = random.nextBoolean();
            return AgentAction.newBuilder()
                    .setOperation(tool ? Operation.EXECUTE_TOOL : Operation.CHAT)
                    .setToolName(tool ? TOOLS.get(random.nextInt(TOOLS.size())) : null)
                    .setModel("gpt-4.1").setProvider("openai")
                    .setInputDigest(sha256("in-" + seed + "-" + i + "-" + random.nextLong()))
                    .setOutputDigest(sha256("out-" + seed + "-" + i + "-" + random.nextLong()))
                    .setStatus(random.nextInt(50) == 0 ? ActionStatus.ERROR : ActionStatus.OK)
                    .setLatencyMicros(50_000L + random.nextInt(2_000_000))
                    .setInputTokens((long) 100 + random.nextInt(3000)).setOutputTokens((long) 10 + random.nextInt(800))
                    .setAttributes(Map.of("region", random.nextBoolean() ? "eu-west-1" : "eu-central-1"))
                    .build();
        } else if (roll < 87) {
            return eval(random, degradedEvals);
        } else if (roll < 94) {
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
            boolean unapproved = random.nextInt(4) == 0;
            return PolicyChange.newBuilder().setKind(random.nextBoolean() ? ChangeKind.PROMPT : ChangeKind.POLICY)
                    .setObjectId("prompt:system-" + random.nextInt(3)).setFromVersion(String.valueOf(i))
                    .setToVersion(String.valueOf(i + 1)).setDiffDigest(sha256("diff-" + i)).setAuthor("dev@example.com")
                    .setApprover(unapproved ? null : "lead@example.com")
                    .setChangeTicket(unapproved ? null : "CHG-" + i).setEffectiveAt(null).build();
        }
    }

    private static EvalResult eval(Random random, boolean degraded) {
        double mean = degraded ? 0.80 : 0.90;
        double value = Math.max(0, Math.min(1, mean + random.nextGaussian() * 0.03));
        return EvalResult.newBuilder().setSuite("quality-regression").setEvalName("case-" + random.nextInt(500))
                .setMetric("accuracy").setValue(value).setLabel(value >= 0.85 ? "pass" : "fail")
                .setDatasetVersion("2026.11").setEvaluatorKind(EvaluatorKind.MODEL).setEvaluator("judge-v3").build();
    }

    private static PolicyChange deployChange(Random random, String agentId, int i) {
        return PolicyChange.newBuilder().setKind(ChangeKind.MODEL).setObjectId("agent:" + agentId)
                .setFromVersion("1.0.0").setToVersion("2.0.0").setDiffDigest(sha256("deploy-" + agentId))
                .setAuthor("release-bot").setApprover(random.nextInt(3) == 0 ? null : "release-manager@example.com")
                .setChangeTicket("REL-" + i).setEffectiveAt(null).build();
    }

    private IncidentRecord incident(String tenant, String agentId, int i) {
        return IncidentRecord.newBuilder().setIncidentId("INC-" + tenant + "-1").setSeverity(Severity.HIGH)
                .setStatusFrom(null).setStatusTo(IncidentStatus.DETECTED)
                .setSummary(agentId + " issued a refund twice").setRelatedEventIds(List.of(uuid(tenant, agentId, i - 1)
                        .toString())).build();
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
