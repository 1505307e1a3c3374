package io.attestream.schemas.wire;

import io.attestream.schemas.registry.RegistryClientConfig;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Configuration of {@link AuditEventSerializer} and {@link AuditEventDeserializer}: the registry keys plus these. */
public final class AuditEventSerdeConfig extends AbstractConfig {

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    private static final String AUTO_REGISTER_SCHEMAS_DOC = "Register the AuditEvent schema under <topic>-value on"
            + " first use. Off by default: in production schemas are registered by a release step, so a producer"
            + " with a stale or forked schema fails loudly instead of creating a new version.";

    private static final ConfigDef CONFIG = RegistryClientConfig.configDef()
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM, AUTO_REGISTER_SCHEMAS_DOC);

    public AuditEventSerdeConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
    }

    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    RegistryClientConfig registryConfig() {
        return new RegistryClientConfig(originals());
    }
}
