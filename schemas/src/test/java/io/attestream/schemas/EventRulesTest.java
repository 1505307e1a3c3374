package io.attestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.schemas.EventRules.Violation;
import io.attestream.schemas.testing.SampleEvents;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventRulesTest {

    @Test
    void acceptsEverySampleEvent() {
        for (AuditEvent event : SampleEvents.oneOfEach("acme", "bot")) {
            assertThat(EventRules.violations(event)).as(event.toString()).isEmpty();
        }
    }

    @Test
    void namesTheFieldPathOfEachViolation() {
        AuditEvent event = AuditEvent.newBuilder(SampleEvents.of(EventType.EVAL_RESULT, "acme", "bot", 1))
                .setAgentId(" ").setTraceId("XYZ").setControls(List.of("A.8.15", "iso-27001")).build();
        ((EvalResult) event.getPayload()).setValue(Double.NaN);

        assertThat(EventRules.violations(event)).extracting(Violation::path)
                .containsExactly("agentId", "traceId", "controls[1]", "payload.EvalResult.value");
    }

    @Test
    void rejectsControlCharactersAndOverlongIds() {
        AuditEvent event = AuditEvent.newBuilder(SampleEvents.of(EventType.AGENT_ACTION, "acme", "bot", 1))
                .setTenant("acme\nevil").setAgentVersion("v".repeat(EventRules.MAX_ID_LENGTH + 1)).build();

        assertThat(EventRules.violations(event)).extracting(Violation::toString)
                .containsExactly("tenant: contains a control character at index 4",
                        "agentVersion: longer than 200 characters");
    }

    @Test
    void rejectsLoneSurrogatesAnywhereWithTheFieldPathAndAcceptsPairs() {
        AuditEvent action = SampleEvents.of(EventType.AGENT_ACTION, "acme", "bot", 1);
        AgentAction payload = AgentAction.newBuilder((AgentAction) action.getPayload()).setInlinePayload("x\udc00y")
                .setAttributes(Map.of("k", "ok \ud83d\ude00")).build();
        AuditEvent event = AuditEvent.newBuilder(action).setAgentId("agent-\ud800").setPayload(payload).build();

        List<Violation> violations = EventRules.violations(event);

        assertThat(violations).extracting(Violation::path)
                .containsExactlyInAnyOrder("agentId", "payload.AgentAction.inlinePayload");
        assertThat(violations).allSatisfy(v -> assertThat(v.message()).contains("lone UTF-16 surrogate"));
        assertThat(EventRules.loneSurrogate("a\ud83d\ude00b")).isEqualTo(-1);
        assertThat(EventRules.loneSurrogate("\ude00\ud83d")).isZero();
        assertThat(EventRules.loneSurrogate("ab\ud83d")).isEqualTo(2);
    }

    @Test
    void effectiveControlsDefaultPerType() {
        AuditEvent incident = SampleEvents.of(EventType.INCIDENT_RECORD, "acme", "bot", 1);
        assertThat(EventType.effectiveControls(incident)).contains("A.5.28", "A.5.24");
        AuditEvent tagged = AuditEvent.newBuilder(incident).setControls(List.of("A.8.16")).build();
        assertThat(EventType.effectiveControls(tagged)).containsExactly("A.8.16");
    }
}
