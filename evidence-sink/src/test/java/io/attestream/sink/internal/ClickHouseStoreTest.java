package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.sink.SinkException.ClickHouseUnavailableException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClickHouseStoreTest {
    @Test
    void aServerThatAcceptsButNeverAnswersIsUnavailableAfterTheSocketTimeout() throws IOException {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept()); // read nothing, answer nothing: a hung engine
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            long t0 = System.nanoTime();
            try (ClickHouseStore store = new ClickHouseStore("jdbc:clickhouse://127.0.0.1:" + silent.getLocalPort(),
                    "default", "", "attestream", 1_500)) {
                assertThatThrownBy(() -> store.execute("SELECT 1")).isInstanceOf(ClickHouseUnavailableException.class)
                        .hasStackTraceContaining("timed out");
            }
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the failure")
                    .isBetween(1_400L, 30_000L);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
