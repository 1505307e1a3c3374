package io.attestream.chainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.chainer.DeadLetterReason.FailureMode;
import io.attestream.runtime.ConfigSources;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ChainerConfigTest {
    private static Map<String, Object> minimal() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", "localhost:9092");
        p.put("schema.registry.url", "http://localhost:8081");
        p.put(ChainerConfig.SIGNING_KEY_FILE_CONFIG, "/keys/chainer-2026a.key");
        return p;
    }

    private static Map<String, Object> with(String key, Object value) {
        Map<String, Object> p = minimal();
        p.put(key, value);
        return p;
    }

    @Test
    void defaultsToDeadLetterForEveryReasonAndExactlyOnce() {
        ChainerConfig c = new ChainerConfig(minimal());
        for (DeadLetterReason r : DeadLetterReason.values()) {
            assertThat(c.failureMode(r)).isEqualTo(FailureMode.DEAD_LETTER);
        }
        Properties streams = c.streamsProperties();
        assertThat(streams.getProperty("processing.guarantee")).isEqualTo("exactly_once_v2");
        assertThat(streams.getProperty("application.id")).isEqualTo("attestream-chainer");
        assertThat(streams).doesNotContainKeys(ChainerConfig.SIGNING_KEY_FILE_CONFIG, "schema.registry.url");
        assertThat(c.signingKeyName()).isEqualTo("chainer-2026a");
        assertThat(c.tsaMode()).isEqualTo("none");
    }

    @Test
    void passesUnknownKeysToKafkaStreams() {
        assertThat(new ChainerConfig(with("state.dir", "/var/lib/x")).streamsProperties().getProperty("state.dir"))
                .isEqualTo("/var/lib/x");
    }

    @Test
    void passesSecurityKeysToStreamsAndItsAdminButNotTheProbeKeys() {
        Map<String, Object> p = minimal();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", "SCRAM-SHA-512");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("ssl.truststore.location", "/t.p12");
        p.put("client.rack", "rack-a");
        p.put("admin.retries", "3");
        p.put(ChainerConfig.METRICS_PORT_CONFIG, "9500");
        p.put("basic.auth.user.info", "chainer:pw");
        Properties streams = new ChainerConfig(p).streamsProperties();
        assertThat(streams).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism",
                "SCRAM-SHA-512").containsKey("sasl.jaas.config").containsEntry("ssl.truststore.location", "/t.p12")
                .containsEntry("client.rack", "rack-a")
                .doesNotContainKeys(ChainerConfig.METRICS_PORT_CONFIG, "basic.auth.user.info");
        Map<String, Object> admin = new StreamsConfig(streams).getAdminConfigs("chainer-admin");
        assertThat(admin).containsEntry("security.protocol", "SASL_SSL").containsEntry("retries", "3")
                .containsKey("sasl.jaas.config");
    }

    @Test
    void theLoaderRejectsAMistypedChainerKey() {
        Map<String, String> p = new HashMap<>();
        p.put("chainer.checkpoint.every.event", "10");
        assertThatThrownBy(() -> ChainerConfig.loader().load(ConfigSources.of(p)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("chainer.checkpoint.every.event");
    }

    @Test
    void detectsACrashedInstanceWithinSixSecondsUnlessTheSessionTimeoutIsSet() {
        Properties streams = new ChainerConfig(minimal()).streamsProperties();
        assertThat(streams.getProperty("session.timeout.ms")).isEqualTo("6000");
        assertThat(streams.getProperty("heartbeat.interval.ms")).isEqualTo("1500");
        Map<String, Object> p = with("session.timeout.ms", "20000");
        p.put("heartbeat.interval.ms", "5000");
        Properties set = new ChainerConfig(p).streamsProperties();
        assertThat(set.getProperty("session.timeout.ms")).isEqualTo("20000");
        assertThat(set.getProperty("heartbeat.interval.ms")).isEqualTo("5000");
    }

    @Test
    void resumesFromItsOwnStateAfterACrashWithTransactionalStoresUnlessTurnedOff() {
        assertThat(new ChainerConfig(minimal()).streamsProperties().getProperty("enable.transactional.statestores"))
                .isEqualTo("true");
        assertThat(new ChainerConfig(with("enable.transactional.statestores", "false")).streamsProperties()
                .getProperty("enable.transactional.statestores")).isEqualTo("false");
    }

    @Test
    void rejectsAnyGuaranteeButExactlyOnceV2() {
        assertThatThrownBy(() -> new ChainerConfig(with("processing.guarantee", "at_least_once")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("processing.guarantee");
    }

    @Test
    void rejectsExceptionHandlersThatWouldSkipRecords() {
        assertThatThrownBy(() -> new ChainerConfig(with("processing.exception.handler",
                "org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("processing.exception.handler");
    }

    @Test
    void requiresTheSigningKeyFile() {
        Map<String, Object> p = minimal();
        p.remove(ChainerConfig.SIGNING_KEY_FILE_CONFIG);
        assertThatThrownBy(() -> new ChainerConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(ChainerConfig.SIGNING_KEY_FILE_CONFIG);
    }

    @Test
    void requiresTheRegistryUrl() {
        Map<String, Object> p = minimal();
        p.remove("schema.registry.url");
        assertThatThrownBy(() -> new ChainerConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void embeddedTsaNeedsItsDirectoryAndUrlModeItsUrl() {
        assertThatThrownBy(() -> new ChainerConfig(with(ChainerConfig.TSA_MODE_CONFIG, "embedded")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(ChainerConfig.TSA_EMBEDDED_DIR_CONFIG);
        assertThatThrownBy(() -> new ChainerConfig(with(ChainerConfig.TSA_MODE_CONFIG, "url")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(ChainerConfig.TSA_URL_CONFIG);
    }

    @Test
    void rejectsOneTopicUsedTwice() {
        assertThatThrownBy(() -> new ChainerConfig(with(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG, "attestream.events")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(ChainerConfig.DEAD_LETTER_TOPIC_CONFIG);
    }

    @Test
    void rejectsFlushIntervalLongerThanCheckpointInterval() {
        Map<String, Object> p = with(ChainerConfig.CHECKPOINT_INTERVAL_MS_CONFIG, 500);
        assertThatThrownBy(() -> new ChainerConfig(p)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(ChainerConfig.CHECKPOINT_FLUSH_INTERVAL_MS_CONFIG);
    }

    @Test
    void dedupFilterIsEitherOffOrAtLeastOnePageAndAtMostOneGibibyte() {
        assertThat(new ChainerConfig(with(ChainerConfig.DEDUP_FILTER_BYTES_CONFIG, 0))
                .getLong(ChainerConfig.DEDUP_FILTER_BYTES_CONFIG)).isZero();
        assertThat(new ChainerConfig(minimal()).getLong(ChainerConfig.DEDUP_FILTER_BYTES_CONFIG)).isEqualTo(4L << 20);
        for (long bad : new long[] {100, (1L << 30) + 1, -1}) {
            assertThatThrownBy(() -> new ChainerConfig(with(ChainerConfig.DEDUP_FILTER_BYTES_CONFIG, bad)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(ChainerConfig.DEDUP_FILTER_BYTES_CONFIG);
        }
    }

    @Test
    void readsPerReasonFailureModesAndRejectsUnknownOnes() {
        ChainerConfig c = new ChainerConfig(with("chainer.on.corrupt-avro", "fail"));
        assertThat(c.failureMode(DeadLetterReason.CORRUPT_AVRO)).isEqualTo(FailureMode.FAIL);
        assertThatThrownBy(() -> new ChainerConfig(with("chainer.on.corrupt-avro", "ignore")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("chainer.on.corrupt-avro");
    }
}
