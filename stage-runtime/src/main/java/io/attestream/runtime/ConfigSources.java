package io.attestream.runtime;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where one start of a stage takes its configuration from, before precedence is applied
 * ({@link StageConfigLoader#load}).
 *
 * @param overrides {@code --set KEY=VALUE} values (highest precedence)
 * @param environment the process environment; only {@code ATTESTREAM_*} variables are read
 * @param configFile the {@code --config} properties file, or null
 * @param endpointsFile the local stack's endpoints file, or null for none
 * @param endpointsRequired true when {@code endpointsFile} was named explicitly, so that a missing file is an error;
 *     false for the default location, which is used only when present
 */
public record ConfigSources(Map<String, String> overrides, Map<String, String> environment, Path configFile,
        Path endpointsFile, boolean endpointsRequired) {

    /** Copies the maps. */
    public ConfigSources {
        overrides = Map.copyOf(requireNonNull(overrides, "overrides"));
        environment = Map.copyOf(requireNonNull(environment, "environment"));
        if (endpointsRequired && endpointsFile == null) {
            throw new IllegalArgumentException("endpointsRequired without an endpointsFile");
        }
    }

    /** Only {@code --set}-level values: no environment, file or endpoints (tests, embedding). */
    public static ConfigSources of(Map<String, String> overrides) {
        return new ConfigSources(overrides, Map.of(), null, null, false);
    }
}
