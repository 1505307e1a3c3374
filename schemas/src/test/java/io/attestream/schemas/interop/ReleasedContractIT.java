package io.attestream.schemas.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.junit.LocalStackExtension;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.SchemaEvolution;
import io.attestream.schemas.registry.Compatibility;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.ConfluentWireFormat;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract seen from a producer that is not ours: it has the released file and plain HTTP (what any language
 * has), no generated classes. Whatever order the two register in, the registry answers one id, and what the JVM
 * writes under that id decodes with a generic Avro reader built from the registry's text alone.
 */
@ExtendWith(LocalStackExtension.class)
class ReleasedContractIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String registry;
    private static String releasedFile;

    @BeforeAll
    static void stack(StackEndpoints endpoints) {
        registry = endpoints.registryUrl();
        releasedFile = SchemaEvolution.releasedText(SchemaEvolution.latestVersion()).orElseThrow();
    }

    @Test
    void releasedFileRegisteredOverPlainHttpAndThroughOurClientGetOneId() throws Exception {
        String subject = "contract-" + UUID.randomUUID() + "-value";

        int byHttp = post("/subjects/" + subject + "/versions", releasedFile).get("id").asInt();
        int byClient = SchemaEvolution.registerWithGuard(SchemaRegistryClient.forUrl(registry), subject);
        int lookedUp = post("/subjects/" + subject, releasedFile).get("id").asInt();

        assertThat(byClient).isEqualTo(byHttp);
        assertThat(lookedUp).isEqualTo(byHttp);
        assertThat(get("/subjects/" + subject + "/versions").size()).isEqualTo(1);
        assertThat(SchemaRegistryClient.forUrl(registry).subjectCompatibility(subject))
                .contains(Compatibility.BACKWARD_TRANSITIVE);
    }

    @Test
    void schemaRegisteredByTheJvmPipelineIsTheReleasedFileInCanonicalForm() throws Exception {
        String subject = "contract-" + UUID.randomUUID() + "-value";

        int byClient = SchemaEvolution.registerWithGuard(SchemaRegistryClient.forUrl(registry), subject);
        JsonNode lookup = post("/subjects/" + subject, releasedFile);
        String held = get("/schemas/ids/" + byClient).get("schema").asText();

        assertThat(lookup.get("id").asInt()).isEqualTo(byClient);
        assertThat(held).doesNotContain("avro.java.string");
        assertThat(JSON.readTree(held)).isEqualTo(JSON.readTree(releasedFile));
        assertThat(new Schema.Parser().parse(held).toString())
                .isEqualTo(new Schema.Parser().parse(releasedFile).toString());
    }

    @Test
    void eventsWrittenByTheJvmDecodeWithAGenericReaderFromTheRegistrysText() throws Exception {
        String subject = "contract-" + UUID.randomUUID() + "-value";
        int id = SchemaEvolution.registerWithGuard(SchemaRegistryClient.forUrl(registry), subject);

        for (AuditEvent event : SampleEvents.oneOfEach("acme", "generic-reader")) {
            byte[] record = AuditEventCodec.encode(id, event);
            int writerId = ConfluentWireFormat.schemaId(record);
            Schema writer = new Schema.Parser().parse(get("/schemas/ids/" + writerId).get("schema").asText());
            byte[] body = Arrays.copyOfRange(record, ConfluentWireFormat.HEADER_SIZE, record.length);

            GenericRecord read = new GenericDatumReader<GenericRecord>(writer)
                    .read(null, DecoderFactory.get().binaryDecoder(body, null));

            assertThat(read.get("eventId").toString()).isEqualTo(event.getEventId().toString());
            assertThat(read.get("tenant").toString()).isEqualTo("acme");
            assertThat(read.get("agentId").toString()).isEqualTo("generic-reader");
            assertThat(read.get("occurredAt")).isEqualTo(event.getOccurredAt().getEpochSecond() * 1_000_000L
                    + event.getOccurredAt().getNano() / 1_000);
            assertThat(((GenericRecord) read.get("payload")).getSchema().getName())
                    .isEqualTo(event.getPayload().getClass().getSimpleName());
            // Every field was read: written back generically, the body is the same bytes.
            assertThat(writeGeneric(writer, read)).isEqualTo(body);
        }
    }

    private static byte[] writeGeneric(Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static JsonNode post(String path, String schemaText) throws Exception {
        String body = JSON.createObjectNode().put("schema", schemaText).toString();
        return send(HttpRequest.newBuilder(URI.create(registry + path)).header("Content-Type", MEDIA_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    private static JsonNode get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(registry + path)).GET());
    }

    private static JsonNode send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = HTTP.send(request.header("Accept", MEDIA_TYPE).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", request.build().uri(), response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
