package io.attestream.ingest.internal;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.wire.ConfluentWireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Encodes an {@link AuditEvent} into the Confluent wire format (the bytes of
 * {@link io.attestream.schemas.wire.AuditEventCodec#encode}) with one buffered encoder and output buffer per thread:
 * the header and the body are written into the same buffer, so the record is copied once, not three times.
 */
public final class WireEncoder {
    private static final ThreadLocal<WireEncoder> PER_THREAD = ThreadLocal.withInitial(WireEncoder::new);

    private final SpecificDatumWriter<AuditEvent> writer = new SpecificDatumWriter<>(AuditEvent.class);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    private final byte[] header = new byte[ConfluentWireFormat.HEADER_SIZE];
    private BinaryEncoder encoder;

    private WireEncoder() {
    }

    /** {@code event} framed with {@code schemaId}: magic byte, 4-byte schema id, Avro body. */
    public static byte[] encode(int schemaId, AuditEvent event) {
        return PER_THREAD.get().frame(schemaId, event);
    }

    private byte[] frame(int schemaId, AuditEvent event) {
        out.reset();
        header[0] = ConfluentWireFormat.MAGIC_BYTE;
        header[1] = (byte) (schemaId >>> 24);
        header[2] = (byte) (schemaId >>> 16);
        header[3] = (byte) (schemaId >>> 8);
        header[4] = (byte) schemaId;
        out.write(header, 0, header.length);
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        try {
            writer.write(event, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
