package io.attestream.schemas.testing;

import io.attestream.schemas.SchemaEvolution;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Records as writers of released (older) schema versions produced them, for backward-compatibility tests. */
public final class ReleasedRecords {
    private ReleasedRecords() {
    }

    /**
     * The Avro binary body of a ChainedEvent written with the released v1 schema, which has no entryVersion (all
     * hash and id fields as given; descriptive fields fixed).
     *
     * @param tenant tenant
     * @param agentId agent
     * @param seq seq
     * @param schemaId the event's writer schema id
     * @param fingerprint 32-byte schema fingerprint (also used as both hashes)
     * @param eventId event id
     * @param eventBytes the framed event bytes
     * @return the body, without the wire-format header
     */
    public static byte[] chainedEventV1(String tenant, String agentId, long seq, int schemaId, byte[] fingerprint,
            String eventId, byte[] eventBytes) {
        Schema v1 = SchemaEvolution.releasedChainedEvent().get("v1");
        Schema sha = v1.getField("hash").schema();
        GenericRecord old = new GenericData.Record(v1);
        old.put("tenant", tenant);
        old.put("agentId", agentId);
        old.put("seq", seq);
        old.put("prevHash", new GenericData.Fixed(sha, fingerprint));
        old.put("hash", new GenericData.Fixed(sha, fingerprint));
        old.put("schemaId", schemaId);
        old.put("schemaFingerprint", new GenericData.Fixed(sha, fingerprint));
        old.put("eventId", eventId);
        old.put("eventType", "AgentAction");
        old.put("agentVersion", "1");
        old.put("occurredAt", 1L);
        old.put("chainedAt", 2L);
        old.put("eventBytes", ByteBuffer.wrap(eventBytes));
        old.put("sourceTopic", "attestream.events");
        old.put("sourcePartition", 0);
        old.put("sourceOffset", 9L);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(body, null);
            new GenericDatumWriter<GenericRecord>(v1).write(old, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return body.toByteArray();
    }
}
