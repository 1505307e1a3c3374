package io.attestream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.ingest.internal.JsonEventMapper;
import io.attestream.sealing.EventOpener;
import io.attestream.sealing.FileKeyStore;
import io.attestream.sealing.LocalMasterKey;
import io.attestream.testing.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python client's sealer (ingest/python/attestream/sealing.py) and the JVM share one file key store: a key the
 * JVM created is reused by Python, a key Python created is read by the JVM, and an event sealed in Python opens in
 * the JVM after the gateway's JSON mapping. Needs python3-cryptography; skipped without, failing with CI=true.
 */
class PythonSealingInteropTest {
    private static final String PROMPT = "Ich bin Anna M\u00fcller, bitte erstatten";

    @TempDir
    Path dir;

    @Test
    void eventsSealedByThePythonClientOpenInTheJvmWithTheSameKeyStore() throws Exception {
        Path python = Files.isExecutable(Path.of("/usr/bin/python3")) ? Path.of("/usr/bin/python3")
                : ExternalTool.require("python3", "the Python client is Python");
        LocalMasterKey master = LocalMasterKey.generate(dir.resolve("master.key"));
        FileKeyStore jvm = new FileKeyStore(dir.resolve("keys"), master, Duration.ZERO);
        String javaKeyId = jvm.dataKeyFor("acme", "bob").keyId();
        String script = String.join("\n",
                "import json, sys",
                "sys.path.insert(0, sys.argv[1])",
                "import attestream",
                "from attestream import sealing",
                "store = sealing.FileKeyStore(sys.argv[2], sealing.LocalMasterKey(sys.argv[3]))",
                "sealer = sealing.Sealer(store, ['payload.inlinePayload'])",
                "out = []",
                "for subject in ('anna', 'bob'):",
                "    e = attestream.Event('acme', 'support-bot', '1.0', attestream.AgentAction(operation='CHAT',",
                "        status='OK', inline_payload=sys.argv[4] + ' ' + subject), subject=subject)",
                "    out.append(sealer.seal(e.to_json(), e.subject))",
                "print(json.dumps(out))");
        Path py = dir.resolve("seal.py");
        Files.writeString(py, script);
        Process p = new ProcessBuilder(python.toString(), py.toString(), Path.of("python").toAbsolutePath().toString(),
                dir.resolve("keys").toString(), dir.resolve("master.key").toString(), PROMPT)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        ExternalTool.requirePresent(!out.contains("No module named 'cryptography'"),
                "Python package cryptography (Debian python3-cryptography)", "the Python client's sealer uses it");
        assertThat(p.exitValue()).as(out).isZero();
        List<?> docs = new ObjectMapper().readValue(out, List.class);
        assertThat(docs).hasSize(2);
        EventOpener opener = new EventOpener(new FileKeyStore(dir.resolve("keys"), master, Duration.ZERO));
        for (int i = 0; i < 2; i++) {
            JsonEventMapper.Result mapped = JsonEventMapper.map(new ObjectMapper().valueToTree(docs.get(i)));
            assertThat(mapped.ok()).as(mapped.violations().toString()).isTrue();
            AuditEvent e = mapped.event();
            assertThat(((AgentAction) e.getPayload()).getInlinePayload()).isNull();
            EventOpener.Opened opened = opener.open(e);
            assertThat(opened.fields()).extracting(EventOpener.FieldResult::status)
                    .containsExactly(EventOpener.Status.OPENED);
            assertThat(((AgentAction) opened.event().getPayload()).getInlinePayload())
                    .isEqualTo(PROMPT + " " + (i == 0 ? "anna" : "bob"));
        }
        JsonEventMapper.Result bob = JsonEventMapper.map(new ObjectMapper().valueToTree(docs.get(1)));
        assertThat(bob.event().getSealed().get(0).getKeyId()).as("Python reuses the key the JVM created")
                .isEqualTo(javaKeyId);
        JsonEventMapper.Result anna = JsonEventMapper.map(new ObjectMapper().valueToTree(docs.get(0)));
        assertThat(jvm.dataKeyFor("acme", "anna").keyId()).as("the JVM reuses the key Python created")
                .isEqualTo(anna.event().getSealed().get(0).getKeyId());
    }
}
