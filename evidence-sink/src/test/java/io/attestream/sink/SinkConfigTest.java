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
    void keysTheSinkDoesNotOwnGoToTheConsumerUnchangedAndConsumerPrefixWins() {
        Map<String, Object> p = minimal();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("ssl.truststore.location", "/t.p12");
        p.put("client.rack", "rack-b");
        p.put("consumer.retry.backoff.ms", "50");
        p.put("basic.auth.user.info", "sink:pw");
        Map<String, Object> consumer = new SinkConfig(p).consumerOverrides();
        assertThat(consumer).containsEntry("security.protocol", "SASL_SSL").containsKey("sasl.jaas.config")
                .containsEntry("ssl.truststore.location", "/t.p12").containsEntry("client.rack", "rack-b")
                .containsEntry("retry.backoff.ms", "50")
                .doesNotContainKeys("clickhouse.url", "schema.registry.url", "basic.auth.user.info", "metrics.port",
                        "batch.max.rows", "group.id", "topics");
    }

    @Test
    void anUnprefixedIsolationLevelIsRefusedLikeThePrefixedOne() {
        Map<String, Object> p = minimal();
        p.put("isolation.level", "read_uncommitted");
        assertThatThrownBy(() -> new SinkConfig(p)).hasMessageContaining("isolation.level");
    }

    @Test
    void clickHousePasswordComesFromItsFileAndTheEnvironmentNamesIt() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("ch", ".pw");
        java.nio.file.Files.writeString(f, "from-file\n");
        Map<String, String> set = new HashMap<>();
        minimal().forEach((k, v) -> set.put(k, v.toString()));
        SinkConfig c = new SinkConfig(SinkConfig.loader().load(new io.attestream.runtime.ConfigSources(set,
                Map.of("ATTESTREAM_CLICKHOUSE_PASSWORD_FILE", f.toString()), null, null, false)).values());
        assertThat(c.getPassword(SinkConfig.CLICKHOUSE_PASSWORD_CONFIG).value()).isEqualTo("from-file");
        java.nio.file.Files.delete(f);
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
}
