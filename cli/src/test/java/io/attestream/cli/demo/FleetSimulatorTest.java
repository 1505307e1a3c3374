package io.attestream.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
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
