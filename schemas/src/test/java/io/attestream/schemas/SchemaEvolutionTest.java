package io.attestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.chain.ChainedEvent;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.ReleasedRecords;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void currentSchemaReadsEveryReleasedVersion() {
        assertThat(SchemaEvolution.released()).containsKey("v1");
        assertThat(SchemaEvolution.currentProblems()).isEmpty();
    }

    @Test
    void latestReleasedVersionIsTheSchemaOfThisBuild() {
        // When the schema changes, release it as the next version (new file + index line): this test then passes again.
        Map<String, Schema> released = SchemaEvolution.released();
        Schema latest = List.copyOf(released.values()).get(released.size() - 1);
        assertThat(SchemaNormalization.parsingFingerprint64(latest))
                .isEqualTo(SchemaNormalization.parsingFingerprint64(AuditEvent.getClassSchema()));
    }

    @Test
    void registryFormOfThisBuildIsTheLatestReleasedFileInCanonicalForm() {
        String latest = SchemaEvolution.releasedText(SchemaEvolution.latestVersion()).orElseThrow();
        String canonicalRelease = new Schema.Parser().parse(latest).toString();

        String registered = SchemaRegistryClient.registryForm(AuditEvent.getClassSchema());

        assertThat(AuditEvent.getClassSchema().toString()).contains("avro.java.string");
        assertThat(registered).isEqualTo(canonicalRelease).doesNotContain("avro.java");
    }

    @Test
    void registryFormOfChainedEventIsItsLatestReleasedFileWithoutJavaProperties() {
        // The ChainedEvent files were released as the generated schema prints itself (with avro.java.string); the
        // registry gets them without it, like every schema this client registers.
        Map<String, Schema> released = SchemaEvolution.releasedChainedEvent();
        Schema latest = List.copyOf(released.values()).get(released.size() - 1);

        assertThat(SchemaRegistryClient.registryForm(ChainedEvent.getClassSchema()))
                .isEqualTo(SchemaRegistryClient.registryForm(latest)).doesNotContain("avro.java");
    }

    @Test
    void releasedTextAcceptsBothVersionSpellingsAndNothingUnreleased() {
        assertThat(SchemaEvolution.latestVersion()).isEqualTo("v2");
        assertThat(SchemaEvolution.releasedText("2")).isEqualTo(SchemaEvolution.releasedText("v2")).isPresent();
        assertThat(SchemaEvolution.releasedText("v3")).isEmpty();
        assertThat(SchemaEvolution.releasedText("../index.txt")).isEmpty();
    }

    @Test
    void v2AppendsTheDriftPayloadsAndStillReadsV1() {
        Map<String, Schema> released = SchemaEvolution.released();
        assertThat(released.keySet()).containsExactly("v1", "v2");
        List<String> v1Union = released.get("v1").getField("payload").schema().getTypes().stream()
                .map(Schema::getName).toList();
        List<String> v2Union = released.get("v2").getField("payload").schema().getTypes().stream()
                .map(Schema::getName).toList();
        assertThat(v2Union.subList(0, v1Union.size())).isEqualTo(v1Union);
        assertThat(v2Union.subList(v1Union.size(), v2Union.size()))
                .containsExactly("DriftAlert", "DriftRecovered", "BaselinePinned");
        assertThat(SchemaEvolution.backwardProblems(released.get("v2"), Map.of("v1", released.get("v1")))).isEmpty();
    }

    @Test
    void chainedEventOfThisBuildIsTheLatestReleaseAndReadsEveryReleasedVersion() {
        Map<String, Schema> released = SchemaEvolution.releasedChainedEvent();
        assertThat(released.keySet()).containsExactly("v1", "v2");
        assertThat(SchemaEvolution.currentChainedEventProblems()).isEmpty();
        Schema latest = List.copyOf(released.values()).get(released.size() - 1);
        assertThat(SchemaNormalization.parsingFingerprint64(latest))
                .isEqualTo(SchemaNormalization.parsingFingerprint64(ChainedEvent.getClassSchema()));
        // v2 appends entryVersion (default 1) and changes nothing else.
        List<String> v1 = released.get("v1").getFields().stream().map(Schema.Field::name).toList();
        List<String> v2 = released.get("v2").getFields().stream().map(Schema.Field::name).toList();
        assertThat(v2.subList(0, v1.size())).isEqualTo(v1);
        assertThat(v2.subList(v1.size(), v2.size())).containsExactly("entryVersion");
    }

    @Test
    void chainedEventWrittenWithV1ReadsAsEntryVersion1() throws Exception {
        Schema v1 = SchemaEvolution.releasedChainedEvent().get("v1");
        byte[] body = ReleasedRecords.chainedEventV1("acme", "agent-1", 3, 7, new byte[32], "e",
                new byte[] {0, 0, 0, 0, 7});
        ChainedEvent read = new SpecificDatumReader<ChainedEvent>(v1, ChainedEvent.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(body, null));
        assertThat(read.getSeq()).isEqualTo(3L);
        assertThat(read.getEntryVersion()).isEqualTo(1);
    }

    @Test
    void guardRejectsAFieldAddedWithoutDefault() throws Exception {
        ObjectNode schema = (ObjectNode) JSON.readTree(AuditEvent.getClassSchema().toString());
        ((ArrayNode) schema.get("fields")).addObject().put("name", "region").put("type", "string");
        Schema candidate = new Schema.Parser().parse(schema.toString());

        List<String> problems = SchemaEvolution.backwardProblems(candidate, SchemaEvolution.released());

        // One problem per released version (v1, v2): each must stay readable.
        assertThat(problems).hasSize(SchemaEvolution.released().size());
        assertThat(problems.get(0)).contains("cannot read v1 data").contains("READER_FIELD_MISSING_DEFAULT_VALUE")
                .contains("region");
    }

    @Test
    void guardAcceptsAFieldAddedWithDefault() throws Exception {
        ObjectNode schema = (ObjectNode) JSON.readTree(AuditEvent.getClassSchema().toString());
        ObjectNode field = ((ArrayNode) schema.get("fields")).addObject().put("name", "region");
        field.putArray("type").add("null").add("string");
        field.putNull("default");
        Schema candidate = new Schema.Parser().parse(schema.toString());

        assertThat(SchemaEvolution.backwardProblems(candidate, SchemaEvolution.released())).isEmpty();
    }

    @Test
    void guardRejectsARemovedPayloadType() throws Exception {
        ObjectNode schema = (ObjectNode) JSON.readTree(AuditEvent.getClassSchema().toString());
        for (var field : schema.get("fields")) {
            if (field.get("name").asText().equals("payload")) {
                ((ArrayNode) field.get("type")).remove(6);
            }
        }
        Schema candidate = new Schema.Parser().parse(schema.toString());

        assertThat(SchemaEvolution.backwardProblems(candidate, Map.of("v1", AuditEvent.getClassSchema())))
                .anySatisfy(p -> assertThat(p).contains("MISSING_UNION_BRANCH"));
    }
}
