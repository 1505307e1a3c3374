package io.attestream.ingest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.runtime.ConfigSources;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class GatewayConfigPassThroughTest {
    private static Map<String, String> base() {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", "b1:9093");
        p.put("schema.registry.url", "https://registry/apis/ccompat/v7");
        p.put(GatewayConfig.API_KEYS_FILE_CONFIG, "/etc/attestream/keys.txt");
        return p;
    }

    @Test
    void securityKeysGoToTheProducerAndGatewayKeysDoNot() {
        Map<String, String> p = base();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", "SCRAM-SHA-512");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("ssl.truststore.location", "/t.p12");
        p.put("client.rack", "rack-c");
        p.put("producer.linger.ms", "20");
        p.put("basic.auth.user.info", "gw:pw");
        GatewayConfig c = new GatewayConfig(GatewayConfig.loader().load(ConfigSources.of(p)).values());
        Map<String, Object> producer = c.clientConfig().producerConfig();
        assertThat(producer).containsEntry("security.protocol", "SASL_SSL").containsKey("sasl.jaas.config")
                .containsEntry("ssl.truststore.location", "/t.p12").containsEntry("client.rack", "rack-c")
                .containsEntry("linger.ms", "20").containsEntry("acks", "all")
                .containsEntry("metadata.max.age.ms", 10_000)
                .doesNotContainKeys(GatewayConfig.API_KEYS_FILE_CONFIG, "schema.registry.url", "basic.auth.user.info",
                        "metrics.port", "client.buffer.max.events");
        assertThat(c.clientConfig().registryConfig().getPassword("basic.auth.user.info").value()).isEqualTo("gw:pw");
    }

    @Test
    void anUnprefixedProducerKeyIsNotOverriddenByTheGatewaysDefault() {
        Map<String, String> p = base();
        p.put("metadata.max.age.ms", "60000");
        GatewayConfig c = new GatewayConfig(GatewayConfig.loader().load(ConfigSources.of(p)).values());
        assertThat(c.clientConfig().producerConfig()).containsEntry("metadata.max.age.ms", "60000");
    }

    @Test
    void acksCannotBeLoweredEvenWithoutThePrefix() {
        Map<String, String> p = base();
        p.put("acks", "1");
        GatewayConfig c = new GatewayConfig(GatewayConfig.loader().load(ConfigSources.of(p)).values());
        assertThatThrownBy(c::clientConfig).isInstanceOf(ConfigException.class).hasMessageContaining("acks");
    }

    @Test
    void aMistypedGatewayKeyIsRejected() {
        Map<String, String> p = base();
        p.put("gateway.listen.prot", "8080");
        assertThatThrownBy(() -> GatewayConfig.loader().load(ConfigSources.of(p)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.listen.prot");
        assertThat(new GatewayConfig(p).unknownKeys()).containsExactly("gateway.listen.prot");
    }
}
