package io.attestream.cli.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.events.AuditEvent;
import io.attestream.events.LegalHold;
import io.attestream.events.LegalHoldAction;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Erasure judges the chained LegalHold events by the rule pruning applies to the sink's legal_holds rows (one
 * code path: the sink's {@code LegalHolds.inForce}): chained time, not the producer's clock; any log; {@code *} for
 * every tenant; each PLACED event its own hold.
 */
class LegalHoldsTest {
    private static final Instant T = Instant.parse("2026-11-01T00:00:00Z");
    private static final long NOW = micros(T.plusSeconds(3600));

    private final List<StoredEvents.Row> rows = new ArrayList<>();

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    /** A LegalHold event in log {@code log} chained {@code chainedSeconds} after T, occurred {@code occurredSeconds}. */
    private void chain(String log, long chainedSeconds, long occurredSeconds, String holdId, LegalHoldAction action,
                       String tenant, String agentId) {
        String[] ta = log.split("/");
        LegalHold hold = LegalHold.newBuilder().setHoldId(holdId).setAction(action).setTenant(tenant)
                .setAgentId(agentId).setPeriodStart(null).setPeriodEnd(null).setBy("counsel@example.com")
                .setReason("case " + holdId).setReference(null).build();
        AuditEvent e = AuditEvent.newBuilder(SampleEvents.of(EventType.LEGAL_HOLD, ta[0], ta[1], rows.size()))
                .setOccurredAt(T.plusSeconds(occurredSeconds)).setPayload(hold).build();
        rows.add(new StoredEvents.Row(ta[0], ta[1], rows.size(), micros(T.plusSeconds(chainedSeconds)), e));
    }

    private List<String> inForce(String tenant) {
        return LegalHolds.inForce(rows, tenant, NOW).stream().map(LegalHolds.Hold::holdId).toList();
    }

    @Test
    void aHoldOnEveryTenantChainedInAnotherTenantsLogBlocksTheErasure() {
        chain("legal/counsel", 10, 10, "H-all", LegalHoldAction.PLACED, "*", null);
        assertThat(inForce("globex")).containsExactly("H-all");
        assertThat(LegalHolds.inForce(rows, "globex", NOW).get(0).agentId()).as("every agent").isNull();
    }

    @Test
    void aHoldOnAnotherTenantDoesNotBlock() {
        chain("legal/counsel", 10, 10, "H-acme", LegalHoldAction.PLACED, "acme", "refund-bot");
        assertThat(inForce("globex")).isEmpty();
        assertThat(inForce("acme")).containsExactly("H-acme");
        assertThat(LegalHolds.inForce(rows, "acme", NOW).get(0).covers("refund-bot", T, T)).isTrue();
        assertThat(LegalHolds.inForce(rows, "acme", NOW).get(0).covers("support-bot", T, T)).isFalse();
    }

    @Test
    void theChainedTimeOrdersPlaceAndLiftNotTheProducersClock() {
        // Lifted by an event whose producer clock says earlier, chained later: lifted.
        chain("acme/a", 10, 100, "H1", LegalHoldAction.PLACED, "acme", null);
        chain("acme/a", 20, 5, "H1", LegalHoldAction.LIFTED, "acme", null);
        // A lift chained before the place does not lift it, whatever its occurred time.
        chain("acme/b", 30, 1, "H2", LegalHoldAction.LIFTED, "acme", null);
        chain("acme/b", 40, 0, "H2", LegalHoldAction.PLACED, "acme", null);
        assertThat(inForce("acme")).containsExactly("H2");
    }

    @Test
    void aPlaceChainedAfterTheTimeJudgedIsNotInForceYet() {
        chain("acme/a", 7200, 0, "H-later", LegalHoldAction.PLACED, "acme", null);
        assertThat(inForce("acme")).isEmpty();
    }

    @Test
    void eventsOfOtherTypesAreIgnored() {
        AuditEvent other = SampleEvents.of(EventType.EVAL_RESULT, "acme", "a", 0);
        rows.add(new StoredEvents.Row("acme", "a", 0, micros(T), other));
        assertThat(inForce("acme")).isEmpty();
    }
}
