package io.attestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.chain.ChainedEvent;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.ReleasedRecords;
import io.attestream.schemas.testing.SampleEvents;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
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
        assertThat(SchemaEvolution.latestVersion()).isEqualTo("v3");
        assertThat(SchemaEvolution.releasedText("2")).isEqualTo(SchemaEvolution.releasedText("v2")).isPresent();
        assertThat(SchemaEvolution.releasedText("3")).isEqualTo(SchemaEvolution.releasedText("v3")).isPresent();
        assertThat(SchemaEvolution.releasedText("v4")).isEmpty();
        assertThat(SchemaEvolution.releasedText("../index.txt")).isEmpty();
    }

    @Test
    void v2AppendsTheDriftPayloadsAndStillReadsV1() {
        Map<String, Schema> released = SchemaEvolution.released();
        assertThat(released.keySet()).startsWith("v1", "v2");
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
    void v3AppendsErasureAndLegalHoldAndTheSealedListAndStillReadsV1AndV2() {
        Map<String, Schema> released = SchemaEvolution.released();
        assertThat(released.keySet()).containsExactly("v1", "v2", "v3");
        Schema v2 = released.get("v2");
        Schema v3 = released.get("v3");
        List<String> v2Union = v2.getField("payload").schema().getTypes().stream().map(Schema::getName).toList();
        List<String> v3Union = v3.getField("payload").schema().getTypes().stream().map(Schema::getName).toList();
        assertThat(v3Union.subList(0, v2Union.size())).isEqualTo(v2Union);
        assertThat(v3Union.subList(v2Union.size(), v3Union.size())).containsExactly("ErasureRecord", "LegalHold");
        List<String> v2Fields = v2.getFields().stream().map(Schema.Field::name).toList();
        List<String> v3Fields = v3.getFields().stream().map(Schema.Field::name).toList();
        assertThat(v3Fields.subList(0, v2Fields.size())).isEqualTo(v2Fields);
        assertThat(v3Fields.subList(v2Fields.size(), v3Fields.size())).containsExactly("sealed");
        assertThat(v3.getField("sealed").hasDefaultValue()).isTrue();
        assertThat(SchemaEvolution.backwardProblems(v3, Map.of("v1", released.get("v1"), "v2", v2))).isEmpty();
        // every v2 record other than the envelope and the payload union is unchanged in v3, except EvalResult,
        // which appends two optional fields (OpenTelemetry gen_ai.evaluation.result carries them)
        for (Schema t : v2.getField("payload").schema().getTypes()) {
            Schema now = v3.getField("payload").schema().getTypes().get(v2Union.indexOf(t.getName()));
            if (t.getName().equals("EvalResult")) {
                List<String> before = t.getFields().stream().map(Schema.Field::name).toList();
                List<String> after = now.getFields().stream().map(Schema.Field::name).toList();
                assertThat(after.subList(0, before.size())).isEqualTo(before);
                assertThat(after.subList(before.size(), after.size())).containsExactly("explanation", "responseId");
                assertThat(now.getField("explanation").hasDefaultValue()).isTrue();
                assertThat(now.getField("responseId").hasDefaultValue()).isTrue();
                continue;
            }
            assertThat(now).as(t.getName()).isEqualTo(t);
        }
    }

    @Test
    void v2EventBytesDecodeUnchangedUnderV3WithAnEmptySealedList() throws Exception {
        Map<String, Schema> released = SchemaEvolution.released();
        Schema v2 = released.get("v2");
        AuditEvent event = SampleEvents.of(EventType.AGENT_ACTION, "acme", "bot", 5);
        GenericRecord asV2 = toGeneric(event, v2);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(v2).write(asV2, enc);
        enc.flush();
        AuditEvent read = new SpecificDatumReader<AuditEvent>(v2, AuditEvent.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertThat(read.getSealed()).isEmpty();
        assertThat(read.getEventId()).isEqualTo(event.getEventId());
        assertThat(read.getPayload()).isEqualTo(event.getPayload());
    }

    private static GenericRecord toGeneric(AuditEvent event, Schema writer) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<AuditEvent>(AuditEvent.getClassSchema()).write(event, enc);
        enc.flush();
        return new GenericDatumReader<GenericRecord>(AuditEvent.getClassSchema(), writer)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
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
