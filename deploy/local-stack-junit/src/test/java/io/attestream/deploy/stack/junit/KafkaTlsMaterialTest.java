package io.attestream.deploy.stack.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaTlsMaterialTest {

    @Test
    void brokerCertificateIsTrustedThroughTheTrustStoreAndNamesLoopback(@TempDir Path dir) throws Exception {
        KafkaTlsMaterial tls = KafkaTlsMaterial.generate(dir);

        KeyStore keys = load(tls.brokerKeyStore(), tls.password());
        assertThat(Collections.list(keys.aliases())).containsExactly("broker");
        assertThat(keys.getKey("broker", tls.password().toCharArray())).isNotNull();
        X509Certificate broker = (X509Certificate) keys.getCertificateChain("broker")[0];
        broker.verify(tls.ca().getPublicKey());
        List<Object> names = broker.getSubjectAlternativeNames().stream().map(n -> (Object) n.get(1)).toList();
        assertThat(names).containsExactlyInAnyOrder("127.0.0.1", "localhost");
        assertThat(broker.getBasicConstraints()).as("not a CA").isEqualTo(-1);

        KeyStore trust = load(tls.trustStore(), tls.password());
        assertThat(Collections.list(trust.aliases())).hasSize(1);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
        // Throws when the chain does not lead to the CA in the trust store.
        tm.checkServerTrusted(new X509Certificate[] {broker, tls.ca()}, "ECDHE_ECDSA");
    }

    @Test
    void everyRunHasItsOwnCaAndPassword(@TempDir Path dir) {
        KafkaTlsMaterial a = KafkaTlsMaterial.generate(dir.resolve("a"));
        KafkaTlsMaterial b = KafkaTlsMaterial.generate(dir.resolve("b"));
        assertThat(List.of(a.password(), a.ca().getSerialNumber()))
                .doesNotContainAnyElementsOf(List.of(b.password(), b.ca().getSerialNumber()));
    }

    private static KeyStore load(Path file, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }
}
