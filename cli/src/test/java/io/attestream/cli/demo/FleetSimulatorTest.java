package io.attestream.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.ChangeKind;
import io.attestream.events.EvalResult;
import io.attestream.events.HumanOverride;
import io.attestream.events.Operation;
import io.attestream.events.PolicyChange;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.EventType;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetSimulatorTest {
    private static final Instant START = Instant.parse("2026-11-20T08:00:00Z");

    private static FleetSimulator fleet(long seed) {
        return new FleetSimulator(seed, 7, 400, START, Duration.ofHours(4));
    }

    @Test
    void sameSeedGivesTheSameEvents() {
        assertThat(fleet(7).events()).isEqualTo(fleet(7).events());
        assertThat(fleet(7).events()).isNotEqualTo(fleet(8).events());
    }

    @Test
    void producesEveryTypeWithValidUniqueEvents() {
        List<AuditEvent> events = fleet(1).events();
        assertThat(events).hasSize(21 * 400);
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        Set<Object> ids = new HashSet<>();
        for (AuditEvent e : events) {
            assertThat(EventRules.violations(e)).as(e.toString()).isEmpty();
            types.add(EventType.of(e));
            ids.add(e.getEventId());
        }
        // What agent platforms publish; drift alerts, recoveries and baseline pins come from the pipeline itself.
        assertThat(types).containsExactlyInAnyOrder(EventType.AGENT_ACTION, EventType.EVAL_RESULT,
                EventType.HUMAN_OVERRIDE, EventType.APPROVAL_DECISION, EventType.POLICY_CHANGE,
                EventType.INCIDENT_RECORD, EventType.RISK_DECISION);
        assertThat(ids).hasSize(events.size());
    }

    @Test
    void someChangesLackAnApprover() {
        long unapproved = fleet(1).events().stream().filter(e -> e.getPayload() instanceof PolicyChange p
                && p.getApprover() == null).count();
        assertThat(unapproved).isPositive();
    }

    @Test
    void gapsAgentShowsEveryGapAndTheOthersNone() {
        List<AuditEvent> events = fleet(5).events();
        for (String tenant : FleetSimulator.TENANTS) {
            List<AuditEvent> gaps = agent(events, tenant, FleetSimulator.GAPS_AGENT);
            assertThat(gaps).noneMatch(e -> e.getPayload() instanceof HumanOverride);
            assertThat(gaps).noneMatch(e -> e.getPayload() instanceof EvalResult && e.getAgentVersion().equals("2.0.0"));
            assertThat(gaps).anyMatch(e -> e.getPayload() instanceof PolicyChange p && p.getKind() == ChangeKind.PROMPT
                    && p.getApprover() == null && p.getChangeTicket() == null);
            assertThat(gaps).anyMatch(e -> e.getPayload() instanceof AgentAction a
                    && a.getOperation() == Operation.RETRIEVAL);
            assertThat(gaps).noneMatch(e -> e.getPayload() instanceof PolicyChange p
                    && p.getKind() == ChangeKind.RETRIEVAL_CORPUS);
            assertThat(largestStepBack(gaps)).isGreaterThan(Duration.ofMinutes(10));

            List<AuditEvent> good = agent(events, tenant, "refund-bot");
            assertThat(largestStepBack(good)).isZero();
            assertThat(good).anyMatch(e -> e.getPayload() instanceof PolicyChange p
                    && p.getKind() == ChangeKind.RETRIEVAL_CORPUS);
            assertThat(good).allMatch(e -> !(e.getPayload() instanceof PolicyChange p) || p.getApprover() != null);
            for (String version : List.of("1.0.0", "2.0.0")) {
                List<AuditEvent> ofVersion = good.stream().filter(e -> e.getAgentVersion().equals(version)).toList();
                int firstEval = indexOf(ofVersion, EvalResult.class);
                int firstAction = indexOf(ofVersion, AgentAction.class);
                assertThat(firstEval).as(version).isNotNegative().isLessThan(firstAction);
            }
        }
    }

    private static List<AuditEvent> agent(List<AuditEvent> events, String tenant, String agent) {
        return events.stream().filter(e -> e.getTenant().equals(tenant) && e.getAgentId().equals(agent)).toList();
    }

    private static int indexOf(List<AuditEvent> events, Class<?> type) {
        for (int i = 0; i < events.size(); i++) {
            if (type.isInstance(events.get(i).getPayload())) {
                return i;
            }
        }
        return -1;
    }

    private static Duration largestStepBack(List<AuditEvent> events) {
        Duration largest = Duration.ZERO;
        for (int i = 1; i < events.size(); i++) {
            Duration step = Duration.between(events.get(i).getOccurredAt(), events.get(i - 1).getOccurredAt());
            largest = step.compareTo(largest) > 0 ? step : largest;
        }
        return largest;
    }

    @Test
    void degradedAgentScoresLowerInVersionTwo() {
        List<AuditEvent> events = fleet(3).events();
        double v1 = meanEval(events, "1.0.0");
        double v2 = meanEval(events, "2.0.0");
        assertThat(v1).isBetween(0.88, 0.92);
        assertThat(v2).isBetween(0.78, 0.82);
    }

    private static double meanEval(List<AuditEvent> events, String version) {
        return events.stream()
                .filter(e -> e.getTenant().equals(FleetSimulator.DEGRADED_TENANT)
                        && e.getAgentId().equals(FleetSimulator.DEGRADED_AGENT)
                        && e.getAgentVersion().equals(version) && e.getPayload() instanceof EvalResult)
                .mapToDouble(e -> ((EvalResult) e.getPayload()).getValue()).average().orElseThrow();
    }
}
