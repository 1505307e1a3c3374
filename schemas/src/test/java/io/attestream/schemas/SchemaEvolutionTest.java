package io.attestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.events.AuditEvent;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void currentSchemaReadsEveryReleasedVersion() {
        assertThat(SchemaEvolution.released()).containsKey("v1");
        assertThat(SchemaEvolution.currentProblems()).isEmpty();
    }

    @Test
    void releasedV1IsTheSchemaOfThisBuildUntilV2Ships() {
        // When the schema changes, release it as v2 (new file + index line) and relax this test to the last one.
        Schema v1 = SchemaEvolution.released().get("v1");
        assertThat(SchemaNormalization.parsingFingerprint64(v1))
                .isEqualTo(SchemaNormalization.parsingFingerprint64(AuditEvent.getClassSchema()));
    }

    @Test
    void guardRejectsAFieldAddedWithoutDefault() throws Exception {
        ObjectNode schema = (ObjectNode) JSON.readTree(AuditEvent.getClassSchema().toString());
        ((ArrayNode) schema.get("fields")).addObject().put("name", "region").put("type", "string");
        Schema candidate = new Schema.Parser().parse(schema.toString());

        List<String> problems = SchemaEvolution.backwardProblems(candidate, SchemaEvolution.released());

        assertThat(problems).singleElement().asString()
                .contains("cannot read v1 data").contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("region");
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
