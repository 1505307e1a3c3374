package io.attestream.deploy.stack.internal;

import io.attestream.deploy.stack.StackConfig;
import java.util.List;

/** The services of the stack, in the order {@code status} lists them. */
public final class Services {
    private Services() {
    }

    /**
     * @param config settings
     * @return kafka, registry, clickhouse, and the witness unless {@link StackConfig#witness()} is false
     */
    public static List<Service> all(StackConfig config) {
        if (config.witness()) {
            return List.of(new KafkaService(config), new RegistryService(config), new ClickHouseService(config),
                    new WitnessService(config));
        }
        return List.of(new KafkaService(config), new RegistryService(config), new ClickHouseService(config));
    }
}
