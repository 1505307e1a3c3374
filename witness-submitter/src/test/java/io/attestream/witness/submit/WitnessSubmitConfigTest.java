package io.attestream.witness.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.runtime.ConfigSources;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class WitnessSubmitConfigTest {
    private static Map<String, String> base() {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", "b1:9093,b2:9093");
        p.put("schema.registry.url", "https://registry/apis/ccompat/v7");
        p.put(WitnessSubmitConfig.WITNESSES_CONFIG, "https://w1.example/=w1.vkey,https://w2.example/=w2.vkey");
        return p;
    }

    @Test
    void securityKeysReachTheKafkaClientsAndStageKeysDoNot() {
        Map<String, String> p = base();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.jaas.config", "x required;");
        p.put("basic.auth.user.info", "ws:pw");
        WitnessSubmitConfig c = new WitnessSubmitConfig(WitnessSubmitConfig.loader().load(ConfigSources.of(p))
                .values());
        assertThat(c.clientProps()).containsEntry("security.protocol", "SASL_SSL").containsKey("sasl.jaas.config")
                .containsEntry("bootstrap.servers", "b1:9093,b2:9093")
                .doesNotContainKeys(WitnessSubmitConfig.WITNESSES_CONFIG, "schema.registry.url", "basic.auth.user.info",
                        "metrics.port");
        assertThat(c.getList(WitnessSubmitConfig.WITNESSES_CONFIG)).hasSize(2);
    }

    @Test
    void backoffsMustBeOrderedAndAWitnessNamed() {
        Map<String, String> p = base();
        p.put(WitnessSubmitConfig.MIN_BACKOFF_MS_CONFIG, "5000");
        p.put(WitnessSubmitConfig.MAX_BACKOFF_MS_CONFIG, "1000");
        assertThatThrownBy(() -> new WitnessSubmitConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(WitnessSubmitConfig.MAX_BACKOFF_MS_CONFIG);
        Map<String, String> q = base();
        q.remove(WitnessSubmitConfig.WITNESSES_CONFIG);
        assertThatThrownBy(() -> new WitnessSubmitConfig(q)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(WitnessSubmitConfig.WITNESSES_CONFIG);
    }
}
