package io.attestream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.events.LegalHold;
import io.attestream.events.LegalHoldAction;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HoldCommandTest {
    @Test
    void placeBuildsALegalHoldWithScopePeriodAndWho() {
        HoldCommand.Options o = new HoldCommand.Options();
        o.holdId = "case-17";
        o.tenant = "acme";
        o.agent = "refund-bot";
        o.from = Instant.parse("2026-01-01T00:00:00Z");
        o.until = Instant.parse("2026-07-01T00:00:00Z");
        o.by = "counsel@acme";
        o.reason = "litigation 17";
        o.reference = "CASE-17";
        LegalHold h = HoldCommand.payload(o, LegalHoldAction.PLACED);
        assertThat(h.getHoldId()).isEqualTo("case-17");
        assertThat(h.getAction()).isEqualTo(LegalHoldAction.PLACED);
        assertThat(h.getTenant()).isEqualTo("acme");
        assertThat(h.getAgentId()).isEqualTo("refund-bot");
        assertThat(h.getPeriodStart()).isEqualTo(o.from);
        assertThat(h.getPeriodEnd()).isEqualTo(o.until);
        assertThat(h.getBy()).isEqualTo("counsel@acme");
        assertThat(h.getReference()).isEqualTo("CASE-17");
    }

    @Test
    void aPeriodThatEndsBeforeItStartsIsAUsageErrorAndSendsNothing() {
        StringWriter err = new StringWriter();
        CommandLine cl = AttestreamMain.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("hold", "place", "--bootstrap-servers", "127.0.0.1:1", "--registry-url",
                "http://127.0.0.1:1", "--hold-id", "h", "--tenant", "acme", "--by", "me", "--reason", "r",
                "--from", "2026-07-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--from 2026-07-01T00:00:00Z must be before --until");
    }

    @Test
    void liftNeedsTheHoldId() {
        StringWriter err = new StringWriter();
        CommandLine cl = AttestreamMain.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("hold", "lift", "--bootstrap-servers", "127.0.0.1:1", "--registry-url",
                "http://127.0.0.1:1", "--tenant", "acme", "--by", "me", "--reason", "r");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--hold-id");
    }
}
