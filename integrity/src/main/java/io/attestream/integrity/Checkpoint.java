package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The body of a C2SP tlog-checkpoint: what a log commits to at one tree size.
 *
 * <pre>
 * &lt;origin&gt;\n
 * &lt;tree size, decimal, no leading zeros&gt;\n
 * &lt;root hash, standard padded base64&gt;\n
 * [&lt;extension line&gt;\n]...
 * </pre>
 *
 * <p>Attestream checkpoints of a per-agent log use {@link LogId#origin()} as origin and carry one
 * extension line {@code chain-head <seq> <base64 chain hash>} naming the last chain entry the tree
 * covers ({@code seq == treeSize - 1}); see {@link #forLog}. The body is signed as a signed note by
 * {@link SignedCheckpoint#sign}. Format details: docs/integrity.md, "Checkpoints".
 *
 * @param origin the log's origin line: non-empty, no whitespace or control characters
 * @param treeSize number of leaves, {@code >= 0}
 * @param rootHash the RFC 9162 root of the first {@code treeSize} leaves
 * @param extensions extension lines, each non-empty, without control characters (copied, unmodifiable)
 */
public record Checkpoint(String origin, long treeSize, Hash rootHash, List<String> extensions) {
    /** The extension keyword carrying the chain head. */
    public static final String CHAIN_HEAD_EXTENSION = "chain-head";

    /**
     * Validates and copies.
     *
     * @throws MalformedDataException when a line would break the text format
     */
    public Checkpoint {
        requireNonNull(origin, "origin");
        requireNonNull(rootHash, "rootHash");
        extensions = List.copyOf(requireNonNull(extensions, "extensions"));
        if (origin.isEmpty() || hasSpaceOrControl(origin)) {
            throw new MalformedDataException("checkpoint origin must be non-empty, without whitespace or control "
                    + "characters: '" + origin + "'");
        }
        if (treeSize < 0) {
            throw new MalformedDataException("checkpoint tree size must be >= 0, got " + treeSize + " for " + origin);
        }
        for (String e : extensions) {
            if (e.isEmpty() || hasControl(e)) {
                throw new MalformedDataException("checkpoint extension lines must be non-empty, without control "
                        + "characters: '" + e + "' in " + origin);
            }
        }
    }

    /**
     * The checkpoint of an attestream per-agent log after {@code head}: origin {@link LogId#origin()},
     * tree size {@code head.nextSeq()}, and the {@code chain-head} extension naming the last entry.
     *
     * @param head the chain head the tree covers; {@code head.nextSeq()} entries
     * @param rootHash the Merkle root over those entries' chain hashes
     * @return the checkpoint
     * @throws IllegalArgumentException when the log is empty (nothing to checkpoint)
     */
    public static Checkpoint forLog(ChainHead head, Hash rootHash) {
        requireNonNull(head, "head");
        requireNonNull(rootHash, "rootHash");
        if (head.nextSeq() == 0) {
            throw new IllegalArgumentException("no checkpoint for the empty log " + head.log());
        }
        String ext = CHAIN_HEAD_EXTENSION + " " + (head.nextSeq() - 1) + " " + head.hash().base64();
        return new Checkpoint(head.log().origin(), head.nextSeq(), rootHash, List.of(ext));
    }

    /**
     * The chain head this checkpoint names in its {@code chain-head} extension, parsed strictly.
     *
     * @return the head (log from the origin, nextSeq = seq + 1), or empty when there is no such line
     * @throws MalformedDataException when the line is malformed, repeated, its seq is not
     *     {@code treeSize - 1}, or the origin is not an attestream log origin
     */
    public Optional<ChainHead> chainHead() {
        String found = null;
        for (String e : extensions) {
            if (e.startsWith(CHAIN_HEAD_EXTENSION + " ")) {
                if (found != null) {
                    throw new MalformedDataException("checkpoint of " + origin + " has two chain-head lines");
                }
                found = e;
            }
        }
        if (found == null) {
            return Optional.empty();
        }
        String[] parts = found.split(" ", -1);
        if (parts.length != 3) {
            throw new MalformedDataException("chain-head line of " + origin + " is not 'chain-head <seq> <hash>': '"
                    + found + "'");
        }
        long seq = parseSize(parts[1], "chain-head seq of " + origin);
        if (seq != treeSize - 1) {
            throw new MalformedDataException("chain-head seq " + seq + " of " + origin + " does not match tree size "
                    + treeSize + " (expected seq " + (treeSize - 1) + ")");
        }
        return Optional.of(new ChainHead(LogId.fromOrigin(origin), seq + 1, Hash.fromBase64(parts[2])));
    }

    /**
     * The exact text that is signed: origin, size, root, extensions, each line ending in '\n'.
     *
     * @return the body text
     */
    public String body() {
        StringBuilder sb = new StringBuilder(128);
        sb.append(origin).append('\n').append(treeSize).append('\n').append(rootHash.base64()).append('\n');
        for (String e : extensions) {
            sb.append(e).append('\n');
        }
        return sb.toString();
    }

    /**
     * {@link #body()} as UTF-8 bytes: the signed-note message.
     *
     * @return a new array
     */
    public byte[] bodyBytes() {
        return body().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses a checkpoint body strictly; {@code parse(c.body()).equals(c)} and
     * {@code parse(t).body().equals(t)} for every accepted {@code t}.
     *
     * @param body the text, every line ending in '\n'
     * @return the checkpoint
     * @throws MalformedDataException when the text is not a canonical checkpoint body
     */
    public static Checkpoint parse(String body) {
        requireNonNull(body, "body");
        if (!body.endsWith("\n")) {
            throw new MalformedDataException("checkpoint body must end with a newline");
        }
        List<String> lines = List.of(body.substring(0, body.length() - 1).split("\n", -1));
        if (lines.size() < 3) {
            throw new MalformedDataException("checkpoint body needs origin, size and root lines, got " + lines.size()
                    + " line(s)");
        }
        String origin = lines.get(0);
        long size = parseSize(lines.get(1), "tree size of checkpoint " + origin);
        Hash root = Hash.fromBase64(lines.get(2));
        Checkpoint c = new Checkpoint(origin, size, root, new ArrayList<>(lines.subList(3, lines.size())));
        if (!c.body().equals(body)) {
            throw new MalformedDataException("checkpoint body of " + origin + " is not canonical");
        }
        return c;
    }

    private static long parseSize(String s, String what) {
        if (s.isEmpty() || s.length() > 19 || (s.length() > 1 && s.charAt(0) == '0')) {
            throw new MalformedDataException(what + " is not a canonical decimal: '" + s + "'");
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                throw new MalformedDataException(what + " is not a canonical decimal: '" + s + "'");
            }
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new MalformedDataException(what + " is out of range: '" + s + "'", e);
        }
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static boolean hasSpaceOrControl(String s) {
        if (hasControl(s)) {
            return true;
        }
        return s.codePoints().anyMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp));
    }
}
