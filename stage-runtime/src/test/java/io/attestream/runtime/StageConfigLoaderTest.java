package io.attestream.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageConfigLoaderTest {
    private static final ConfigDef STAGE = new ConfigDef()
            .define("bootstrap.servers", Type.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, "brokers")
            .define("schema.registry.url", Type.STRING, "", Importance.HIGH, "registry")
            .define("clickhouse.url", Type.STRING, "", Importance.HIGH, "jdbc")
            .define("clickhouse.user", Type.STRING, "default", Importance.HIGH, "user")
            .define("clickhouse.password", Type.PASSWORD, "", Importance.HIGH, "password")
            .define("demo.batch.rows", Type.INT, 100, Importance.LOW, "rows")
            .define("demo.on.record-too-large", Type.STRING, "fail", Importance.LOW, "mode")
            .define("demo.key.file", Type.STRING, "", Importance.LOW, "a file that is not a secret");

    @TempDir
    Path dir;

    private StageConfigLoader loader() {
        return StageConfigLoader.forStage("demo").owning(STAGE).owningPrefixes("demo.")
                .endpoints(StageConfigLoader.Endpoint.KAFKA, StageConfigLoader.Endpoint.REGISTRY);
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void setWinsOverEnvironmentWhichWinsOverFileWhichWinsOverEndpoints() throws IOException {
        Path endpoints = write("endpoints.properties", "kafka.bootstrap.servers=endpoints:9092\n"
                + "registry.url=http://endpoints/apis/ccompat/v7\nclickhouse.jdbc.url=jdbc:clickhouse://x\n");
        Path file = write("demo.properties", "bootstrap.servers=file:9092\ndemo.batch.rows=2\nclient.rack=file\n");
        Map<String, String> env = Map.of("ATTESTREAM_BOOTSTRAP_SERVERS", "env:9092", "ATTESTREAM_CLIENT_RACK", "env");
        LoadedConfig c = loader().load(new ConfigSources(Map.of("bootstrap.servers", "set:9092"), env, file,
                endpoints, true));

        assertThat(c.values()).containsEntry("bootstrap.servers", "set:9092").containsEntry("client.rack", "env")
                .containsEntry("demo.batch.rows", "2")
                .containsEntry("schema.registry.url", "http://endpoints/apis/ccompat/v7")
                .doesNotContainKey("clickhouse.url");
        assertThat(c.origin("bootstrap.servers")).contains("--set");
        assertThat(c.origin("client.rack")).contains("environment");
        assertThat(c.origin("demo.batch.rows")).contains("--config " + file);
        assertThat(c.origin("schema.registry.url")).contains("endpoints file " + endpoints);
    }

    @Test
    void environmentVariableIsTheKeyUpperCasedWithEveryOtherCharacterAnUnderscore() {
        assertThat(StageConfigLoader.environmentVariable("sasl.jaas.config")).isEqualTo("ATTESTREAM_SASL_JAAS_CONFIG");
        assertThat(StageConfigLoader.environmentVariable("demo.on.record-too-large"))
                .isEqualTo("ATTESTREAM_DEMO_ON_RECORD_TOO_LARGE");
        LoadedConfig c = loader().load(new ConfigSources(Map.of(), Map.of(
                "ATTESTREAM_DEMO_ON_RECORD_TOO_LARGE", "skip",
                "ATTESTREAM_SECURITY_PROTOCOL", "SASL_SSL",
                "ATTESTREAM_CONSUMER_MAX_POLL_RECORDS", "7",
                "ATTESTREAM_CACHE", "/tmp/cache",
                "PATH", "/usr/bin"), null, null, false));

        assertThat(c.values()).containsOnly(Map.entry("demo.on.record-too-large", "skip"),
                Map.entry("security.protocol", "SASL_SSL"), Map.entry("consumer.max.poll.records", "7"));
        assertThat(c.ignoredEnvironment()).containsExactly("ATTESTREAM_CACHE");
        assertThat(c.describe()).contains("ignored environment variables (no key of demo): ATTESTREAM_CACHE");
    }

    @Test
    void secretFileGivesTheSecretWhichTheDumpNeverShows() throws IOException {
        Path ks = write("ks.pass", "s3cret-ks\n");
        Path jaas = write("jaas", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"u\" password=\"jaas-pw\";\r\n");
        Path ch = write("ch.pass", "ch-pw");
        LoadedConfig c = loader().load(new ConfigSources(Map.of("ssl.keystore.password.file", ks.toString(),
                "clickhouse.password.file", ch.toString()),
                Map.of("ATTESTREAM_SASL_JAAS_CONFIG_FILE", jaas.toString()), null, null, false));

        assertThat(c.values()).containsEntry("ssl.keystore.password", "s3cret-ks")
                .containsEntry("clickhouse.password", "ch-pw")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule "
                        + "required username=\"u\" password=\"jaas-pw\";")
                .doesNotContainKeys("ssl.keystore.password.file", "clickhouse.password.file", "sasl.jaas.config.file");
        assertThat(c.origin("clickhouse.password")).contains("--set, read from clickhouse.password.file=" + ch);
        assertThat(c.describe()).doesNotContain("s3cret-ks", "ch-pw", "jaas-pw")
                .contains("ssl.keystore.password = [hidden]", "sasl.jaas.config = [hidden]");
        assertThat(c.passThrough()).containsKeys("ssl.keystore.password", "sasl.jaas.config")
                .doesNotContainKey("clickhouse.password");
    }

    @Test
    void aKeyEndingInFileThatIsNoSecretIsPassedAsIs() {
        LoadedConfig c = loader().load(ConfigSources.of(Map.of("demo.key.file", "/nonexistent/key")));
        assertThat(c.values()).containsEntry("demo.key.file", "/nonexistent/key");
    }

    @Test
    void secretAndItsFileInOneSourceAreRejected() throws IOException {
        Path pw = write("pw", "x");
        assertThatThrownBy(() -> loader().load(ConfigSources.of(Map.of("ssl.key.password", "a",
                "ssl.key.password.file", pw.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ssl.key.password.file")
                .hasMessageContaining("set one");
    }

    @Test
    void higherSourcesSecretFileWinsOverLowerSourcesValue() throws IOException {
        Path pw = write("pw", "from-file");
        Path file = write("c.properties", "clickhouse.password=from-config\n");
        LoadedConfig c = loader().load(new ConfigSources(Map.of(),
                Map.of("ATTESTREAM_CLICKHOUSE_PASSWORD_FILE", pw.toString()), file, null, false));
        assertThat(c.values()).containsEntry("clickhouse.password", "from-file");
    }

    @Test
    void unreadableSecretFileNamesTheKey() {
        assertThatThrownBy(() -> loader().load(ConfigSources.of(Map.of("clickhouse.password.file",
                dir.resolve("missing").toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("clickhouse.password.file")
                .hasMessageContaining("cannot read the secret file");
    }

    @Test
    void defaultEndpointsFileIsOptionalButANamedOneMustExist() {
        Path missing = dir.resolve("none.properties");
        assertThat(loader().load(new ConfigSources(Map.of(), Map.of(), null, missing, false)).values()).isEmpty();
        assertThatThrownBy(() -> loader().load(new ConfigSources(Map.of(), Map.of(), null, missing, true)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--endpoints")
                .hasMessageContaining("no such file");
    }

    @Test
    void clickHouseEndpointsGoOnlyToStagesThatTakeThem() throws IOException {
        Path endpoints = write("e.properties", "kafka.bootstrap.servers=k:9092\nregistry.url=http://r\n"
                + "clickhouse.url=http://ch:8123\nclickhouse.jdbc.url=jdbc:clickhouse:http://ch:8123/attestream\n"
                + "clickhouse.user=default\nclickhouse.password=pw\nclickhouse.auditor.user=auditor\n");
        LoadedConfig sink = StageConfigLoader.forStage("demo").owning(STAGE).endpoints(
                StageConfigLoader.Endpoint.values()).load(new ConfigSources(Map.of(), Map.of(), null, endpoints, true));
        assertThat(sink.values()).containsOnly(Map.entry("bootstrap.servers", "k:9092"),
                Map.entry("schema.registry.url", "http://r"),
                Map.entry("clickhouse.url", "jdbc:clickhouse:http://ch:8123/attestream"),
                Map.entry("clickhouse.user", "default"), Map.entry("clickhouse.password", "pw"));
        assertThat(sink.describe()).doesNotContain("= pw");
    }

    @Test
    void unknownKeyUnderAnOwnedPrefixIsRejectedAsATypo() {
        assertThatThrownBy(() -> loader().load(ConfigSources.of(Map.of("demo.batch.row", "3"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("demo.batch.row")
                .hasMessageContaining("unknown demo key");
    }

    @Test
    void everyKeyTheStageDoesNotOwnPassesThroughUnchanged() {
        LoadedConfig c = loader().load(ConfigSources.of(Map.of("bootstrap.servers", "k:1", "demo.batch.rows", "5",
                "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "client.rack", "r1",
                "ssl.truststore.location", "/t.p12", "consumer.max.poll.records", "9", "admin.retries", "2")));
        Map<String, Object> pass = c.passThrough();
        assertThat(pass).containsOnlyKeys("security.protocol", "sasl.mechanism", "client.rack",
                "ssl.truststore.location", "consumer.max.poll.records", "admin.retries");
        assertThat(KafkaClientKeys.forClient(pass, "consumer.")).containsEntry("max.poll.records", "9")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512").doesNotContainKeys("admin.retries", "retries");
        assertThat(KafkaClientKeys.forClient(pass, "admin.")).containsEntry("retries", "2")
                .doesNotContainKey("max.poll.records");
    }

    @Test
    void dumpListsDefaultsOfUnsetKeys() {
        String dump = loader().load(ConfigSources.of(Map.of("bootstrap.servers", "k:1"))).describe();
        assertThat(dump).contains("bootstrap.servers = k:1  (--set)", "demo.batch.rows = 100  (default)",
                "clickhouse.password =   (default)");
    }
}
