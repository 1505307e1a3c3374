package io.attestream.schemas.registry;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.schemas.registry.SchemaRegistryException.IncompatibleSchemaException;
import io.attestream.schemas.registry.SchemaRegistryException.InvalidRequestException;
import io.attestream.schemas.registry.SchemaRegistryException.RegistryAuthException;
import io.attestream.schemas.registry.SchemaRegistryException.RegistryUnavailableException;
import io.attestream.schemas.registry.SchemaRegistryException.SchemaNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.common.config.ConfigException;

/**
 * Client of the documented Confluent Schema Registry REST API (v1 media type), so it works against Confluent
 * Schema Registry, Apicurio Registry ({@code /apis/ccompat/v7}) and Karapace alike. Avro schemas only.
 *
 * <p>Schema ids are immutable in every registry, so {@link #schemaById(int)} is cached forever; registrations
 * and lookups are cached per (subject, schema). Thread-safe.
 *
 * <p>Errors: {@link RegistryUnavailableException} when the registry cannot be reached or answers 5xx/408/429 (the
 * caller backs off and retries); {@link SchemaNotFoundException}, {@link IncompatibleSchemaException},
 * {@link InvalidRequestException}, {@link RegistryAuthException} for definite answers. Never returns null.
 */
public final class SchemaRegistryClient {
    private static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JAVA_STRING_PROPERTY = "avro.java.string";

    private final List<String> baseUrls;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final String authorization;
    private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    private record SubjectSchema(String subject, Schema schema) { }

