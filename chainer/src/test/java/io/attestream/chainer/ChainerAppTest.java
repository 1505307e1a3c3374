package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.Hash;
import io.attestream.integrity.TimestampAuthority;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChainerAppTest {
    @TempDir
    Path dir;

    private static Map<String, Object> config(String tsaMode) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", "localhost:9092");
        p.put("schema.registry.url", "http://localhost:8081");
        p.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, "/keys/chainer-2026a.key");
        p.put(ChainerConfig.TSA_MODE_CONFIG, tsaMode);
        return p;
    }

    /** The log line ChainerApp.timestampAuthority writes (slf4j-simple logs to System.err). */
    private static String stderrOf(Runnable r) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void choosingTheEmbeddedDevelopmentTsaWarnsThatItsTokensProveNothing() {
        EmbeddedTimestampAuthority.generate("t", Clock.systemUTC()).save(dir);
        Map<String, Object> p = config(ChainerConfig.TSA_MODE_EMBEDDED);
        p.put(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG, dir.toString());
        ChainerConfig config = new ChainerConfig(p);
        @SuppressWarnings("unchecked")
        Optional<TimestampAuthority>[] tsa = new Optional[1];
        String log = stderrOf(() -> tsa[0] = ChainerApp.timestampAuthority(config));
        assertThat(log).contains("WARN").contains("prove nothing to an auditor").contains(dir.toString())
                .contains("chainer.tsa.mode=url");
        assertThat(tsa[0]).isPresent();
        Hash h = Hash.sha256(new byte[] {1});
        assertThat(EmbeddedTimestampAuthority.load(dir, Clock.systemUTC()).verifier()
                .verify(tsa[0].orElseThrow().timestamp(h), h).imprint()).isEqualTo(h);
    }

    @Test
    void noWarningForAnIndependentTsa() {
        Map<String, Object> p = config(ChainerConfig.TSA_MODE_URL);
        p.put(ChainerConfig.TSA_URL_CONFIG, "http://127.0.0.1:1/");
        ChainerConfig config = new ChainerConfig(p);
        assertThat(stderrOf(() -> ChainerApp.timestampAuthority(config))).doesNotContain("prove nothing");
    }
}
