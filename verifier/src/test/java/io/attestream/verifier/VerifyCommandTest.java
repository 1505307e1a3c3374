package io.attestream.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.SigningKey;
import io.attestream.verifier.internal.ReportOutput;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VerifyCommandTest {
    @TempDir
    Path dir;

    private static int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new VerifyCommand());
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void exitsTwoNamingTheOptionForUnusableOptionsBeforeConnecting() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "--jdbc-url", "jdbc:clickhouse:http://127.0.0.1:1/x", "--key",
                dir.resolve("missing.vkey").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--key");

        StringWriter err2 = new StringWriter();
        assertThat(run(err2, "--jdbc-url", "jdbc:clickhouse:http://127.0.0.1:1/x", "--key", "k.vkey",
                "--since", "2026-11-02T00:00:00Z", "--until", "2026-11-01T00:00:00Z")).isEqualTo(2);
        assertThat(err2.toString()).contains("--until");

        assertThat(run(new StringWriter(), "--key", "k.vkey")).isEqualTo(2);
    }

    @Test
    void exitsTwoForWitnessOptionsThatCannotBeMet() throws Exception {
        Path key = dir.resolve("k.vkey");
        Files.writeString(key, SigningKey.generate("k", new SecureRandom()).verifierKey().toVkey());
        Path w1 = dir.resolve("w1.vkey");
        Files.writeString(w1, io.attestream.integrity.CosignerKey.of(SigningKey.generate("w1", new SecureRandom()))
                .toVkey());
        String url = "jdbc:clickhouse:http://127.0.0.1:1/x";
        StringWriter noKey = new StringWriter();
        assertThat(run(noKey, "--jdbc-url", url, "--key", key.toString(), "--witness-quorum", "1")).isEqualTo(2);
        assertThat(noKey.toString()).contains("--witness-quorum needs --witness-key");
        StringWriter tooMany = new StringWriter();
        assertThat(run(tooMany, "--jdbc-url", url, "--key", key.toString(), "--witness-key", w1.toString(),
                "--witness-quorum", "2")).isEqualTo(2);
        assertThat(tooMany.toString()).contains("--witness-quorum must be 1 .. 1");
        StringWriter signerKey = new StringWriter();
        assertThat(run(signerKey, "--jdbc-url", url, "--key", key.toString(), "--witness-key", key.toString()))
                .isEqualTo(2);
        assertThat(signerKey.toString()).contains("--witness-key", "checkpoint signer key");
    }

    @Test
    void exitsTwoForATsaPolicyThatIsNotAnOid() throws Exception {
        Path key = dir.resolve("k.vkey");
        Files.writeString(key, SigningKey.generate("k", new SecureRandom()).verifierKey().toVkey());
        EmbeddedTimestampAuthority.generate("policy-test", Clock.systemUTC()).save(dir);
        String ca = dir.resolve("tsa-ca.crt").toString();
        for (String bad : List.of("1.2.3,4.5", "policy", "1.02.3", "3.1")) {
            StringWriter err = new StringWriter();
            assertThat(run(err, "--jdbc-url", "jdbc:clickhouse:http://127.0.0.1:1/x", "--key", key.toString(),
                    "--tsa-cert", ca, "--tsa-policy", bad)).as(bad).isEqualTo(2);
            assertThat(err.toString()).contains("--tsa-policy " + bad + " is not a dotted OID");
        }
    }

    @Test
    void exitsTwoForUnusableCoverageAndStateOptions() throws Exception {
        Path key = dir.resolve("k.vkey");
        Files.writeString(key, SigningKey.generate("k", new SecureRandom()).verifierKey().toVkey());
        String url = "jdbc:clickhouse:http://127.0.0.1:1/x";
        for (String bad : List.of("1000", "0:60000", "1000:-1", "a:b", "1000:60000:1")) {
            StringWriter err = new StringWriter();
            assertThat(run(err, "--jdbc-url", url, "--key", key.toString(), "--default-cadence", bad)).as(bad)
                    .isEqualTo(2);
            assertThat(err.toString()).contains("--default-cadence must be EVENTS:MS");
        }
        StringWriter neg = new StringWriter();
        assertThat(run(neg, "--jdbc-url", url, "--key", key.toString(), "--seal-slack", "-PT1M")).isEqualTo(2);
        assertThat(neg.toString()).contains("--seal-slack must not be negative");
        StringWriter state = new StringWriter();
        assertThat(run(state, "--jdbc-url", url, "--key", key.toString(), "--state", dir.resolve("s").toString(),
                "--since", "2026-11-01T00:00:00Z")).isEqualTo(2);
        assertThat(state.toString()).contains("--state needs whole logs");
    }

    @Test
    void exitsOneWhenClickHouseCannotBeReached() throws Exception {
        Path key = dir.resolve("k.vkey");
        Files.writeString(key, SigningKey.generate("k", new SecureRandom()).verifierKey().toVkey());
        StringWriter err = new StringWriter();
        assertThat(run(err, "--jdbc-url", "jdbc:clickhouse:http://127.0.0.1:1/default", "--key", key.toString(),
                "--schemas-table", "none")).isEqualTo(1);
        assertThat(err.toString()).contains("attestream verify:");
    }

    @Test
    void rendersEveryFindingWithAgentSeqAndKindInJsonAndText() {
        Finding f = new Finding("acme", "agent \"7\"", 41, FindingKind.UNKNOWN_KEY_CHECKPOINT, "signed by no trusted key");
        VerificationReport r = new VerificationReport(List.of(
                new AgentResult("acme", "agent \"7\"", 50, 50, 2, 1, 32, 1, 0, List.of(f), List.of(), null),
                new AgentResult("acme", "agent-8", 50, 50, 2, 2, 50, 2, 0, List.of(), List.of("CN=test TSA"), null)), 100, Duration.ofMillis(250));
        StringWriter json = new StringWriter();
        ReportOutput.json(r, json);
        assertThat(json.toString()).contains("\"ok\":false", "\"rows\":100",
                "{\"tenant\":\"acme\",\"agent_id\":\"agent \\\"7\\\"\",\"seq\":41,\"kind\":\"unknown-key-checkpoint\","
                        + "\"detail\":\"signed by no trusted key\"}");
        StringWriter text = new StringWriter();
        ReportOutput.human(r, new PrintWriter(text));
        assertThat(text.toString()).contains("unknown-key-checkpoint", "acme/agent \"7\" seq 41",
                "FAILED: 2 agent(s), 1 failing", "3/4 checkpoints verified").doesNotContain("agent-8:");
        assertThat(text.toString()).contains("timestamps trusted from TSA \"CN=test TSA\": 1 log(s): acme/agent-8");

        VerificationReport none = new VerificationReport(List.of(), 0, Duration.ZERO);
        assertThat(none.ok()).isFalse();
        StringWriter noneText = new StringWriter();
        ReportOutput.human(none, new PrintWriter(noneText));
        assertThat(noneText.toString()).startsWith("NO EVIDENCE: 0 agent(s)");
        StringWriter noneJson = new StringWriter();
        ReportOutput.json(none, noneJson);
        assertThat(noneJson.toString()).contains("\"ok\":false,\"no_evidence\":true");
    }
}
