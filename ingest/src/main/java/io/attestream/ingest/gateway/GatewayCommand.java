package io.attestream.ingest.gateway;

import io.attestream.ingest.internal.ApiKeys;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attestream gateway --config FILE}: runs the HTTP/JSON gateway until stopped. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Runs the HTTP/JSON ingest gateway: POST /v1/events, GET /health, GET /metrics.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (or --hash-key printed)", "1:failed (Kafka, registry, I/O)",
                "2:usage or configuration error (the message names the key)"})
public final class GatewayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Gateway properties file (keys: README).")
    Path config;

    @Option(names = "--hash-key", paramLabel = "KEY",
            description = "Print the SHA-256 column of the API keys file for KEY, then exit.")
    String hashKey;

    @Override
    public Integer call() throws Exception {
        if (hashKey != null) {
            spec.commandLine().getOut().println(ApiKeys.hash(hashKey));
            return 0;
        }
        if (config == null) {
            spec.commandLine().getErr().println("--config FILE is required");
            return 2;
        }
        Gateway gateway;
        try {
            gateway = Gateway.start(GatewayConfig.load(config));
        } catch (ConfigException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("configuration error: " + e.getMessage());
            return 2;
        }
        spec.commandLine().getOut().println("gateway listening on port " + gateway.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "gateway-shutdown"));
        stopped.await();
        return 0;
    }
}
