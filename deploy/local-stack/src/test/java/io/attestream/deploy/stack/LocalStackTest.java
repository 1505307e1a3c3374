package io.attestream.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.deploy.stack.internal.PidFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the stack does before and without starting anything. */
class LocalStackTest {

    @Test
    void rejectsAPortInUseNamingThePortAndItsKeyBeforeStartingAnything(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            LocalStack stack = new LocalStack(StackConfig.builder(dir).cacheDir(dir.resolve("cache"))
                    .kafkaPort(port).kafkaControllerPort(free()).registryPort(free())
                    .registryManagementPort(free()).clickHousePort(free()).build(), line -> { });
            assertThatThrownBy(stack::up).isInstanceOfSatisfying(PortInUseException.class, e -> {
                assertThat(e.port()).isEqualTo(port);
                assertThat(e.configKey()).isEqualTo(StackConfig.KAFKA_PORT_CONFIG);
                assertThat(e.getMessage()).contains(Integer.toString(port)).contains("--kafka-port");
            });
            assertThat(stack.status()).allMatch(s -> s.state() == ServiceStatus.State.STOPPED);
            assertThat(dir.resolve("cache")).doesNotExist();
            assertThat(dir.resolve(StackEndpoints.FILE_NAME)).doesNotExist();
        }
    }

    @Test
    void statusIgnoresAPidFileNamingAProcessStartedAtAnotherInstant(@TempDir Path dir) throws Exception {
        // This JVM's own PID, but a start instant that is not its own: a recycled PID.
        Files.createDirectories(dir.resolve("kafka"));
        new PidFile(ProcessHandle.current().pid(), Instant.ofEpochMilli(1), "9092,9093")
                .write(dir.resolve("kafka").resolve("kafka.pid"));
        LocalStack stack = new LocalStack(StackConfig.builder(dir).build(), line -> { });
        assertThat(stack.status()).allMatch(s -> s.state() == ServiceStatus.State.STOPPED);
        assertThat(stack.down()).isEmpty();
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }

    private static int free() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
