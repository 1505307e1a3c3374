package io.attestream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.Operation;
import io.attestream.sealing.EventOpener;
import io.attestream.sealing.FileKeyStore;
import io.attestream.sealing.LocalMasterKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDK seals the fields marked personal before the event leaves the process (seal.* keys). */
class SealingClientTest {
    private static final String PROMPT = "Refund order 7781 to Anna M\u00fcller, IBAN DE02120300000000202051";

    @TempDir
    Path dir;

    private Map<String, Object> props() throws Exception {
        Path master = dir.resolve("master.key");
        if (!Files.exists(master)) {
            LocalMasterKey.generate(master);
        }
        Map<String, Object> p = new HashMap<>(Map.of("bootstrap.servers", "localhost:1",
                AuditClientConfig.SEAL_FIELDS_CONFIG, "payload.inlinePayload,payload.attributes.user_prompt",
                AuditClientConfig.SEAL_KEYSTORE_DIR_CONFIG, dir.resolve("keys").toString(),
                AuditClientConfig.SEAL_MASTER_KEY_FILE_CONFIG, master.toString()));
        return p;
    }

    private static AgentAction prompt() {
        return AgentAction.newBuilder().setOperation(Operation.CHAT).setStatus(ActionStatus.OK)
                .setInlinePayload(PROMPT).setAttributes(Map.of("user_prompt", PROMPT, "region", "eu-west-1")).build();
    }

    @Test
    void personalFieldsLeaveTheProcessSealedAndOpenWithTheKeyStore() throws Exception {
        MockProducer<String, byte[]> mock = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        AuditClientConfig config = new AuditClientConfig(props());
        try (AuditClient client = new AuditClient(config, mock, 7)) {
            client.event("acme", "support-bot", "2.0").subject("anna@example.com").agentAction(prompt()).send().get();
        }
        byte[] value = mock.history().get(0).value();
        String raw = new String(value, StandardCharsets.ISO_8859_1);
        assertThat(raw).doesNotContain("Anna")
                .doesNotContain("IBAN").doesNotContain("anna@example.com").contains("eu-west-1");
        AuditEvent sent = new SpecificDatumReader<>(AuditEvent.class).read(null,
                DecoderFactory.get().binaryDecoder(Arrays.copyOfRange(value, 5, value.length), null));
        assertThat(sent.getSealed()).hasSize(2);
        assertThat(((AgentAction) sent.getPayload()).getInlinePayload()).isNull();

        FileKeyStore keys = new FileKeyStore(dir.resolve("keys"),
                LocalMasterKey.read(dir.resolve("master.key")), Duration.ZERO);
        EventOpener.Opened opened = new EventOpener(keys).open(sent);
        assertThat(((AgentAction) opened.event().getPayload()).getInlinePayload()).isEqualTo(PROMPT);
        assertThat(((AgentAction) opened.event().getPayload()).getAttributes()).containsEntry("user_prompt", PROMPT);
    }

    @Test
    void personalContentWithoutSubjectOrSubjectWithoutSealingIsRefusedAndNothingIsSent() throws Exception {
        MockProducer<String, byte[]> mock = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        try (AuditClient client = new AuditClient(new AuditClientConfig(props()), mock, 7)) {
            assertThatThrownBy(() -> client.event("acme", "support-bot", "2.0").agentAction(prompt()).send())
                    .isInstanceOf(InvalidEventException.class).hasMessageContaining("subject")
                    .hasMessageContaining("marked personal");
            // no personal content: no subject needed, nothing sealed
            AgentAction plain = AgentAction.newBuilder(prompt()).setInlinePayload(null)
                    .setAttributes(Map.of("region", "eu")).build();
            client.event("acme", "support-bot", "2.0").agentAction(plain).send().get();
        }
        assertThat(mock.history()).hasSize(1);
        MockProducer<String, byte[]> plainMock = new MockProducer<>(true, null, new StringSerializer(),
                new ByteArraySerializer());
        try (AuditClient client = new AuditClient(new AuditClientConfig(Map.of("bootstrap.servers", "localhost:1")),
                plainMock, 7)) {
            assertThatThrownBy(() -> client.event("acme", "support-bot", "2.0").subject("anna").agentAction(prompt())
                    .send()).isInstanceOf(InvalidEventException.class).hasMessageContaining("seals nothing");
        }
        assertThat(plainMock.history()).isEmpty();
    }

    @Test
    void sealingWithoutKeyStoreOrWithAnUnsealableFieldFailsAtStartNamingTheKey() throws Exception {
        Map<String, Object> noStore = props();
        noStore.remove(AuditClientConfig.SEAL_KEYSTORE_DIR_CONFIG);
        assertThatThrownBy(() -> new AuditClientConfig(noStore).keyStore()).isInstanceOf(ConfigException.class)
                .hasMessageContaining(AuditClientConfig.SEAL_KEYSTORE_DIR_CONFIG);
        Map<String, Object> noMaster = props();
        noMaster.remove(AuditClientConfig.SEAL_MASTER_KEY_FILE_CONFIG);
        assertThatThrownBy(() -> new AuditClientConfig(noMaster).keyStore()).isInstanceOf(ConfigException.class)
                .hasMessageContaining(AuditClientConfig.SEAL_MASTER_KEY_FILE_CONFIG);
        Map<String, Object> bad = props();
        bad.put(AuditClientConfig.SEAL_FIELDS_CONFIG, "payload.summary");
        assertThatThrownBy(() -> new AuditClientConfig(bad)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(AuditClientConfig.SEAL_FIELDS_CONFIG).hasMessageContaining("IncidentRecord.summary");
    }
}
