package io.attestream.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.runtime.ConfigSources;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class DriftConfigTest {
    private static Map<String, String> secured() {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", "b1:9093");
        p.put("schema.registry.url", "https://registry:8081/apis/ccompat/v7");
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", "SCRAM-SHA-512");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"d\" "
                + "password=\"p\";");
        p.put("ssl.truststore.location", "/etc/kafka/truststore.p12");
        p.put("ssl.truststore.password", "tpw");
        p.put("client.rack", "eu-west-1a");
        p.put("state.dir", "/var/lib/drift");
        return p;
    }

    @Test
    void securityAndClientKeysReachStreamsAndItsAdminClientUnchanged() {
        DriftConfig c = new DriftConfig(DriftConfig.loader().load(ConfigSources.of(secured())).values());
        Properties streams = c.streamsProperties();
        for (String key : new String[] {"security.protocol", "sasl.mechanism", "sasl.jaas.config",
            "ssl.truststore.location", "ssl.truststore.password", "client.rack", "state.dir"}) {
            assertThat(streams.get(key)).as(key).isEqualTo(secured().get(key));
        }
        assertThat(streams).doesNotContainKeys("schema.registry.url", "drift.window.size.ms", "metrics.port");
        assertThat(streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        Map<String, Object> admin = new StreamsConfig(streams).getAdminConfigs("drift-detector-admin");
        assertThat(admin).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism",
                "SCRAM-SHA-512").containsKey("sasl.jaas.config").containsEntry("ssl.truststore.location",
                "/etc/kafka/truststore.p12");
    }

    @Test
    void registryBasicAuthGoesToTheRegistryClientNotToKafka() {
        Map<String, String> p = secured();
        p.put("basic.auth.user.info", "drift:secret");
        DriftConfig c = new DriftConfig(DriftConfig.loader().load(ConfigSources.of(p)).values());
        assertThat(c.registryConfig().getPassword("basic.auth.user.info").value()).isEqualTo("drift:secret");
        assertThat(c.streamsProperties()).doesNotContainKey("basic.auth.user.info");
    }

    @Test
    void aMistypedDriftKeyIsRejected() {
        Map<String, String> p = secured();
        p.put("drift.window.size", "60000");
        assertThatThrownBy(() -> DriftConfig.loader().load(ConfigSources.of(p)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("drift.window.size");
    }
}
