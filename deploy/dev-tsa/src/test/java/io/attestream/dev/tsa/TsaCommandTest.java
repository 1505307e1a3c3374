package io.attestream.dev.tsa;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.integrity.Hash;
import io.attestream.integrity.HttpTimestampAuthority;
import io.attestream.integrity.TimestampVerifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TsaCommandTest {
    @TempDir
    Path tmp;

    @Test
    void generatesOnceThenServesTheSameIdentityAfterRestart() {
        Path dir = tmp.resolve("tsa");
        Hash h = Hash.sha256(new byte[] {5});
        byte[] first;
        try (EmbeddedTimestampAuthority.Server s = TsaCommand.start(dir, new InetSocketAddress("127.0.0.1", 0), "t",
                Clock.systemUTC())) {
            first = new HttpTimestampAuthority(s.uri(), Duration.ofSeconds(5), null).timestamp(h);
        }
        try (EmbeddedTimestampAuthority.Server s = TsaCommand.start(dir, new InetSocketAddress("127.0.0.1", 0), "t",
                Clock.systemUTC())) {
            byte[] second = new HttpTimestampAuthority(s.uri(), Duration.ofSeconds(5), null).timestamp(h);
            TimestampVerifier v = TimestampVerifier.builder()
                    .trustAnchor(TimestampVerifier.readCertificate(dir.resolve("tsa-ca.crt")))
                    .acceptPolicy(EmbeddedTimestampAuthority.DEFAULT_POLICY).build();
            assertThat(v.verify(first, h).imprint()).isEqualTo(h);
            assertThat(v.verify(second, h).imprint()).isEqualTo(h);
        }
    }

    @Test
    void failsWithExitCodeOneOnAnUnusableKeyFile() throws Exception {
        Files.writeString(tmp.resolve("tsa.key"), "not a key");
        Files.setPosixFilePermissions(tmp.resolve("tsa.key"), PosixFilePermissions.fromString("rw-------"));
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new TsaCommand()).setErr(new PrintWriter(err)).execute("--dir", tmp.toString());
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains("cannot load the embedded TSA from " + tmp);
    }

    @Test
    void helpDocumentsExitCodes() {
        StringWriter out = new StringWriter();
        assertThat(new CommandLine(new TsaCommand()).setOut(new PrintWriter(out)).execute("--help")).isEqualTo(0);
        assertThat(out.toString()).contains("Exit codes:").contains("--dir").contains("--port");
    }
}
