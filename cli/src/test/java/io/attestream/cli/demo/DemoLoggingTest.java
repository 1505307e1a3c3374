package io.attestream.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class DemoLoggingTest {

    @Test
    void kafkaWarningsAndAttestreamInfoGoToTheFileAndOnlyErrorsReachTheTerminal(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("demo.log");
        PrintStream realErr = System.err;
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        System.setErr(new PrintStream(terminal, true, StandardCharsets.UTF_8));
        try {
            DemoLogging.toFile(log);
            LoggerFactory.getLogger("org.apache.kafka.clients.producer.internals.Sender").warn(
                    "Got error produce response with correlation id 7, retrying: CONCURRENT_TRANSACTIONS");
            LoggerFactory.getLogger("org.apache.kafka.clients.producer.internals.TransactionManager").info(
                    "Kafka's own INFO chatter");
            LoggerFactory.getLogger("io.attestream.chainer.ChainerApp").info("chainer RUNNING: application.id x");
            LoggerFactory.getLogger("io.attestream.sink.EvidenceSink").error("the sink failed");
        } finally {
            Configurator.reconfigure();
            System.setErr(realErr);
        }

        String file = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(file).contains("CONCURRENT_TRANSACTIONS").contains("chainer RUNNING").contains("the sink failed")
                .doesNotContain("Kafka's own INFO chatter");
        assertThat(terminal.toString(StandardCharsets.UTF_8)).contains("the sink failed")
                .doesNotContain("CONCURRENT_TRANSACTIONS").doesNotContain("chainer RUNNING");
    }
}
