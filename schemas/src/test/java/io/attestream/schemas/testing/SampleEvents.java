package io.attestream.schemas.testing;

import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.ApprovalDecision;
import io.attestream.events.AuditEvent;
import io.attestream.events.BaselinePinned;
import io.attestream.events.DriftAlert;
import io.attestream.events.DriftRecovered;
import io.attestream.events.DriftReferenceKind;
import io.attestream.events.DriftSeverity;
import io.attestream.events.DriftTestResult;
import io.attestream.events.DriftWindow;
import io.attestream.events.ChangeKind;
import io.attestream.events.Decision;
import io.attestream.events.ErasureRecord;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.events.HumanOverride;
import io.attestream.events.IncidentRecord;
import io.attestream.events.IncidentStatus;
import io.attestream.events.LegalHold;
import io.attestream.events.LegalHoldAction;
import io.attestream.events.Operation;
import io.attestream.events.OverrideAction;
import io.attestream.events.PolicyChange;
import io.attestream.events.RecordedBy;
import io.attestream.events.RiskDecision;
import io.attestream.events.RiskTier;
import io.attestream.events.RiskTreatment;
import io.attestream.events.Severity;
import io.attestream.events.Sha256;
import io.attestream.schemas.EventType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Deterministic example events, one per payload type, shared by tests of every module (test-jar). */
public final class SampleEvents {
    public static final Instant T0 = Instant.parse("2026-11-01T09:00:00.123456Z");

    private SampleEvents() {
    }

    /** One event of {@code type} for agent {@code agentId}; {@code n} varies ids, digests and time. */
    public static AuditEvent of(EventType type, String tenant, String agentId, int n) {
        return AuditEvent.newBuilder()
                .setEventId(UUID.nameUUIDFromBytes((tenant + "/" + agentId + "/" + type + "/" + n)
                        .getBytes(StandardCharsets.UTF_8)))
                .setTenant(tenant)
                .setAgentId(agentId)
                .setAgentVersion("1.4.2")
                .setOccurredAt(T0.plusMillis(n))
                .setRecordedBy(new RecordedBy("host-" + (n % 3), "attestream-java", "0.1.0"))
                .setTraceId(n % 2 == 0 ? String.format("%032x", n + 1) : null)
                .setSpanId(n % 2 == 0 ? String.format("%016x", n + 1) : null)
                .setControls(List.of())
                .setPayload(payload(type, n))
                .build();
    }

    /** Every payload type once, for {@code agentId}. */
    public static List<AuditEvent> oneOfEach(String tenant, String agentId) {
        return Arrays.stream(EventType.values()).map(t -> of(t, tenant, agentId, t.ordinal())).toList();
    }

