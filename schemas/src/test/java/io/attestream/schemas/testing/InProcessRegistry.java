package io.attestream.schemas.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A small in-process server speaking the subset of the Confluent Schema Registry REST API our client uses, for unit
 * tests only (integration tests use the real Apicurio registry). Records every request for assertions.
 */
public final class InProcessRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();
    private final Map<String, String> compatibility = new HashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final List<String> requests = new ArrayList<>();
    private final AtomicReference<String> lastAuthorization = new AtomicReference<>();
    private volatile int failWithStatus;

    public InProcessRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        compatibility.put("", "BACKWARD");
    }

    /** Base URL to give the client. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request seen so far, as "METHOD path". */
    public synchronized List<String> requests() {
        return List.copyOf(requests);
    }

    public String lastAuthorization() {
        return lastAuthorization.get();
    }

    /** Answer every request with this HTTP status (0 to behave normally). */
    public void failWith(int status) {
        this.failWithStatus = status;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private synchronized void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        requests.add(method + " " + path + (query == null ? "" : "?" + query));
        lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
        byte[] body = exchange.getRequestBody().readAllBytes();
        try {
            if (failWithStatus != 0) {
                reply(exchange, failWithStatus, error(50001, "failing on purpose"));
                return;
            }
            String[] parts = path.substring(1).split("/");
            for (int i = 0; i < parts.length; i++) {
                parts[i] = URLDecoder.decode(parts[i], StandardCharsets.UTF_8);
            }
            route(exchange, method, parts, body);
        } catch (RuntimeException e) {
            reply(exchange, 500, error(50001, e.toString()));
        }
    }

    private void route(HttpExchange ex, String method, String[] p, byte[] body) throws IOException {
        if (p.length == 3 && p[0].equals("schemas") && p[1].equals("ids") && method.equals("GET")) {
            String schema = schemasById.get(Integer.parseInt(p[2]));
            if (schema == null) {
                reply(ex, 404, error(40403, "Schema " + p[2] + " not found"));
            } else {
                reply(ex, 200, JSON.createObjectNode().put("schema", schema));
            }
        } else if (p.length == 1 && p[0].equals("subjects") && method.equals("GET")) {
            reply(ex, 200, JSON.valueToTree(versionsBySubject.keySet()));
        } else if (p.length == 3 && p[0].equals("subjects") && p[2].equals("versions") && method.equals("POST")) {
            String schema = JSON.readTree(body).get("schema").asText();
            Schema parsed = new Schema.Parser().parse(schema);
            List<Integer> versions = versionsBySubject.computeIfAbsent(p[1], k -> new ArrayList<>());
            int id = idsByCanonical.computeIfAbsent(parsed.toString(), k -> nextId.getAndIncrement());
            if (!versions.contains(id)) {
                if (!versions.isEmpty() && !compatible(p[1], parsed)) {
                    reply(ex, 409, error(409, "Schema being registered is incompatible with an earlier schema"));
                    return;
                }
                versions.add(id);
            }
            schemasById.put(id, parsed.toString());
            reply(ex, 200, JSON.createObjectNode().put("id", id));
        } else if (p.length == 2 && p[0].equals("subjects") && method.equals("POST")) {
            List<Integer> versions = versionsBySubject.get(p[1]);
            if (versions == null) {
                reply(ex, 404, error(40401, "Subject '" + p[1] + "' not found."));
                return;
            }
            Schema parsed = new Schema.Parser().parse(JSON.readTree(body).get("schema").asText());
            Integer id = idsByCanonical.get(parsed.toString());
            if (id == null || !versions.contains(id)) {
                reply(ex, 404, error(40403, "Schema not found"));
                return;
            }
            reply(ex, 200, JSON.createObjectNode().put("subject", p[1]).put("id", id)
                    .put("version", versions.indexOf(id) + 1).put("schema", schemasById.get(id)));
        } else if (p.length == 4 && p[0].equals("subjects") && p[2].equals("versions") && p[3].equals("latest")) {
            List<Integer> versions = versionsBySubject.get(p[1]);
            if (versions == null) {
                reply(ex, 404, error(40401, "Subject '" + p[1] + "' not found."));
                return;
            }
            int id = versions.get(versions.size() - 1);
            reply(ex, 200, JSON.createObjectNode().put("subject", p[1]).put("id", id)
                    .put("version", versions.size()).put("schema", schemasById.get(id)));
        } else if (p.length == 5 && p[0].equals("compatibility") && method.equals("POST")) {
            if (!versionsBySubject.containsKey(p[2])) {
                reply(ex, 404, error(40401, "Subject '" + p[2] + "' not found."));
                return;
            }
            Schema parsed = new Schema.Parser().parse(JSON.readTree(body).get("schema").asText());
            reply(ex, 200, JSON.createObjectNode().put("is_compatible", compatible(p[2], parsed)));
        } else if (p[0].equals("config") && p.length <= 2) {
            String subject = p.length == 2 ? p[1] : "";
            if (method.equals("PUT")) {
                String level = JSON.readTree(body).get("compatibility").asText();
                compatibility.put(subject, level);
                reply(ex, 200, JSON.createObjectNode().put("compatibility", level));
            } else if (compatibility.containsKey(subject)) {
                reply(ex, 200, JSON.createObjectNode().put("compatibilityLevel", compatibility.get(subject)));
            } else {
                reply(ex, 404, error(40408, "Subject '" + subject + "' does not have subject-level compatibility"));
            }
        } else {
            reply(ex, 404, error(404, "HTTP 404 Not Found"));
        }
    }

    private boolean compatible(String subject, Schema candidate) {
        String level = compatibility.getOrDefault(subject, compatibility.get(""));
        if (level.equals("NONE")) {
            return true;
        }
        List<Integer> versions = versionsBySubject.get(subject);
        Schema latest = new Schema.Parser().parse(schemasById.get(versions.get(versions.size() - 1)));
        return SchemaCompatibility.checkReaderWriterCompatibility(candidate, latest).getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    private static JsonNode error(int code, String message) {
        ObjectNode node = JSON.createObjectNode();
        node.put("error_code", code);
        node.put("message", message);
        return node;
    }

    private static void reply(HttpExchange ex, int status, JsonNode json) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(json);
        ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
