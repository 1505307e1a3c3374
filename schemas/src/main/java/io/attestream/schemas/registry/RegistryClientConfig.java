package io.attestream.schemas.registry;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
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
    private static final String BASIC_AUTH_USER_INFO_DOC = "user:password for HTTP Basic authentication; empty for none."
            + " Read when " + "basic.auth.credentials.source" + " is USER_INFO.";

    public static final String BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
    /** Credentials from {@value #BASIC_AUTH_USER_INFO_CONFIG}. */
    public static final String SOURCE_USER_INFO = "USER_INFO";
    /** Credentials from the user-info part of the registry URL ({@code http://user:password@host:port/...}). */
    public static final String SOURCE_URL = "URL";
    private static final String BASIC_AUTH_CREDENTIALS_SOURCE_DOC = "Where the HTTP Basic credentials come from, as in"
            + " Confluent's serializers: USER_INFO (the key " + BASIC_AUTH_USER_INFO_CONFIG + ") or URL (the user-info"
            + " part of " + "schema.registry.url" + ", http://user:password@host:port/...; it is never logged and"
            + " never sent in the URL). The default is USER_INFO, so a configuration that sets only "
            + BASIC_AUTH_USER_INFO_CONFIG + " works (Confluent's default is URL). SASL_INHERIT is not supported:"
            + " the registry client does not read the Kafka JAAS configuration.";

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
            .define(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG, Type.STRING, SOURCE_USER_INFO,
                    ConfigDef.LambdaValidator.with((name, value) -> {
                        if ("SASL_INHERIT".equals(value)) {
                            throw new ConfigException(name, value, "SASL_INHERIT is not supported: set "
                                    + BASIC_AUTH_USER_INFO_CONFIG + " (USER_INFO) or put the credentials in the URL");
                        }
                        if (!SOURCE_USER_INFO.equals(value) && !SOURCE_URL.equals(value)) {
                            throw new ConfigException(name, value, "must be " + SOURCE_USER_INFO + " or " + SOURCE_URL);
                        }
                    }, () -> "[" + SOURCE_USER_INFO + ", " + SOURCE_URL + "]"),
                    Importance.MEDIUM, BASIC_AUTH_CREDENTIALS_SOURCE_DOC)
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

    private final List<String> baseUrls;
    private final Password userInfo;

    public RegistryClientConfig(Map<?, ?> props) {
        super(CONFIG, props, false);
        List<String> urls = new ArrayList<>();
        String fromUrl = "";
        for (String url : getList(URL_CONFIG)) {
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigException(URL_CONFIG, hideUserInfo(url), "must start with http:// or https://");
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new ConfigException(URL_CONFIG, hideUserInfo(url), "not a URL: " + e.getReason());
            }
            if (uri.getRawUserInfo() != null) {
                if (fromUrl.isEmpty()) {
                    fromUrl = uri.getUserInfo();
                }
                url = url.replaceFirst("//[^/@]*@", "//");
            }
            urls.add(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        }
        this.baseUrls = List.copyOf(urls);
        String userInfo = getPassword(BASIC_AUTH_USER_INFO_CONFIG).value();
        if (SOURCE_URL.equals(getString(BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG))) {
            if (!userInfo.isEmpty()) {
                throw new ConfigException(BASIC_AUTH_USER_INFO_CONFIG, "[hidden]", "is set while "
                        + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "=" + SOURCE_URL + " takes the credentials from "
                        + URL_CONFIG + ": set one of them");
            }
            if (fromUrl.isEmpty()) {
                throw new ConfigException(URL_CONFIG, String.join(",", urls), BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG
                        + "=" + SOURCE_URL + " needs user:password@ in a registry URL");
            }
            userInfo = fromUrl;
        } else if (!fromUrl.isEmpty()) {
            throw new ConfigException(URL_CONFIG, String.join(",", urls), "carries user-info; set "
                    + BASIC_AUTH_CREDENTIALS_SOURCE_CONFIG + "=" + SOURCE_URL + " to use it, or move it to "
                    + BASIC_AUTH_USER_INFO_CONFIG);
        }
        if (!userInfo.isEmpty() && userInfo.indexOf(':') < 0) {
            throw new ConfigException(BASIC_AUTH_USER_INFO_CONFIG, "[hidden]", "must be user:password");
        }
        this.userInfo = new Password(userInfo);
    }

    private static String hideUserInfo(String url) {
        return url.replaceFirst("//[^/@]*@", "//[hidden]@");
    }

    /** The registry base URLs, without user-info and trailing slash. */
    List<String> baseUrls() {
        return baseUrls;
    }

    /** A configuration with only the registry URL(s) set. */
    public static RegistryClientConfig forUrl(String url) {
        return new RegistryClientConfig(Map.of(URL_CONFIG, url));
    }

    /** The definition of every key, for documentation ({@code ConfigDef.toRst()}). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The Basic credentials {@code user:password} from the configured source; empty for none. */
    Password basicAuth() {
        return userInfo;
    }
}
