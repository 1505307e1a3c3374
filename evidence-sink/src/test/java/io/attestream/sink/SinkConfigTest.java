package io.attestream.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SinkConfigTest {
    private static Map<String, Object> minimal() {
        Map<String, Object> p = new HashMap<>();
        p.put(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        p.put(SinkConfig.REGISTRY_URL_CONFIG, "http://127.0.0.1:8081");
        p.put(SinkConfig.CLICKHOUSE_URL_CONFIG, "jdbc:clickhouse://127.0.0.1:8123");
        return p;
    }

    @Test
    void minimalConfigHasSafeDefaults() {
        SinkConfig c = new SinkConfig(minimal());
        assertThat(c.getString(SinkConfig.ERRORS_TOLERANCE_CONFIG)).isEqualTo("none");
        assertThat(c.getString(SinkConfig.CLICKHOUSE_DATABASE_CONFIG)).isEqualTo("attestream");
        assertThat(c.getList(SinkConfig.TOPICS_CONFIG)).containsExactlyElementsOf(SinkConfig.KNOWN_TOPICS);
        assertThat(c.registryConfig().getList("schema.registry.url")).containsExactly("http://127.0.0.1:8081");
    }

    @Test
    void consumerDetectsACrashedSinkWithinTheBrokersMinimumSessionTimeout() {
        // 6 s: the smallest session timeout a broker accepts by default (group.min.session.timeout.ms); Kafka's
        // consumer default, 45 s, kept a restarted sink idle for 41-45 s. Three heartbeats per session.
        assertThat(SinkConfig.CONSUMER_DEFAULTS).containsEntry("session.timeout.ms", 6_000)
                .containsEntry("heartbeat.interval.ms", 1_500);
        Map<String, Object> p = minimal();
        p.put("consumer.session.timeout.ms", "20000");
        assertThat(new SinkConfig(p).consumerOverrides()).containsEntry("session.timeout.ms", "20000");
    }

    @Test
    void requiredKeysAreNamedWhenMissing() {
        for (String key : new String[] {SinkConfig.BOOTSTRAP_SERVERS_CONFIG, SinkConfig.REGISTRY_URL_CONFIG,
            SinkConfig.CLICKHOUSE_URL_CONFIG}) {
            Map<String, Object> p = minimal();
            p.remove(key);
            assertThatThrownBy(() -> new SinkConfig(p)).isInstanceOf(ConfigException.class).hasMessageContaining(key);
        }
    }

    @Test
    void rejectsAnUnknownTopic() {
        Map<String, Object> p = minimal();
        p.put(SinkConfig.TOPICS_CONFIG, "attestream.events.chained,other");
        assertThatThrownBy(() -> new SinkConfig(p)).hasMessageContaining(SinkConfig.TOPICS_CONFIG);
    }

    @Test
    void rejectsANonJdbcClickHouseUrl() {
        Map<String, Object> p = minimal();
        p.put(SinkConfig.CLICKHOUSE_URL_CONFIG, "http://127.0.0.1:8123");
        assertThatThrownBy(() -> new SinkConfig(p)).hasMessageContaining(SinkConfig.CLICKHOUSE_URL_CONFIG);
    }

    @Test
    void rejectsReadUncommittedAndAutoCommit() {
        Map<String, Object> p = minimal();
        p.put("consumer.isolation.level", "read_uncommitted");
        assertThatThrownBy(() -> new SinkConfig(p)).hasMessageContaining("consumer.isolation.level");
        Map<String, Object> q = minimal();
        q.put("consumer.enable.auto.commit", "true");
        assertThatThrownBy(() -> new SinkConfig(q)).hasMessageContaining("consumer.enable.auto.commit");
    }

    @Test
    void rejectsBackoffMaxBelowBackoff() {
        Map<String, Object> p = minimal();
        p.put(SinkConfig.RETRY_BACKOFF_MS_CONFIG, "1000");
        p.put(SinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "10");
        assertThatThrownBy(() -> new SinkConfig(p)).hasMessageContaining(SinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG);
    }

    @Test
    void rejectsADatabaseThatIsNotAnIdentifier() {
        Map<String, Object> p = minimal();
        p.put(SinkConfig.CLICKHOUSE_DATABASE_CONFIG, "x; DROP TABLE y");
        assertThatThrownBy(() -> new SinkConfig(p)).hasMessageContaining(SinkConfig.CLICKHOUSE_DATABASE_CONFIG);
    }

    @Test
    void driverFlagsHaveTheirOldDefaultsAndNoServerSettingsOnOneServer() {
        assertThat(new SinkConfig(minimal()).clickHouseDriverProperties()).containsExactly(
                Map.entry("compress", "false"), Map.entry("beta.row_binary_for_simple_insert", "true"),
                Map.entry("socket_timeout", "300000"));
    }

    @Test
    void driverFlagsAreOverriddenByTheirKeysAndFurtherDriverPropertiesPassThrough() {
        Map<String, Object> p = minimal();
        p.put(SinkConfig.CLICKHOUSE_COMPRESS_CONFIG, "true");
        p.put(SinkConfig.CLICKHOUSE_ROW_BINARY_INSERT_CONFIG, "false");
        p.put(SinkConfig.CLICKHOUSE_SOCKET_TIMEOUT_MS_CONFIG, "60000");
        p.put(SinkConfig.CLICKHOUSE_JDBC_PREFIX + "ssl", "true");
        p.put(SinkConfig.CLICKHOUSE_SETTING_PREFIX + "max_insert_block_size", "100000");
        assertThat(new SinkConfig(p).clickHouseDriverProperties()).containsExactly(
                Map.entry("compress", "true"), Map.entry("beta.row_binary_for_simple_insert", "false"),
                Map.entry("socket_timeout", "60000"), Map.entry("ssl", "true"),
                Map.entry("clickhouse_setting_max_insert_block_size", "100000"));
    }

    @Test
    void onAClusterTheDurableInsertSettingsAreSentAndEachCanBeOverridden() {
        Map<String, Object> p = minimal();
        p.put(SinkConfig.CLICKHOUSE_CLUSTER_CONFIG, "audit");
        p.put(SinkConfig.CLICKHOUSE_SETTING_PREFIX + "insert_quorum", "2");
        assertThat(new SinkConfig(p).clickHouseDriverProperties()).contains(
                Map.entry("clickhouse_setting_insert_distributed_sync", "1"),
                Map.entry("clickhouse_setting_insert_quorum", "2"),
                Map.entry("clickhouse_setting_insert_quorum_parallel", "0"),
                Map.entry("clickhouse_setting_select_sequential_consistency", "1"));
    }

    @Test
    void onAClusterAsynchronousDistributedInsertsAreRefused() {
        for (String key : new String[] {"insert_distributed_sync", "distributed_foreground_insert"}) {
            Map<String, Object> p = minimal();
            p.put(SinkConfig.CLICKHOUSE_CLUSTER_CONFIG, "audit");
            p.put(SinkConfig.CLICKHOUSE_SETTING_PREFIX + key, "0");
            assertThatThrownBy(() -> new SinkConfig(p)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(SinkConfig.CLICKHOUSE_SETTING_PREFIX + key).hasMessageContaining("must stay 1");
        }
    }

    @Test
    void driverFlagsOwnedByAKeyAreRefusedInTheUrlAndUnderTheDriverPrefix() {
        Map<String, Object> url = minimal();
        url.put(SinkConfig.CLICKHOUSE_URL_CONFIG, "jdbc:clickhouse://127.0.0.1:8123?ssl=true&compress=true");
        assertThatThrownBy(() -> new SinkConfig(url)).hasMessageContaining(SinkConfig.CLICKHOUSE_URL_CONFIG)
                .hasMessageContaining(SinkConfig.CLICKHOUSE_COMPRESS_CONFIG);
        Map<String, Object> prefixed = minimal();
        prefixed.put(SinkConfig.CLICKHOUSE_JDBC_PREFIX + "socket_timeout", "5");
        assertThatThrownBy(() -> new SinkConfig(prefixed)).hasMessageContaining("clickhouse.jdbc.socket_timeout")
                .hasMessageContaining(SinkConfig.CLICKHOUSE_SOCKET_TIMEOUT_MS_CONFIG);
        Map<String, Object> setting = minimal();
        setting.put(SinkConfig.CLICKHOUSE_JDBC_PREFIX + "clickhouse_setting_insert_quorum", "2");
        assertThatThrownBy(() -> new SinkConfig(setting)).hasMessageContaining(SinkConfig.CLICKHOUSE_SETTING_PREFIX);
        Map<String, Object> badName = minimal();
        badName.put(SinkConfig.CLICKHOUSE_SETTING_PREFIX + "max threads", "2");
        assertThatThrownBy(() -> new SinkConfig(badName)).hasMessageContaining("not a ClickHouse setting name");
    }
}
