package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionPrunerTest {
    private static final long DAY = 86_400_000_000L;
    private static final long NOW = 2_000 * DAY;

    @Test
    void theMostSpecificPolicyApplies() {
        RetentionPruner.Policy any = new RetentionPruner.Policy("*", "*", 180, 1095, 0, "dpo");
        RetentionPruner.Policy type = new RetentionPruner.Policy("*", "AgentAction", 30, 60, 0, "dpo");
        RetentionPruner.Policy tenant = new RetentionPruner.Policy("acme", "*", 365, 3650, 0, "dpo");
        List<RetentionPruner.Policy> all = List.of(any, type, tenant);
        assertThat(RetentionPruner.applicable(all, "acme", "AgentAction")).isEqualTo(tenant);
        assertThat(RetentionPruner.applicable(all, "globex", "AgentAction")).isEqualTo(type);
        assertThat(RetentionPruner.applicable(all, "globex", "EvalResult")).isEqualTo(any);
        assertThat(RetentionPruner.applicable(List.of(type), "globex", "EvalResult")).isNull();
    }

    @Test
    void aPolicyNeedsMinAtMostMax() {
        assertThatThrownBy(() -> new RetentionPruner.Policy("acme", "*", 400, 365, 0, "dpo"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acme/*");
        assertThatThrownBy(() -> new RetentionPruner.Policy("acme", "*", 0, 0, 0, "dpo"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void predicateCutsAtMaxDaysLeavesMoreSpecificPoliciesTheirEntriesAndExcludesHolds() {
        RetentionPruner.Policy any = new RetentionPruner.Policy("*", "*", 180, 1095, 0, "dpo");
        RetentionPruner.Policy acme = new RetentionPruner.Policy("acme", "*", 180, 1500, 0, "dpo");
        LegalHolds.Hold hold = new LegalHolds.Hold("h1", "acme", "a1", 10 * DAY, null, NOW - DAY, "acme/holds seq 0");
        String p = RetentionPruner.predicate(List.of(any, acme), List.of(hold), NOW, "event_type");
        assertThat(p).isEqualTo("event_type NOT IN ('ErasureRecord', 'LegalHold') AND ("
                + "(1 AND chained_at < fromUnixTimestamp64Micro(toInt64(" + (NOW - 1095 * DAY) + "), 'UTC')"
                + " AND NOT (tenant = 'acme'))"
                + " OR ((tenant = 'acme') AND chained_at < fromUnixTimestamp64Micro(toInt64(" + (NOW - 1500 * DAY)
                + "), 'UTC'))) AND NOT ((tenant = 'acme' AND agent_id = 'a1' AND occurred_at >="
                + " fromUnixTimestamp64Micro(toInt64(" + (10 * DAY) + "), 'UTC')))");
        assertThat(RetentionPruner.predicate(List.of(), List.of(hold), NOW, "event_type")).isEqualTo("0");
    }

    @Test
    void quotesInPolicyScopesAreEscaped() {
        RetentionPruner.Policy odd = new RetentionPruner.Policy("a'b\\", "*", 1, 2, 0, "dpo");
        assertThat(RetentionPruner.predicate(List.of(odd), List.of(), NOW, "event_type"))
                .contains("tenant = 'a\\'b\\\\'");
    }

    @Test
    void aHoldIsInForceFromItsPlaceEventUntilALiftOfTheSameIdChainedAfterIt() {
        LegalHolds.HoldEvent place = new LegalHolds.HoldEvent("h1", "PLACED", "acme", "*", null, null, 100, "w0");
        LegalHolds.HoldEvent lift = new LegalHolds.HoldEvent("h1", "LIFTED", "acme", "*", null, null, 200, "w1");
        LegalHolds.HoldEvent otherLift = new LegalHolds.HoldEvent("h2", "LIFTED", "acme", "*", null, null, 150, "w2");
        LegalHolds.HoldEvent replace = new LegalHolds.HoldEvent("h1", "PLACED", "acme", "*", null, null, 300, "w3");
        List<LegalHolds.HoldEvent> events = List.of(place, lift, otherLift, replace);
        assertThat(LegalHolds.inForce(events, 99)).isEmpty();
        assertThat(LegalHolds.inForce(events, 150)).extracting(LegalHolds.Hold::where).containsExactly("w0");
        assertThat(LegalHolds.inForce(events, 250)).isEmpty();
        assertThat(LegalHolds.inForce(events, 300)).extracting(LegalHolds.Hold::where).containsExactly("w3");
    }

    @Test
    void aHoldCoversItsScopeAndPeriodOnly() {
        LegalHolds.Hold h = new LegalHolds.Hold("h", "acme", "*", 10L, 20L, 0, "w");
        assertThat(h.covers("acme", "any", 10)).isTrue();
        assertThat(h.covers("acme", "any", 19)).isTrue();
        assertThat(h.covers("acme", "any", 20)).as("period_end is exclusive").isFalse();
        assertThat(h.covers("globex", "any", 15)).isFalse();
        LegalHolds.Hold all = new LegalHolds.Hold("h", "*", "*", null, null, 0, "w");
        assertThat(all.covers("globex", "x", Long.MAX_VALUE)).isTrue();
        assertThat(all.sql()).isEqualTo("1");
    }
}