    public static Sha256 sha256(String text) {
        try {
            return new Sha256(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String uuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static DriftWindow driftWindow(String version, long startSeconds, int n) {
        return new DriftWindow(version, T0.plusSeconds(startSeconds), T0.plusSeconds(startSeconds + 3600), 200L,
                10L * n, 10L * n + 399);
    }

    private static Object payload(EventType type, int n) {
        switch (type) {
            case AGENT_ACTION:
                return AgentAction.newBuilder().setOperation(Operation.EXECUTE_TOOL).setToolName("refund_payment")
                        .setModel("gpt-4.1").setProvider("openai").setInputDigest(sha256("in" + n))
                        .setOutputDigest(sha256("out" + n)).setInlinePayload(n % 5 == 0 ? "{\"amount\":12}\n\nok" : null)
                        .setStatus(ActionStatus.OK).setLatencyMicros(1_200L + n).setInputTokens(310L)
                        .setOutputTokens(42L).setAttributes(Map.of("region", "eu-west-1")).build();
            case EVAL_RESULT:
                return EvalResult.newBuilder().setSuite("safety-regression").setEvalName("refusal-" + n)
                        .setMetric("accuracy").setValue(0.9 + (n % 10) / 100.0).setLabel(null).setDatasetVersion("2026.10")
                        .setEvaluatorKind(EvaluatorKind.MODEL).setEvaluator("judge-v3").build();
            case HUMAN_OVERRIDE:
                return HumanOverride.newBuilder().setOperator("alice@example.com").setAction(OverrideAction.HALT)
                        .setReason("refund above limit").setTargetEventId(UUID.nameUUIDFromBytes(("target" + n).getBytes(StandardCharsets.UTF_8)).toString())
                        .setTicket("OPS-" + n).build();
            case APPROVAL_DECISION:
                return ApprovalDecision.newBuilder().setRequestId("req-" + n).setRequestedAction("refund_payment")
                        .setApprover("bob@example.com").setDecision(Decision.APPROVED).setRiskTier(RiskTier.HIGH)
                        .setReason("verified customer").setShownDigest(sha256("shown" + n)).build();
            case POLICY_CHANGE:
                return PolicyChange.newBuilder().setKind(ChangeKind.PROMPT).setObjectId("prompt:refund-system")
                        .setFromVersion("7").setToVersion("8").setDiffDigest(sha256("diff" + n)).setAuthor("carol")
                        .setApprover(n % 2 == 0 ? "dave" : null).setChangeTicket(n % 2 == 0 ? "CHG-" + n : null)
                        .setEffectiveAt(T0.plusSeconds(60)).build();
            case INCIDENT_RECORD:
                return IncidentRecord.newBuilder().setIncidentId("INC-" + n).setSeverity(Severity.HIGH)
                        .setStatusFrom(IncidentStatus.DETECTED).setStatusTo(IncidentStatus.CONTAINED)
                        .setSummary("agent issued refunds twice").setRelatedEventIds(List.of("e1", "e2")).build();
            case RISK_DECISION:
                return RiskDecision.newBuilder().setRiskId("RISK-" + n).setTreatment(RiskTreatment.MITIGATE)
                        .setRationale("add approval step above 100 EUR").setOwner("ciso").setLinkedChangeId("CHG-7")
                        .build();
            case DRIFT_ALERT:
                return DriftAlert.newBuilder().setEpisodeId(uuid("episode" + n)).setTenant("acme").setAgentId("bot")
                        .setSuite("safety-regression").setMetric("accuracy")
                        .setReferenceKind(DriftReferenceKind.PREVIOUS_VERSION).setTest("welch-t").setStatistic(-6.1)
                        .setPValue(2.4e-9).setEffectSize(0.61).setEffectFloor(0.2).setAlpha(0.005 / 3)
                        .setFamilySize(1).setSeverity(DriftSeverity.WARNING).setEarly(false)
                        .setCurrent(driftWindow("1.4.2", 3600, n)).setReference(driftWindow("1.4.1", 0, 0))
                        .setTests(List.of(new DriftTestResult("welch-t", -6.1, 2.4e-9, 0.61, 0.2, true),
                            new DriftTestResult("psi", 0.31, null, 0.31, 0.25, false)))
                        .build();
            case DRIFT_RECOVERED:
                return DriftRecovered.newBuilder().setEpisodeId(uuid("episode" + n)).setTenant("acme").setAgentId("bot")
                        .setSuite("safety-regression").setMetric("accuracy")
                        .setReferenceKind(DriftReferenceKind.PREVIOUS_VERSION).setCurrent(driftWindow("1.4.2", 7200, n))
                        .setReference(driftWindow("1.4.1", 0, 0)).setWindowsInEpisode(1).build();
            case BASELINE_PINNED:
                return BaselinePinned.newBuilder().setSuite("safety-regression").setMetric(n % 2 == 0 ? null : "accuracy")
                        .setBaselineAgentVersion("1.4.1").setPinnedBy("erin@example.com").setReason("CHG-" + n).build();
            case ERASURE_RECORD:
                return ErasureRecord.newBuilder().setSubjectDigest(sha256("subject" + n))
                        .setKeyIds(List.of(uuid("key" + n))).setRequestedBy("dpo@example.com")
                        .setReason("data subject request DSR-" + n).setLegalBasis("GDPR Art. 17(1)(a)")
                        .setAffectedAgents(List.of("refund-bot")).setKeyStore("file").build();
            case LEGAL_HOLD:
                return LegalHold.newBuilder().setHoldId("HOLD-" + n).setAction(LegalHoldAction.PLACED)
                        .setTenant("acme").setAgentId(n % 2 == 0 ? null : "refund-bot").setPeriodStart(T0)
                        .setPeriodEnd(n % 2 == 0 ? null : T0.plusSeconds(86_400)).setBy("counsel@example.com")
                        .setReason("litigation hold").setReference("CASE-" + n).build();
            default:
                throw new IllegalArgumentException("unknown type " + type);
        }
    }
}
