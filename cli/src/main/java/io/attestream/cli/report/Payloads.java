package io.attestream.cli.report;

import io.attestream.events.AuditEvent;
import java.io.IOException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Decodes payload fields that no typed column holds (drift alerts, an action's operation) from the stored event
 * bytes: the very bytes {@code verify} hashes, read with the writer schema stored in {@code registry_schemas}
 * (whose fingerprint {@code verify} re-derives) and resolved to this build's {@link AuditEvent}.
 */
final class Payloads {
    private static final int WIRE_HEADER = 5;
    private final Map<Integer, SpecificDatumReader<AuditEvent>> readers = new HashMap<>();
    private BinaryDecoder decoder;

    /**
     * @param schemas rows of (schema_id, schema_text)
     */
    Payloads(List<List<String>> schemas) {
        for (List<String> row : schemas) {
            Schema writer = new Schema.Parser().parse(row.get(1));
            readers.put(Integer.parseInt(row.get(0)), new SpecificDatumReader<>(writer, AuditEvent.getClassSchema()));
        }
    }

    /**
     * @param schemaId the row's schema_id
     * @param hexBytes {@code hex(event_bytes)}: Confluent wire header, then the Avro body
     * @return the event
     * @throws IllegalStateException when the schema is not stored or the bytes do not decode
     */
    AuditEvent decode(int schemaId, String hexBytes) {
        SpecificDatumReader<AuditEvent> reader = readers.get(schemaId);
        if (reader == null) {
            throw new IllegalStateException("schema id " + schemaId + " is not in registry_schemas");
        }
        byte[] bytes = HexFormat.of().parseHex(hexBytes);
        decoder = DecoderFactory.get().binaryDecoder(bytes, WIRE_HEADER, bytes.length - WIRE_HEADER, decoder);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("stored event bytes do not decode with schema id " + schemaId + ": " + e, e);
        }
    }
}
