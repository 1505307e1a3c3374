package io.attestream.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.deploy.stack.junit.LocalStackExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The registry's Confluent-compatible API through plain HTTP. (The schemas module's client is not
 * used here: schemas' own integration tests will depend on this module, and Maven forbids the cycle.)
 */
@ExtendWith(LocalStackExtension.class)
class RegistryIT {
    private static final String CT = "application/vnd.schemaregistry.v1+json";
    private static final String V1 = "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}";
    private static final String V2_COMPATIBLE = "{\"type\":\"record\",\"name\":\"E\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"long\",\"default\":0}]}";
    private static final String V2_INCOMPATIBLE = "{\"type\":\"record\",\"name\":\"E\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"long\"}]}";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void globalCompatibilityIsBackwardAfterStart(StackEndpoints stack) throws Exception {
        HttpResponse<String> r = get(stack.registryUrl() + "/config");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"compatibilityLevel\":\"BACKWARD\"");
    }

    @Test
    void registersGetsByIdAndChecksCompatibility(StackEndpoints stack) throws Exception {
        String subject = "it-" + UUID.randomUUID() + "-value";
        HttpResponse<String> first = post(stack.registryUrl() + "/subjects/" + subject + "/versions", wrap(V1));
        assertThat(first.statusCode()).isEqualTo(200);
        String id = first.body().replaceAll("[^0-9]", "");
        assertThat(post(stack.registryUrl() + "/subjects/" + subject + "/versions", wrap(V1)).body())
                .as("same schema, same id").isEqualTo(first.body());

        HttpResponse<String> byId = get(stack.registryUrl() + "/schemas/ids/" + id);
        assertThat(byId.statusCode()).isEqualTo(200);
        assertThat(byId.body().replace("\\", "")).contains("\"name\":\"a\"");

        HttpResponse<String> unknown = get(stack.registryUrl() + "/schemas/ids/987654321");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("40403");

        assertThat(post(stack.registryUrl() + "/compatibility/subjects/" + subject + "/versions/latest",
                wrap(V2_COMPATIBLE)).body()).contains("\"is_compatible\":true");
        assertThat(post(stack.registryUrl() + "/compatibility/subjects/" + subject + "/versions/latest",
                wrap(V2_INCOMPATIBLE)).body()).contains("\"is_compatible\":false");
        assertThat(post(stack.registryUrl() + "/subjects/" + subject + "/versions", wrap(V2_INCOMPATIBLE))
                .statusCode()).isEqualTo(409);
        assertThat(post(stack.registryUrl() + "/subjects/" + subject + "/versions", wrap(V2_COMPATIBLE))
                .statusCode()).isEqualTo(200);
    }

    private static String wrap(String schema) {
        return "{\"schema\":\"" + schema.replace("\"", "\\\"") + "\"}";
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", CT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", CT)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
