package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.MalformedDataException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Decodes the stored timestamp of a checkpoint ({@code CheckpointRecord.timestamp.encoded}, column
 * {@code timestamp_token}). The integrity library's only stable encoding of a {@link CheckpointTimestamp}
 * today is its JSON form (docs/integrity.md), stored as UTF-8 bytes; anything else is malformed.
 */
public final class TimestampCodec {
    private TimestampCodec() {
    }

    /**
     * Decodes stored bytes.
     *
     * @param encoded the stored bytes
     * @return the timestamp
     * @throws MalformedDataException when the bytes are not a checkpoint timestamp encoding
     */
    public static CheckpointTimestamp decode(byte[] encoded) {
        requireNonNull(encoded, "encoded");
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(encoded)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedDataException("stored checkpoint timestamp is not UTF-8 JSON", e);
        }
        return CheckpointTimestamp.fromJson(json);
    }

    /**
     * Encodes a timestamp the way {@link #decode} reads it.
     *
     * @param timestamp the timestamp
     * @return UTF-8 JSON bytes
     */
    public static byte[] encode(CheckpointTimestamp timestamp) {
        return requireNonNull(timestamp, "timestamp").toJson().getBytes(StandardCharsets.UTF_8);
    }
}
