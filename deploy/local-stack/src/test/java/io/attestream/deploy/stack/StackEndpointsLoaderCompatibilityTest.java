package io.attestream.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.runtime.ConfigSources;
import io.attestream.runtime.LoadedConfig;
import io.attestream.runtime.StageConfigLoader;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stages' config loader (stage-runtime) reads the endpoints file `stack up` writes, at its default place. */
class StackEndpointsLoaderCompatibilityTest {
    @TempDir
    Path dir;

    @Test
    void everyStageReadsTheEndpointsStackUpWrites() {
        StackEndpoints endpoints = StackEndpoints.local(19092, 18081, 18123, "rw-secret", "ro-secret");
        Path file = dir.resolve(StackEndpoints.FILE_NAME);
        endpoints.store(file);

        LoadedConfig loaded = StageConfigLoader.forStage("sink").owning(new ConfigDef()
                        .define("clickhouse.password", ConfigDef.Type.PASSWORD, "", ConfigDef.Importance.HIGH, "pw"))
                .endpoints(StageConfigLoader.Endpoint.values())
                .load(new ConfigSources(Map.of(), Map.of(), null, file, true));

        assertThat(loaded.values()).containsOnly(
                Map.entry("bootstrap.servers", endpoints.bootstrapServers()),
                Map.entry("schema.registry.url", endpoints.registryUrl()),
                Map.entry("clickhouse.url", endpoints.clickHouseJdbcUrl()),
                Map.entry("clickhouse.user", endpoints.clickHouseUser()),
                Map.entry("clickhouse.password", "rw-secret"));
        assertThat(loaded.describe()).doesNotContain("rw-secret");
    }

    @Test
    void loaderKeysAndDefaultPlaceAreTheStacks() {
        assertThat(StageConfigLoader.ENDPOINTS_KAFKA_KEY).isEqualTo(StackEndpoints.KAFKA_BOOTSTRAP_KEY);
        assertThat(StageConfigLoader.ENDPOINTS_REGISTRY_KEY).isEqualTo(StackEndpoints.REGISTRY_URL_KEY);
        assertThat(StageConfigLoader.ENDPOINTS_CLICKHOUSE_JDBC_KEY).isEqualTo(StackEndpoints.CLICKHOUSE_JDBC_URL_KEY);
        assertThat(StageConfigLoader.ENDPOINTS_CLICKHOUSE_USER_KEY).isEqualTo(StackEndpoints.CLICKHOUSE_USER_KEY);
        assertThat(StageConfigLoader.ENDPOINTS_CLICKHOUSE_PASSWORD_KEY)
                .isEqualTo(StackEndpoints.CLICKHOUSE_PASSWORD_KEY);
        assertThat(StageConfigLoader.DEFAULT_ENDPOINTS_NAME).isEqualTo(StackEndpoints.FILE_NAME);
        assertThat(StageConfigLoader.DEFAULT_ENDPOINTS)
                .isEqualTo(StackConfig.DEFAULT_STACK_DIR.resolve(StackEndpoints.FILE_NAME));
    }
}
