package io.attestream.schemas.wire;

import io.attestream.schemas.wire.WireFormatException.InvalidMagicByteException;
import io.attestream.schemas.wire.WireFormatException.TruncatedRecordException;
import java.util.Arrays;

/**
 * The Confluent wire format: byte 0 is the magic byte {@code 0x00}, bytes 1-4 the schema id (big-endian int32),
 * then the Avro binary encoding of the record under that writer schema.
 */
public final class ConfluentWireFormat {
    /** The only magic byte defined by Confluent. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus 4-byte schema id. */
    public static final int HEADER_SIZE = 5;

    private ConfluentWireFormat() {
    }

    /** Prepends the 5-byte header to an Avro body. */
    public static byte[] frame(int schemaId, byte[] avroBody) {
        byte[] out = new byte[HEADER_SIZE + avroBody.length];
        writeHeader(out, schemaId);
        System.arraycopy(avroBody, 0, out, HEADER_SIZE, avroBody.length);
        return out;
    }

    static void writeHeader(byte[] out, int schemaId) {
        out[0] = MAGIC_BYTE;
        out[1] = (byte) (schemaId >>> 24);
        out[2] = (byte) (schemaId >>> 16);
        out[3] = (byte) (schemaId >>> 8);
        out[4] = (byte) schemaId;
    }

    /**
     * Validates the header and returns the schema id.
     *
     * @throws TruncatedRecordException when fewer than 5 bytes are present (null counts as empty)
     * @throws InvalidMagicByteException when byte 0 is not 0
     */
    public static int schemaId(byte[] record) {
        if (record == null || record.length < HEADER_SIZE) {
            int length = record == null ? 0 : record.length;
            throw new TruncatedRecordException("record of " + length + " bytes is shorter than the 5-byte Confluent"
                    + " wire-format header (magic byte + schema id)" + preview(record));
        }
        if (record[0] != MAGIC_BYTE) {
            throw new InvalidMagicByteException(String.format("byte 0 is 0x%02x, expected the Confluent magic byte 0x00"
                    + " (is the producer using a Confluent-compatible Avro serializer?)%s", record[0] & 0xff,
                    preview(record)));
        }
        return ((record[1] & 0xff) << 24) | ((record[2] & 0xff) << 16) | ((record[3] & 0xff) << 8) | (record[4] & 0xff);
    }

    /** The Avro body: everything after the header (a copy). */
    public static byte[] body(byte[] record) {
        schemaId(record);
        return Arrays.copyOfRange(record, HEADER_SIZE, record.length);
    }

    static String preview(byte[] record) {
        if (record == null || record.length == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder("; first bytes:");
        for (int i = 0; i < Math.min(16, record.length); i++) {
            sb.append(String.format(" %02x", record[i] & 0xff));
        }
        return record.length > 16 ? sb.append(" ...").toString() : sb.toString();
    }
}
