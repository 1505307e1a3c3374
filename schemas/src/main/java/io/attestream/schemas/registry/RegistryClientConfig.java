package io.attestream.schemas.registry;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Configuration of {@link SchemaRegistryClient}. Key names follow Confluent's serializers so existing
 * client configurations carry over unchanged.
 */
public final class RegistryClientConfig extends AbstractConfig {

    public static final String URL_CONFIG = "schema.registry.url";
    private static final String URL_DOC = "Comma-separated base URLs of a Confluent-compatible schema registry, tried in"
            + " order on connection failure. For Apicurio use http://host:port/apis/ccompat/v7.";

    public static final String BASIC_AUTH_USER_INFO_CONFIG = "basic.auth.user.info";
    private static final String BASIC_AUTH_USER_INFO_DOC = "user:password for HTTP Basic authentication; empty for none.";

    public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = "schema.registry.ssl.truststore.location";
    private static final String SSL_TRUSTSTORE_LOCATION_DOC = "Trust store (PKCS12 or JKS) for https registry URLs;"
            + " empty uses the JVM's default trust store.";
    public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = "schema.registry.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE_CONFIG = "schema.registry.ssl.truststore.type";
    public static final String SSL_KEYSTORE_LOCATION_CONFIG = "schema.registry.ssl.keystore.location";
    private static final String SSL_KEYSTORE_LOCATION_DOC = "Key store holding the client certificate for mutual TLS;"
            + " empty for none.";
    public static final String SSL_KEYSTORE_PASSWORD_CONFIG = "schema.registry.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE_CONFIG = "schema.registry.ssl.keystore.type";

    public static final String REQUEST_TIMEOUT_MS_CONFIG = "schema.registry.request.timeout.ms";
    private static final String REQUEST_TIMEOUT_MS_DOC = "Timeout of one HTTP request to the registry.";

    public static final String CONNECT_TIMEOUT_MS_CONFIG = "schema.registry.connect.timeout.ms";
    private static final String CONNECT_TIMEOUT_MS_DOC = "Timeout to open a connection to the registry.";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(URL_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.LambdaValidator.with((name, value) -> {
                if (value == null || ((List<?>) value).isEmpty()) {
                    throw new ConfigException(name, value, "at least one registry URL is required");
                }
            }, () -> "non-empty list of http(s) URLs"),
                    Importance.HIGH, URL_DOC)
            .define(BASIC_AUTH_USER_INFO_CONFIG, Type.PASSWORD, "", Importance.MEDIUM, BASIC_AUTH_USER_INFO_DOC)
            .define(SSL_TRUSTSTORE_LOCATION_CONFIG, Type.STRING, "", Importance.MEDIUM, SSL_TRUSTSTORE_LOCATION_DOC)
            .define(SSL_TRUSTSTORE_PASSWORD_CONFIG, Type.PASSWORD, "", Importance.MEDIUM, "Trust store password.")
            .define(SSL_TRUSTSTORE_TYPE_CONFIG, Type.STRING, "PKCS12", ConfigDef.ValidString.in("PKCS12", "JKS"),
                    Importance.LOW, "Trust store type.")
            .define(SSL_KEYSTORE_LOCATION_CONFIG, Type.STRING, "", Importance.MEDIUM, SSL_KEYSTORE_LOCATION_DOC)
            .define(SSL_KEYSTORE_PASSWORD_CONFIG, Type.PASSWORD, "", Importance.MEDIUM, "Key store password.")
            .define(SSL_KEYSTORE_TYPE_CONFIG, Type.STRING, "PKCS12", ConfigDef.ValidString.in("PKCS12", "JKS"),
                    Importance.LOW, "Key store type.")
            .define(REQUEST_TIMEOUT_MS_CONFIG, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    REQUEST_TIMEOUT_MS_DOC)
            .define(CONNECT_TIMEOUT_MS_CONFIG, Type.INT, 5_000, ConfigDef.Range.atLeast(1), Importance.LOW,
                    CONNECT_TIMEOUT_MS_DOC);

    public RegistryClientConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        for (String url : getList(URL_CONFIG)) {
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigException(URL_CONFIG, url, "must start with http:// or https://");
            }
        }
        String userInfo = getPassword(BASIC_AUTH_USER_INFO_CONFIG).value();
        if (!userInfo.isEmpty() && userInfo.indexOf(':') < 0) {
            throw new ConfigException(BASIC_AUTH_USER_INFO_CONFIG, "[hidden]", "must be user:password");
        }
    }

    /** A configuration with only the registry URL(s) set. */
    public static RegistryClientConfig forUrl(String url) {
        return new RegistryClientConfig(Map.of(URL_CONFIG, url));
    }

    /** The definition of every key, for documentation ({@code ConfigDef.toRst()}). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    Password basicAuth() {
        return getPassword(BASIC_AUTH_USER_INFO_CONFIG);
    }
}
