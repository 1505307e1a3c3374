package io.attestream.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.chain.CheckpointRecord;
import io.attestream.events.Sha256;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.WireFormatException.UnresolvableSchemaException;
import org.junit.jupiter.api.Test;

class WireSerdeTest {

    @Test
    void roundTripsPipelineRecordsUnderTheirTopicSubject() throws Exception {
        try (InProcessRegistry registry = new InProcessRegistry()) {
            SchemaRegistryClient client = SchemaRegistryClient.forUrl(registry.url());
            WireSerde<CheckpointRecord> serde = WireSerde.of(client, CheckpointRecord.class,
                    CheckpointRecord.getClassSchema(), true);
            Sha256 root = SampleEvents.sha256("root");
            CheckpointRecord record = CheckpointRecord.newBuilder().setTenant("acme").setAgentId("bot")
                    .setTreeSize(10).setRootHash(root).setHeadSeq(9).setHeadHash(root).setNote("note\n")
                    .setKeyName("k").setCreatedAt(SampleEvents.T0).setTrigger("count").setTimestamp(null).build();

            byte[] bytes = serde.serializer().serialize(Topics.CHECKPOINTS, record);

            assertThat(serde.deserializer().deserialize(Topics.CHECKPOINTS, bytes)).isEqualTo(record);
            assertThat(client.latest("attestream.checkpoints-value").id()).isEqualTo(ConfluentWireFormat.schemaId(bytes));
            // An AuditEvent codec refuses a checkpoint: the schema names another record.
            assertThatThrownBy(() -> new AuditEventCodec(client).decode(bytes))
                    .isInstanceOf(UnresolvableSchemaException.class);
        }
    }
}
