package io.attestream.ingest.gateway;

import static io.attestream.ingest.gateway.GatewayTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.ingest.AuditClientConfig;
import io.attestream.ingest.internal.JsonEventMapper;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.sealing.EventOpener;
import io.attestream.sealing.FileKeyStore;
import io.attestream.sealing.LocalMasterKey;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With seal.* set, the gateway seals on arrival the fields marked personal, under the event's "subject". */
class GatewaySealingTest {
    private static final String PROMPT = "Mein Name ist Anna M\u00fcller, bitte erstatten";

    @TempDir
    Path dir;

    private Map<String, Object> sealing() throws Exception {
        LocalMasterKey.generate(dir.resolve("master.key"));
        return Map.of(AuditClientConfig.SEAL_FIELDS_CONFIG, "payload.inlinePayload",
                AuditClientConfig.SEAL_KEYSTORE_DIR_CONFIG, dir.resolve("keys").toString(),
                AuditClientConfig.SEAL_MASTER_KEY_FILE_CONFIG, dir.resolve("master.key").toString());
    }

    private static ObjectNode promptEvent(int n) {
        AuditEvent e = SampleEvents.of(EventType.AGENT_ACTION, "acme", "refund-bot", n);
        ((AgentAction) e.getPayload()).setInlinePayload(PROMPT);
        return JsonEventMapper.toJson(e);
    }

    @Test
    void sealsPersonalFieldsOnArrivalAndNeverWritesTheSubjectOrTheCleartext() throws Exception {
        MockProducer<String, byte[]> mock = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, sealing())) {
            ObjectNode e = promptEvent(1).put("subject", "anna@example.com");
            HttpResponse<String> r = gw.post("k-refund", e.toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }
        byte[] value = mock.history().get(0).value();
        String raw = new String(value, StandardCharsets.ISO_8859_1);
        assertThat(raw).doesNotContain("Anna").doesNotContain("anna@example.com");
        AuditEvent sent = new SpecificDatumReader<>(AuditEvent.class).read(null,
                DecoderFactory.get().binaryDecoder(Arrays.copyOfRange(value, 5, value.length), null));
        assertThat(sent.getSealed()).hasSize(1);
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys"), LocalMasterKey.read(dir.resolve("master.key")),
                Duration.ZERO);
        assertThat(((AgentAction) new EventOpener(keys).open(sent).event().getPayload()).getInlinePayload())
                .isEqualTo(PROMPT);
    }

    @Test
    void personalContentWithoutSubjectIs400AndABatchWithItSendsNothing() throws Exception {
        MockProducer<String, byte[]> mock = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, sealing())) {
            String ok = promptEvent(1).put("subject", "anna").toString();
            String missing = promptEvent(2).toString();
            HttpResponse<String> r = gw.post("k-refund", ok + "\n" + missing + "\n");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(json(r).get("events").get(1).get("errors").get(0).get("path").textValue()).isEqualTo("subject");
            HttpResponse<String> wrongType = gw.post("k-refund", promptEvent(3).put("subject", 42).toString());
            assertThat(wrongType.statusCode()).isEqualTo(400);
            assertThat(wrongType.body()).contains("non-empty string");
        }
        assertThat(mock.history()).isEmpty();
    }

    @Test
    void aGatewayThatSealsNothingRefusesASubject() throws Exception {
        MockProducer<String, byte[]> mock = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            HttpResponse<String> r = gw.post("k-refund", promptEvent(1).put("subject", "anna").toString());
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("seals nothing");
        }
        assertThat(mock.history()).isEmpty();
    }
}