    public SchemaRegistryClient(RegistryClientConfig config) {
        requireNonNull(config, "config");
        this.baseUrls = config.baseUrls();
        this.requestTimeout = Duration.ofMillis(config.getInt(RegistryClientConfig.REQUEST_TIMEOUT_MS_CONFIG));
        String userInfo = config.basicAuth().value();
        this.authorization = userInfo.isEmpty() ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(config.getInt(RegistryClientConfig.CONNECT_TIMEOUT_MS_CONFIG)))
                .followRedirects(HttpClient.Redirect.NEVER);
        SSLContext ssl = sslContext(config);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        this.http = builder.build();
    }

    /** A client for one registry URL with default settings. */
    public static SchemaRegistryClient forUrl(String url) {
        return new SchemaRegistryClient(RegistryClientConfig.forUrl(url));
    }

    /** Registers {@code schema} under {@code subject} (idempotent: the same schema returns the same id). */
    public int register(String subject, Schema schema) {
        requireNonNull(subject, "subject");
        requireNonNull(schema, "schema");
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema));
        int id = requiredInt(answer, "id");
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /**
     * Looks up the id of an already registered schema without registering it.
     *
     * @throws SchemaNotFoundException when the subject or the schema under it does not exist
     */
    public RegisteredSchema lookup(String subject, Schema schema) {
        requireNonNull(subject, "subject");
        requireNonNull(schema, "schema");
        JsonNode answer = send("POST", "/subjects/" + enc(subject), schemaBody(schema));
        RegisteredSchema found = new RegisteredSchema(subject, requiredInt(answer, "id"),
                requiredInt(answer, "version"), schema);
        idsBySubjectSchema.put(new SubjectSchema(subject, schema), found.id());
        schemasById.putIfAbsent(found.id(), schema);
        return found;
    }

    /** The id under which {@code schema} is registered in {@code subject}, from cache or by {@link #lookup}. */
    public int idOf(String subject, Schema schema) {
        Integer cached = idsBySubjectSchema.get(new SubjectSchema(subject, schema));
        return cached != null ? cached : lookup(subject, schema).id();
    }

    /**
     * The schema with this global id; cached forever (ids are immutable).
     *
     * @throws SchemaNotFoundException when no schema has this id
     * @throws InvalidRequestException when the id names a non-Avro schema or one that does not parse
     */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new InvalidRequestException("schema id " + id + " is a " + type + " schema, not AVRO", 200, -1);
        }
        Schema.Parser parser = new Schema.Parser();
        parseReferences(parser, answer.path("references"), new HashSet<>(), "schema id " + id);
        Schema schema = parse(parser, requiredText(answer, "schema"), "schema id " + id);
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    /**
     * Confluent schema references: named types registered under other subjects (Apicurio's serdes register nested
     * records this way). Each is parsed, depth first, into the parser that then parses the referring schema.
     */
    private void parseReferences(Schema.Parser parser, JsonNode references, Set<String> seen, String what) {
        for (JsonNode reference : references) {
            String subject = reference.path("subject").asText("");
            String version = reference.path("version").asText("latest");
            if (subject.isEmpty()) {
                throw new InvalidRequestException(what + " has a schema reference without subject: " + reference, 200,
                        -1);
            }
            if (!seen.add(subject + "/" + version)) {
                continue;
            }
            JsonNode referenced = send("GET", "/subjects/" + enc(subject) + "/versions/" + enc(version), null);
            parseReferences(parser, referenced.path("references"), seen, what);
            parse(parser, requiredText(referenced, "schema"), what + " reference " + subject + "/" + version);
        }
    }

    /** The latest version registered under {@code subject}. */
    public RegisteredSchema latest(String subject) {
        requireNonNull(subject, "subject");
        JsonNode answer = send("GET", "/subjects/" + enc(subject) + "/versions/latest", null);
        Schema schema = parse(requiredText(answer, "schema"), "subject " + subject);
        return new RegisteredSchema(subject, requiredInt(answer, "id"), requiredInt(answer, "version"), schema);
    }

    /** All subjects of the registry. */
    public List<String> subjects() {
        JsonNode answer = send("GET", "/subjects", null);
        List<String> subjects = new ArrayList<>();
        answer.forEach(n -> subjects.add(n.asText()));
        return List.copyOf(subjects);
    }

    /**
     * Asks whether {@code schema} may be registered under {@code subject} given its latest version and the
     * subject's compatibility level. A subject that does not exist yet accepts anything.
     */
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        requireNonNull(subject, "subject");
        requireNonNull(schema, "schema");
        JsonNode answer;
        try {
            answer = send("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest?verbose=true",
                    schemaBody(schema));
        } catch (SchemaNotFoundException e) {
            return new CompatibilityResult(true, List.of("subject " + subject + " has no versions yet"));
        }
        if (!answer.has("is_compatible")) {
            throw new InvalidRequestException("registry answer lacks is_compatible: " + answer, 200, -1);
        }
        List<String> messages = new ArrayList<>();
        answer.path("messages").forEach(m -> messages.add(m.asText()));
        return new CompatibilityResult(answer.get("is_compatible").asBoolean(), messages);
    }

    /** The registry-wide default compatibility level. */
    public Compatibility globalCompatibility() {
        return compatibilityOf(send("GET", "/config", null));
    }

    /** Sets the registry-wide default compatibility level. */
    public void setGlobalCompatibility(Compatibility level) {
        requireNonNull(level, "level");
        send("PUT", "/config", compatibilityBody(level));
    }

    /** The compatibility level set on {@code subject} itself, if any (no fallback to the global level). */
    public Optional<Compatibility> subjectCompatibility(String subject) {
        requireNonNull(subject, "subject");
        try {
            return Optional.of(compatibilityOf(send("GET", "/config/" + enc(subject), null)));
        } catch (SchemaNotFoundException e) {
            return Optional.empty();
        }
    }

    /** Sets the compatibility level of one subject. */
    public void setSubjectCompatibility(String subject, Compatibility level) {
        requireNonNull(subject, "subject");
        requireNonNull(level, "level");
        send("PUT", "/config/" + enc(subject), compatibilityBody(level));
    }

    /** The base URLs this client talks to. */
    public List<String> baseUrls() {
        return baseUrls;
    }

    private static Compatibility compatibilityOf(JsonNode answer) {
        String level = answer.has("compatibilityLevel") ? answer.get("compatibilityLevel").asText()
                : answer.path("compatibility").asText("");
        try {
            return Compatibility.valueOf(level);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("registry answered an unknown compatibility level: " + answer, 200, -1);
        }
    }

    private static String compatibilityBody(Compatibility level) {
        ObjectNode body = JSON.createObjectNode();
        body.put("compatibility", level.name());
        return body.toString();
    }

    private static String schemaBody(Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", registryForm(schema));
        return body.toString();
    }

    /**
     * The text this client registers, looks up and tests for {@code schema}: its JSON without the Java-only
     * property {@value #JAVA_STRING_PROPERTY} (which classes generated with {@code stringType=String} carry on every
     * string), printed compactly by Avro. For the schema of this build that is the newest released file
     * ({@code schemas/.../released/AuditEvent-vN.avsc}) in canonical form, byte for byte, so a producer in any
     * language that registers or looks up the released file gets the same schema id as the JVM pipeline. The
     * Parsing Canonical Form, and so the fingerprint hashed into chains, is the same with or without the property.
     */
    public static String registryForm(Schema schema) {
        requireNonNull(schema, "schema");
        try {
            JsonNode tree = JSON.readTree(schema.toString());
            stripJavaProperties(tree);
            return new Schema.Parser().parse(tree.toString()).toString();
        } catch (IOException e) {
            throw new IllegalStateException("Avro printed a schema that is not JSON: " + schema.getFullName(), e);
        }
    }

    private static void stripJavaProperties(JsonNode node) {
        if (node instanceof ObjectNode object && object.has("type")) {
            object.remove(JAVA_STRING_PROPERTY);
        }
        node.forEach(SchemaRegistryClient::stripJavaProperties);
    }

    private static Schema parse(String text, String what) {
        return parse(new Schema.Parser(), text, what);
    }

    private static Schema parse(Schema.Parser parser, String text, String what) {
        try {
            return parser.parse(text);
        } catch (AvroRuntimeException e) {
            throw new InvalidRequestException("registry returned an Avro schema that does not parse for " + what
                    + ": " + e.getMessage(), 200, -1);
        }
    }

    private static String enc(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static int requiredInt(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.canConvertToInt()) {
            throw new InvalidRequestException("registry answer lacks integer field '" + field + "': " + answer, 200, -1);
        }
        return node.asInt();
    }

    private static String requiredText(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.isTextual()) {
            throw new InvalidRequestException("registry answer lacks string field '" + field + "': " + answer, 200, -1);
        }
        return node.asText();
    }

    /** Sends to each base URL in turn until one answers; definite answers (any status) are not retried. */
    private JsonNode send(String method, String path, String body) {
        RegistryUnavailableException last = null;
        for (String base : baseUrls) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(requestTimeout)
                    .header("Accept", MEDIA_TYPE + ", application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (body != null) {
                request.header("Content-Type", MEDIA_TYPE);
            }
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                last = new RegistryUnavailableException(method + " " + base + path + " failed: " + e, -1, e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException(method + " " + base + path + " interrupted", -1, e);
            }
            int status = response.statusCode();
            if (status >= 500 || status == 408 || status == 429) {
                last = new RegistryUnavailableException(method + " " + base + path + " answered HTTP " + status + ": "
                        + snippet(response.body()), status, null);
                continue;
            }
            return interpret(method + " " + base + path, status, response.body());
        }
        throw requireNonNull(last, "no registry URL configured");
    }

    private static JsonNode interpret(String what, int status, byte[] body) {
        JsonNode json;
        try {
            json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new InvalidRequestException(what + " answered HTTP " + status + " with a body that is not JSON: "
                    + snippet(body), status, -1);
        }
        if (status >= 200 && status < 300) {
            return json;
        }
        int errorCode = json.path("error_code").asInt(-1);
        String message = what + " answered HTTP " + status
                + (errorCode > 0 ? " error_code " + errorCode : "") + ": " + json.path("message").asText(snippet(body));
        if (status == 401 || status == 403) {
            throw new RegistryAuthException(message + " (check " + RegistryClientConfig.BASIC_AUTH_USER_INFO_CONFIG
                    + ")", status);
        }
        if (status == 404) {
            throw new SchemaNotFoundException(message, status, errorCode);
        }
        if (status == 409) {
            throw new IncompatibleSchemaException(message, status, errorCode);
        }
        throw new InvalidRequestException(message, status, errorCode);
    }

    private static String snippet(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
        return body.length > 300 ? text + "..." : text;
    }

    private static SSLContext sslContext(RegistryClientConfig config) {
        String trustStore = config.getString(RegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG);
        String keyStore = config.getString(RegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG);
        if (trustStore.isEmpty() && keyStore.isEmpty()) {
            return null;
        }
        try {
            TrustManagerFactory tmf = null;
            if (!trustStore.isEmpty()) {
                KeyStore ts = load(trustStore, config.getString(RegistryClientConfig.SSL_TRUSTSTORE_TYPE_CONFIG),
                        config.getPassword(RegistryClientConfig.SSL_TRUSTSTORE_PASSWORD_CONFIG).value(),
                        RegistryClientConfig.SSL_TRUSTSTORE_LOCATION_CONFIG);
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ts);
            }
            KeyManagerFactory kmf = null;
            if (!keyStore.isEmpty()) {
                char[] password = config.getPassword(RegistryClientConfig.SSL_KEYSTORE_PASSWORD_CONFIG).value()
                        .toCharArray();
                KeyStore ks = load(keyStore, config.getString(RegistryClientConfig.SSL_KEYSTORE_TYPE_CONFIG),
                        new String(password), RegistryClientConfig.SSL_KEYSTORE_LOCATION_CONFIG);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, password);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("cannot build TLS context for the schema registry: " + e.getMessage());
        }
    }

    private static KeyStore load(String location, String type, String password, String key)
            throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password.toCharArray());
            return store;
        } catch (IOException e) {
            throw new ConfigException(key, location, "cannot read key store: " + e.getMessage());
        }
    }
}
