package io.attestream.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo scenario at small scale on the real stack: chain, land, verify OK, detect the planted tampering. */
@ExtendWith(LocalStackExtension.class)
class DemoIT {

    @Test
    void demoChainsLandsVerifiesAndDetectsTampering(StackEndpoints stack, @TempDir Path dir) throws Exception {
        DemoCommand demo = new DemoCommand();
        CommandLine cli = new CommandLine(demo);
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        demo.agentsPerTenant = 2;
        demo.eventsPerAgent = 60;
        demo.timeout = Duration.ofMinutes(6);

        int code = demo.run(stack, dir, 1, 42, Instant.now());

        String text = out.toString();
        assertThat(code).as(text).isZero();
        assertThat(text).contains("all 420 events landed")
                .contains("attestream verify (all tenants) exit 0")
                .contains("attestream verify (tenant demo-tamper-1) exit 3")
                .contains("modified")
                .contains("demo-tamper-1/refund-bot seq 17");
    }
}
