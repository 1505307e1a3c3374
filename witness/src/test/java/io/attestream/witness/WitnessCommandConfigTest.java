package io.attestream.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.SigningKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class WitnessCommandConfigTest {
    @TempDir
    Path dir;

    private int run(StringWriter out, StringWriter err, String... args) {
        return new CommandLine(new WitnessCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute(args);
    }

    @Test
    void theKeyFileComesFromTheFlagOrFromSetAlike() throws Exception {
        Path keyFile = dir.resolve("w1.key");
        SigningKey key = SigningKey.generate("w1", new SecureRandom());
        key.writePrivatePem(keyFile);
        String vkey = CosignerKey.of(key).toVkey();

        StringWriter out = new StringWriter();
        assertThat(run(out, new StringWriter(), "--no-endpoints", "--key", keyFile.toString(), "--print-vkey"))
                .isZero();
        assertThat(out.toString().strip()).isEqualTo(vkey);

        StringWriter viaSet = new StringWriter();
        assertThat(run(viaSet, new StringWriter(), "--no-endpoints", "--set", "witness.key.file=" + keyFile,
                "--print-vkey")).isZero();
        assertThat(viaSet.toString().strip()).isEqualTo(vkey);
    }

    @Test
    void aMistypedWitnessKeyIsAUsageError() {
        StringWriter err = new StringWriter();
        assertThat(run(new StringWriter(), err, "--no-endpoints", "--set", "witness.key.fil=x", "--print-vkey"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("witness.key.fil");
    }
}
