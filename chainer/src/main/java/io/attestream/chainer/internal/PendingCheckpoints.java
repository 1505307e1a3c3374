package io.attestream.chainer.internal;

import io.attestream.chain.CheckpointRecord;
import io.attestream.integrity.MalformedDataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Encoding of a signed checkpoint waiting for its timestamp in the pending store: the Avro binary body of the
 * {@link CheckpointRecord} (timestamp null), under the schema compiled into this build. Keys sort by agent, then by
 * tree size: {@code <tenant>/<agentId> NUL <tree size, 19 digits>}.
 */
final class PendingCheckpoints {
    private static final SpecificDatumWriter<CheckpointRecord> WRITER = new SpecificDatumWriter<>(CheckpointRecord.class);
    private static final SpecificDatumReader<CheckpointRecord> READER = new SpecificDatumReader<>(CheckpointRecord.class);

    private PendingCheckpoints() {
    }

    static String key(String agentKey, long treeSize) {
        return agentKey + '\u0000' + String.format("%019d", treeSize);
    }

    static byte[] encode(CheckpointRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            WRITER.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static CheckpointRecord decode(byte[] bytes) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
        try {
            return READER.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new MalformedDataException("pending checkpoint of " + bytes.length + " bytes does not decode: " + e, e);
        }
    }
}
