package io.attestream.runtime;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The configuration options every long-running stage command takes (a picocli mixin): {@code --config FILE},
 * {@code --set KEY=VALUE}..., {@code --endpoints FILE} and {@code --no-endpoints}. Precedence:
 * {@link StageConfigLoader}.
 */
public final class StageOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with the configuration.")
    Path configFile;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "A configuration value; wins over ATTESTREAM_* environment variables and --config. "
                    + "Repeatable.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--endpoints", paramLabel = "FILE",
            description = "The local stack's endpoints file to take Kafka/registry/ClickHouse addresses from "
                    + "(lowest precedence; default: .attestream/endpoints.properties when present).")
    Path endpointsFile;

    @Option(names = "--no-endpoints", description = "Do not read any endpoints file.")
    boolean noEndpoints;

    /** @return the sources named by these options and the process environment */
    public ConfigSources sources() {
        return sources(System.getenv());
    }

    /**
     * @param environment the environment to read {@code ATTESTREAM_*} variables from
     * @return the sources named by these options
     */
    public ConfigSources sources(Map<String, String> environment) {
        if (noEndpoints) {
            return new ConfigSources(overrides, environment, configFile, null, false);
        }
        if (endpointsFile != null) {
            return new ConfigSources(overrides, environment, configFile, endpointsFile, true);
        }
        return new ConfigSources(overrides, environment, configFile, StageConfigLoader.DEFAULT_ENDPOINTS, false);
    }

    /**
     * Adds a value at {@code --set} level unless {@code --set} names the key already (for a command's own flags
     * such as {@code --bootstrap-servers}).
     *
     * @param key the config key
     * @param value the value; null adds nothing
     */
    public void setIfAbsent(String key, String value) {
        if (value != null) {
            overrides.putIfAbsent(key, value);
        }
    }
}
