package io.attestream.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WitnessOptionsTest {
    @TempDir
    Path dir;

    private static final SigningKey W1 = SigningKey.fromSeed("witness.test/w1", new byte[32]);
    private static final CosignerKey COSIGNER = CosignerKey.of(W1);

    @Test
    void readsAVkeyFileVkeyTextOrNameEqualsFile() throws Exception {
        Path vkey = dir.resolve("w1.vkey");
        Files.writeString(vkey, COSIGNER.toVkey() + "\n");
        Path pem = dir.resolve("w1.pub.pem");
        Files.writeString(pem, W1.verifierKey().toSpkiPem());
        assertThat(WitnessOptions.readKey(vkey.toString())).isEqualTo(COSIGNER);
        assertThat(WitnessOptions.readKey(COSIGNER.toVkey())).isEqualTo(COSIGNER);
        assertThat(WitnessOptions.readKey("witness.test/w1=" + vkey)).isEqualTo(COSIGNER);
        assertThat(WitnessOptions.readKey("witness.test/w1=" + COSIGNER.toVkey())).isEqualTo(COSIGNER);
        CosignerKey fromPem = WitnessOptions.readKey("witness.test/w1=" + pem);
        assertThat(fromPem.toVkey()).isEqualTo(COSIGNER.toVkey());
    }

    @Test
    void refusesNamingTheOptionAndTheProblem() throws Exception {
        Path vkey = dir.resolve("w1.vkey");
        Files.writeString(vkey, COSIGNER.toVkey() + "\n");
        Path pem = dir.resolve("w1.pub.pem");
        Files.writeString(pem, W1.verifierKey().toSpkiPem());
        Path signerVkey = dir.resolve("log.vkey");
        Files.writeString(signerVkey, W1.verifierKey().toVkey());
        assertThatThrownBy(() -> WitnessOptions.readKey("other=" + vkey))
                .hasMessageContaining("--witness-key other=").hasMessageContaining("named 'witness.test/w1'");
        assertThatThrownBy(() -> WitnessOptions.readKey(pem.toString())).hasMessageContaining("is a PEM key: pass it as NAME=");
        assertThatThrownBy(() -> WitnessOptions.readKey(signerVkey.toString()))
                .hasMessageContaining("it is a checkpoint signer key (type 0x01)");
        assertThatThrownBy(() -> WitnessOptions.readKey(dir.resolve("missing.vkey").toString()))
                .hasMessageContaining("--witness-key").hasMessageContaining("no such file");
    }
}
