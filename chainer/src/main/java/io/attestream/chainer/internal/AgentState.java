package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.MalformedDataException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What the chainer keeps per agent in its changelogged store: the log state (chain head and compact Merkle tree, in
 * the integrity library's stable encoding) and checkpoint bookkeeping.
 *
 * <p>Encoding, version 1: u8 1, u64be lastCheckpointSize, u64be lastCheckpointAtMs, then {@link LogState#toBytes()}.
 *
 * @param log                 chain head and Merkle frontier
 * @param lastCheckpointSize  tree size of the last checkpoint made (0 before the first)
 * @param lastCheckpointAtMs  wall-clock time of the last checkpoint, or of the first entry before the first one
 */
public record AgentState(LogState log, long lastCheckpointSize, long lastCheckpointAtMs) {
    private static final byte VERSION = 1;
    private static final int HEADER = 1 + 8 + 8;

    /** Validates the bookkeeping against the log. */
    public AgentState {
        requireNonNull(log, "log");
        if (lastCheckpointSize < 0 || lastCheckpointSize > log.size()) {
            throw new IllegalArgumentException("log " + log.head().log() + ": last checkpoint size " + lastCheckpointSize
                    + " outside [0, " + log.size() + "]");
        }
    }

    /** The state of an agent never seen: empty log, clock for the time cadence starting at {@code nowMs}. */
    public static AgentState fresh(LogId id, long nowMs) {
        return new AgentState(LogState.empty(id), 0, nowMs);
    }

    /** Entries appended since the last checkpoint. */
    public long uncheckpointed() {
        return log.size() - lastCheckpointSize;
    }

    /** This state with {@code next} as log. */
    public AgentState withLog(LogState next) {
        return new AgentState(next, lastCheckpointSize, lastCheckpointAtMs);
    }

    /** This state after a checkpoint of the current tree at {@code nowMs}. */
    public AgentState checkpointed(long nowMs) {
        return new AgentState(log, log.size(), nowMs);
    }

    /** The stable encoding. */
    public byte[] toBytes() {
        byte[] l = log.toBytes();
        ByteBuffer b = ByteBuffer.allocate(HEADER + l.length);
        b.put(VERSION).putLong(lastCheckpointSize).putLong(lastCheckpointAtMs).put(l);
        return b.array();
    }

    /**
     * Decodes {@link #toBytes()}.
     *
     * @throws MalformedDataException when {@code bytes} is not a valid encoding
     */
    public static AgentState fromBytes(byte[] bytes) {
        requireNonNull(bytes, "bytes");
        if (bytes.length < HEADER || bytes[0] != VERSION) {
            throw new MalformedDataException("agent state encoding: expected version " + VERSION + " and at least "
                    + HEADER + " bytes, got " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.get();
        long size = b.getLong();
        long at = b.getLong();
        LogState log = LogState.fromBytes(Arrays.copyOfRange(bytes, HEADER, bytes.length));
        try {
            return new AgentState(log, size, at);
        } catch (IllegalArgumentException e) {
            throw new MalformedDataException("agent state encoding: " + e.getMessage(), e);
        }
    }
}
