package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of a C2SP tlog-witness {@code POST <prefix>/add-checkpoint} request (docs/integrity.md §6.2):
 * {@code "old <size>\n"}, at most 63 consistency proof lines (one base64 hash each), an empty line,
 * then the signed checkpoint note. Parsing is strict: canonical decimals and base64, {@code \n} line
 * ends only, valid UTF-8. Immutable.
 *
 * @param oldSize the tree size the client believes the witness last cosigned for this origin (0 if none)
 * @param proof the RFC 9162 consistency proof from {@code oldSize} to the checkpoint's size
 * @param note the signed checkpoint, exactly as sent (it may carry several signatures)
 */
public record AddCheckpointRequest(long oldSize, List<Hash> proof, String note) {
    /** The protocol's bound on consistency proof lines. */
    public static final int MAX_PROOF_LINES = 63;

    /**
     * Checks ranges and copies the proof.
     *
     * @throws IllegalArgumentException when oldSize is negative or the proof longer than 63 hashes
     */
    public AddCheckpointRequest {
        requireNonNull(proof, "proof");
        requireNonNull(note, "note");
        proof = List.copyOf(proof);
        if (oldSize < 0) {
            throw new IllegalArgumentException("old size must be >= 0, got " + oldSize);
        }
        if (proof.size() > MAX_PROOF_LINES) {
            throw new IllegalArgumentException("a consistency proof of " + proof.size() + " lines exceeds the "
                    + MAX_PROOF_LINES + " the witness protocol allows");
        }
    }

    /**
     * The request body.
     *
     * @return UTF-8 bytes
     */
    public byte[] toBytes() {
        StringBuilder sb = new StringBuilder("old ").append(oldSize).append('\n');
        for (Hash h : proof) {
            sb.append(h.base64()).append('\n');
        }
        return sb.append('\n').append(note).toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses a request body. The note is returned as text, not parsed: the witness parses and
     * verifies it next.
     *
     * @param body the bytes
     * @return the request
     * @throws MalformedDataException when the body is not an add-checkpoint request
     */
    public static AddCheckpointRequest parse(byte[] body) {
        requireNonNull(body, "body");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedDataException("add-checkpoint request is not UTF-8", e);
        }
        int nl = text.indexOf('\n');
        if (nl < 0 || !text.startsWith("old ")) {
            throw new MalformedDataException("add-checkpoint request does not start with an 'old <size>' line");
        }
        long old = Checkpoint.parseSize(text.substring(4, nl), "old size");
        List<Hash> proof = new ArrayList<>();
        int pos = nl + 1;
        while (true) {
            int end = text.indexOf('\n', pos);
            if (end < 0) {
                throw new MalformedDataException("add-checkpoint request has no empty line before the checkpoint");
            }
            if (end == pos) {
                pos = end + 1;
                break;
            }
            if (proof.size() == MAX_PROOF_LINES) {
                throw new MalformedDataException("add-checkpoint request has more than " + MAX_PROOF_LINES
                        + " consistency proof lines");
            }
            try {
                proof.add(Hash.fromBase64(text.substring(pos, end)));
            } catch (MalformedDataException | IllegalArgumentException e) {
                throw new MalformedDataException("consistency proof line " + (proof.size() + 1)
                        + " of the add-checkpoint request is not a base64 hash: " + e.getMessage(), e);
            }
            pos = end + 1;
        }
        return new AddCheckpointRequest(old, proof, text.substring(pos));
    }
}
