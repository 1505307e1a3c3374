package io.attestream.deploy.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class ChdbServerConfigTest {

    private static final Path DATA = Path.of("data");
    private static final Path LIB = Path.of("libchdb.so");

    @Test
    void theShortConstructorTakesTheDefaultLimits() {
        ChdbServerConfig c = new ChdbServerConfig("127.0.0.1", 0, DATA, null, LIB, 1 << 20);
        assertThat(c.maxExecutionTime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.engineWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.sessions()).isEqualTo(2);
        assertThat(c.withPort(1234).limits()).isEqualTo(c.limits());
    }

    @Test
    void rejectsLimitsOutOfRangeNamingTheOption() {
        ChdbServerConfig c = ChdbServerConfig.of(DATA, LIB);
        assertThatThrownBy(() -> c.withLimits(Duration.ZERO, Duration.ofSeconds(1), 2))
                .isInstanceOf(ChdbServerException.class).hasMessageContaining("--max-execution-time");
        assertThatThrownBy(() -> c.withLimits(Duration.ofSeconds(1), Duration.ofSeconds(-1), 2))
                .isInstanceOf(ChdbServerException.class).hasMessageContaining("--engine-wait");
        assertThatThrownBy(() -> c.withLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), 0))
                .isInstanceOf(ChdbServerException.class).hasMessageContaining("--sessions");
        assertThatThrownBy(() -> c.withLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), 17))
                .isInstanceOf(ChdbServerException.class).hasMessageContaining("--sessions");
        assertThat(c.withLimits(Duration.ofSeconds(1), Duration.ZERO, 16).sessions()).isEqualTo(16);
    }
}
