package io.attestream.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StackConfigTest {

    @Test
    void defaultsAreTheDocumentedPorts() {
        StackConfig c = StackConfig.builder(Path.of(".attestream")).build();
        assertThat(c.kafkaPort()).isEqualTo(9092);
        assertThat(c.kafkaControllerPort()).isEqualTo(9093);
        assertThat(c.registryPort()).isEqualTo(8081);
        assertThat(c.clickHousePort()).isEqualTo(8123);
        assertThat(c.stackDir().isAbsolute()).isTrue();
        assertThat(c.stackDir().getFileName()).hasToString(".attestream");
        assertThat(c.endpointsFile()).isEqualTo(c.stackDir().resolve("endpoints.properties"));
        assertThat(c.detach()).isTrue();
    }

    @Test
    void rejectsTwoServicesOnOnePortNamingBothKeysAndOptions() {
        assertThatThrownBy(() -> StackConfig.builder(Path.of("x")).registryPort(8123).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("registry.port").hasMessageContaining("clickhouse.port")
                .hasMessageContaining("--registry-port").hasMessageContaining("--clickhouse-port");
    }

    @Test
    void runsAWitnessByDefaultTrustingTheDemoChainerKeyUnlessTold() {
        StackConfig c = StackConfig.builder(Path.of("st")).build();
        assertThat(c.witness()).isTrue();
        assertThat(c.witnessPort()).isEqualTo(8380);
        assertThat(c.effectiveWitnessLogKeys()).containsExactly(c.stackDir().resolve("demo/keys/attestream-demo.vkey"));
        StackConfig own = StackConfig.builder(Path.of("st")).witnessLogKeys(java.util.List.of(Path.of("k.vkey"))).build();
        assertThat(own.effectiveWitnessLogKeys()).containsExactly(Path.of("k.vkey").toAbsolutePath());
        assertThatThrownBy(() -> StackConfig.builder(Path.of("x")).witnessPort(8123).build())
                .hasMessageContaining("witness.port").hasMessageContaining("--witness-port");
        assertThat(StackConfig.builder(Path.of("x")).witness(false).witnessPort(8123).build().witness()).isFalse();
        assertThat(io.attestream.deploy.stack.internal.Services.all(StackConfig.builder(Path.of("x")).witness(false)
                .build())).extracting(io.attestream.deploy.stack.internal.Service::name)
                .containsExactly("kafka", "registry", "clickhouse");
    }

    @Test
    void rejectsOutOfRangePortNamingTheKey() {
        assertThatThrownBy(() -> StackConfig.builder(Path.of("x")).kafkaPort(70000).build())
                .hasMessageContaining("kafka.port").hasMessageContaining("--kafka-port");
        assertThatThrownBy(() -> StackConfig.builder(Path.of("x")).kafkaControllerPort(0).build())
                .hasMessageContaining("kafka.controller.port");
    }

    @Test
    void rejectsEmptyAuditorPasswordAndNonPositiveTimeout() {
        assertThatThrownBy(() -> StackConfig.builder(Path.of("x")).clickHouseAuditorPassword("").build())
                .hasMessageContaining("clickhouse.auditor.password");
        assertThatThrownBy(() -> StackConfig.builder(Path.of("x")).startTimeout(Duration.ZERO).build())
                .hasMessageContaining("start.timeout");
    }

    @Test
    void everyKeyHasAnOption() {
        for (String key : StackConfig.KEY_DOCS.keySet()) {
            assertThat(StackConfig.optionFor(key)).startsWith("--");
        }
        assertThatThrownBy(() -> StackConfig.optionFor("no.such.key")).hasMessageContaining("no.such.key");
    }
}
