package io.attestream.deploy.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lifecycle of the process: clean SIGTERM, data across restarts, a port in use. */
class ChdbServerRestartIT {

    @TempDir
    Path dir;

    @Test
    void dataSurvivesStopAndStart() throws Exception {
        Path data = dir.resolve("data");
        ChdbServerProcess first = TestServers.start(data, null, ChdbServerConfig.DEFAULT_MAX_BODY_BYTES);
        try (Connection c = TestServers.jdbc(first, "default", "", ""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept (id UInt64, s String) ENGINE = MergeTree ORDER BY id");
            st.execute("INSERT INTO kept SELECT number, toString(number) FROM numbers(12345)");
        }
        assertThat(first.stop(Duration.ofSeconds(20))).as("clean exit on SIGTERM").isZero();
        assertThat(first.isAlive()).isFalse();

        ChdbServerProcess second = TestServers.start(data, null, ChdbServerConfig.DEFAULT_MAX_BODY_BYTES);
        try (Connection c = TestServers.jdbc(second, "default", "", ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(), sum(id), max(s) FROM kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(12345);
            assertThat(rs.getLong(2)).isEqualTo(12344L * 12345 / 2);
            assertThat(rs.getString(3)).isEqualTo("9999");
        } finally {
            assertThat(second.stop(Duration.ofSeconds(20))).isZero();
        }
    }

    @Test
    void portInUseFailsStartWithAMessageNamingThePortOption() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            ChdbServerConfig config = new ChdbServerConfig("127.0.0.1", taken.getLocalPort(), dir.resolve("d2"), null,
                    TestServers.lib(), ChdbServerConfig.DEFAULT_MAX_BODY_BYTES);
            assertThatThrownBy(() -> ChdbServerProcess.start(config, dir.resolve("d2.log"), Duration.ofSeconds(60)))
                    .isInstanceOf(ChdbServerException.class)
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasMessageContaining("--port");
        }
    }
}
