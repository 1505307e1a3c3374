package io.attestream.ingest.gateway;

import io.attestream.ingest.internal.ApiKeys;
import io.attestream.runtime.LoadedConfig;
import io.attestream.runtime.StageOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code attestream gateway [--config FILE] [--set KEY=VALUE]...}: runs the HTTP/JSON gateway until stopped. Sources
 * and precedence: {@link StageOptions}; keys: {@link GatewayConfig}.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Runs the HTTP/JSON ingest gateway: POST /v1/events, GET /health, GET /metrics; probes "
                + "GET /live, /ready and /metrics on metrics.port.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly (or --hash-key printed)", "1:failed (Kafka, registry, I/O)",
                "2:usage or configuration error (the message names the key)"})
public final class GatewayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StageOptions options = new StageOptions();

    @Option(names = "--hash-key", paramLabel = "KEY",
            description = "Print the SHA-256 column of the API keys file for KEY, then exit.")
    String hashKey;

    @Override
    public Integer call() throws Exception {
        if (hashKey != null) {
            spec.commandLine().getOut().println(ApiKeys.hash(hashKey));
            return 0;
        }
        Gateway gateway;
        try {
            LoadedConfig loaded = GatewayConfig.loader().load(options.sources());
            loaded.log();
            gateway = Gateway.start(new GatewayConfig(loaded.values()));
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
