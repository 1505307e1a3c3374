package io.attestream.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

class LogIdPropertiesTest {

    private static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** What {@link LogId#of} throws for the pair, or null when it accepts it. */
    private static String refusal(Runnable r) {
        try {
            r.run();
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Property(tries = 1000)
    void checkRefusesExactlyWhatOfRefusesWithTheSameMessage(@ForAll @StringLength(max = 1100) String tenant,
            @ForAll @StringLength(max = 8) String agentId) {
        String expected = refusal(() -> LogId.of(tenant, agentId));
        assertThat(refusal(() -> LogId.check(tenant, agentId))).isEqualTo(expected);
        assertThat(refusal(() -> LogId.check(agentId, "\ud800"))).isEqualTo(refusal(() -> LogId.of(agentId, "\ud800")))
                .isNotNull();
    }

    @Property(tries = 500)
    void originSurvivesRoundTripAndStaysOneToken(@ForAll @StringLength(min = 1, max = 40) String tenant,
            @ForAll @StringLength(min = 1, max = 40) String agent) {
        Assume.that(wellFormed(tenant) && wellFormed(agent));
        LogId id = LogId.of(tenant, agent);
        String origin = id.origin();
        assertThat(origin).matches("attestream/[A-Za-z0-9._~%-]+/[A-Za-z0-9._~%-]+");
        assertThat(LogId.fromOrigin(origin)).isEqualTo(id);
    }

    @Property(tries = 500)
    void distinctLogsHaveDistinctGenesisAndOrigin(@ForAll @StringLength(min = 1, max = 6) String t1,
            @ForAll @StringLength(min = 1, max = 6) String a1, @ForAll @StringLength(min = 1, max = 6) String t2,
            @ForAll @StringLength(min = 1, max = 6) String a2) {
        Assume.that(wellFormed(t1) && wellFormed(a1) && wellFormed(t2) && wellFormed(a2));
        LogId x = LogId.of(t1, a1);
        LogId y = LogId.of(t2, a2);
        Assume.that(!x.equals(y));
        assertThat(x.genesisHash()).isNotEqualTo(y.genesisHash());
        assertThat(x.origin()).isNotEqualTo(y.origin());
    }
}
