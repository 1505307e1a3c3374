package io.attestream.deploy.stack.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.StackEndpoints;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddedStackTest {

    @Test
    void usesAnExternalStackNamedByEnvironmentWithoutStartingAnything() {
        try (EmbeddedStack s = EmbeddedStack.start(Map.of(
                StackEndpoints.ENV_KAFKA, "kafka.example:9092",
                StackEndpoints.ENV_REGISTRY, "http://registry.example:8081/apis/ccompat/v7",
                StackEndpoints.ENV_CLICKHOUSE, "http://clickhouse.example:8123"))) {
            assertThat(s.endpoints().bootstrapServers()).isEqualTo("kafka.example:9092");
            assertThat(s.endpoints().clickHouseUrl()).isEqualTo("http://clickhouse.example:8123");
        }
    }
}
