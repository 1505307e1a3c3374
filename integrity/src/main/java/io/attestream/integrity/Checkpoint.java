package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

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
 * <p>Checkpoints of an attestream per-agent log use {@link LogId#origin()} as origin and exactly one of
 * two extension-line layouts (docs/integrity.md §4):
 * <pre>
 * format 1: chain-head &lt;seq&gt; &lt;base64 chain hash&gt;
 * format 2: chain-head &lt;seq&gt; &lt;base64 chain hash&gt;
 *           cadence &lt;events&gt; &lt;interval ms&gt;
 *           created &lt;YYYY-MM-DDTHH:MM:SS.ffffffZ&gt;
 * </pre>
 * {@link #forLog} writes format 2. The record itself accepts any C2SP extension lines; the accessors
 * {@link #formatVersion()}, {@link #chainHead()}, {@link #cadence()} and {@link #created()} check the
 * whole layout strictly. The body is signed as a signed note by {@link SignedCheckpoint#sign}.
 *
 * @param origin the log's origin line: non-empty, no whitespace or control characters
 * @param treeSize number of leaves, {@code >= 0}
 * @param rootHash the RFC 9162 root of the first {@code treeSize} leaves
 * @param extensions extension lines, each non-empty, without control characters (copied, unmodifiable)
 */
public record Checkpoint(String origin, long treeSize, Hash rootHash, List<String> extensions) {
    /** The extension keyword carrying the chain head (both formats, first extension line). */
    public static final String CHAIN_HEAD_EXTENSION = "chain-head";
    /** The extension keyword carrying the promised checkpoint cadence (format 2, second line). */
    public static final String CADENCE_EXTENSION = "cadence";
    /** The extension keyword carrying the checkpoint's creation time (format 2, third line). */
    public static final String CREATED_EXTENSION = "created";
    /** Format 1: the {@code chain-head} line only. */
    public static final int FORMAT_1 = 1;
    /** Format 2: {@code chain-head}, {@code cadence}, {@code created}. */
    public static final int FORMAT_2 = 2;

    private static final DateTimeFormatter CREATED_FORMAT = DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC).withResolverStyle(ResolverStyle.STRICT);
    private static final Pattern CREATED_SYNTAX = Pattern.compile(
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z");
    private static final Instant LATEST_CREATED = Instant.parse("9999-12-31T23:59:59.999999Z");

    /**
     * The checkpoint cadence a log promises (chainer config {@code chainer.checkpoint.every.events} and
     * {@code chainer.checkpoint.interval.ms} when the checkpoint was made): a checkpoint at the latest
     * after {@code everyEvents} new entries, or {@code intervalMs} after the previous checkpoint when there
     * are new entries (docs/integrity.md §4 for the exact promise).
     *
     * @param everyEvents N, {@code >= 1}
     * @param intervalMs T in milliseconds, {@code >= 1}
     */
    public record Cadence(long everyEvents, long intervalMs) {
        /**
         * What a verifier assumes for a format 1 checkpoint, which states no cadence: the chainer's
         * defaults when format 1 was written (1000 events, 60000 ms).
         */
        public static final Cadence FORMAT_1_DEFAULT = new Cadence(1000, 60_000);

        /**
         * Validates.
         *
         * @throws IllegalArgumentException when a value is below 1
         */
        public Cadence {
            if (everyEvents < 1 || intervalMs < 1) {
                throw new IllegalArgumentException("cadence values must be >= 1, got " + everyEvents + " events, "
                        + intervalMs + " ms");
            }
        }

        String line() {
            return CADENCE_EXTENSION + " " + everyEvents + " " + intervalMs;
        }
    }

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
     * The format 2 checkpoint of an attestream per-agent log after {@code head}: origin
     * {@link LogId#origin()}, tree size {@code head.nextSeq()}, then the extension lines {@code chain-head}
     * (the last entry), {@code cadence} and {@code created}.
     *
     * @param head the chain head the tree covers; {@code head.nextSeq()} entries
     * @param rootHash the Merkle root over those entries' chain hashes
     * @param cadence the checkpoint cadence the writer is configured with
     * @param created the writer's clock when it makes this checkpoint: whole microseconds, in
     *     [1970-01-01T00:00:00Z, 9999-12-31T23:59:59.999999Z]
     * @return the checkpoint
     * @throws IllegalArgumentException when the log is empty (nothing to checkpoint) or {@code created} is
     *     out of range or finer than a microsecond
     */
    public static Checkpoint forLog(ChainHead head, Hash rootHash, Cadence cadence, Instant created) {
        requireNonNull(head, "head");
        requireNonNull(rootHash, "rootHash");
        requireNonNull(cadence, "cadence");
        requireNonNull(created, "created");
        if (head.nextSeq() == 0) {
            throw new IllegalArgumentException("no checkpoint for the empty log " + head.log());
        }
        if (created.getNano() % 1000 != 0 || created.isBefore(Instant.EPOCH) || created.isAfter(LATEST_CREATED)) {
            throw new IllegalArgumentException("checkpoint creation time " + created + " of " + head.log()
                    + " must be whole microseconds between 1970 and 9999");
        }
        String chainHead = CHAIN_HEAD_EXTENSION + " " + (head.nextSeq() - 1) + " " + head.hash().base64();
        return new Checkpoint(head.log().origin(), head.nextSeq(), rootHash,
                List.of(chainHead, cadence.line(), CREATED_EXTENSION + " " + CREATED_FORMAT.format(created)));
    }

    /** The extension lines of an attestream checkpoint, parsed. */
    private record Layout(int format, ChainHead head, Cadence cadence, Instant created) {
    }

    /**
     * The attestream format of this checkpoint, after checking its extension lines strictly.
     *
     * @return {@link #FORMAT_1} or {@link #FORMAT_2}
     * @throws MalformedDataException when the extension lines are neither layout (see {@link #chainHead()})
     */
    public int formatVersion() {
        return layout().format();
    }

    /**
     * The chain head this checkpoint names in its {@code chain-head} line, which every attestream checkpoint
     * has exactly once, as its first extension line.
     *
     * @return the head (log from the origin, nextSeq = seq + 1)
     * @throws MalformedDataException when the extension lines are not exactly {@code chain-head} (format 1) or
     *     {@code chain-head}, {@code cadence}, {@code created} in this order (format 2), a line is malformed or
     *     not canonical, the chain-head seq is not {@code treeSize - 1}, or the origin is not an attestream log
     *     origin
     */
    public ChainHead chainHead() {
        return layout().head();
    }

    /**
     * The cadence the log promised, from the {@code cadence} line.
     *
     * @return the cadence; empty for a format 1 checkpoint (a verifier then assumes
     *     {@link Cadence#FORMAT_1_DEFAULT} unless told otherwise)
     * @throws MalformedDataException as {@link #chainHead()}
     */
    public Optional<Cadence> cadence() {
        return Optional.ofNullable(layout().cadence());
    }

    /**
     * The writer's clock when it made this checkpoint, from the {@code created} line.
     *
     * @return the time, whole microseconds; empty for a format 1 checkpoint, whose creation time is not signed
     * @throws MalformedDataException as {@link #chainHead()}
     */
    public Optional<Instant> created() {
        return Optional.ofNullable(layout().created());
    }

    private Layout layout() {
        if (extensions.isEmpty() || !extensions.get(0).startsWith(CHAIN_HEAD_EXTENSION + " ")) {
            throw new MalformedDataException("checkpoint of " + origin + " at size " + treeSize + " does not have a "
                    + "chain-head line as its first extension line");
        }
        ChainHead head = parseChainHead(extensions.get(0));
        if (extensions.size() == 1) {
            return new Layout(FORMAT_1, head, null, null);
        }
        if (extensions.size() != 3 || !extensions.get(1).startsWith(CADENCE_EXTENSION + " ")
                || !extensions.get(2).startsWith(CREATED_EXTENSION + " ")) {
            throw new MalformedDataException("checkpoint of " + origin + " at size " + treeSize + " has extension "
                    + "lines " + extensions + "; expected 'chain-head' alone (format 1) or 'chain-head', 'cadence', "
                    + "'created' in this order (format 2)");
        }
        return new Layout(FORMAT_2, head, parseCadence(extensions.get(1)), parseCreated(extensions.get(2)));
    }

    private ChainHead parseChainHead(String line) {
        String[] parts = line.split(" ", -1);
        if (parts.length != 3) {
            throw new MalformedDataException("chain-head line of " + origin + " is not 'chain-head <seq> <hash>': '"
                    + line + "'");
        }
        long seq = parseSize(parts[1], "chain-head seq of " + origin);
        if (seq != treeSize - 1) {
            throw new MalformedDataException("chain-head seq " + seq + " of " + origin + " does not match tree size "
                    + treeSize + " (expected seq " + (treeSize - 1) + ")");
        }
        return new ChainHead(LogId.fromOrigin(origin), seq + 1, Hash.fromBase64(parts[2]));
    }

    private Cadence parseCadence(String line) {
        String[] parts = line.split(" ", -1);
        if (parts.length != 3) {
            throw new MalformedDataException("cadence line of " + origin + " is not 'cadence <events> <ms>': '"
                    + line + "'");
        }
        long events = parseSize(parts[1], "cadence events of " + origin);
        long ms = parseSize(parts[2], "cadence interval of " + origin);
        if (events < 1 || ms < 1) {
            throw new MalformedDataException("cadence values of " + origin + " must be >= 1: '" + line + "'");
        }
        return new Cadence(events, ms);
    }

    private Instant parseCreated(String line) {
        String text = line.substring(CREATED_EXTENSION.length() + 1);
        if (!CREATED_SYNTAX.matcher(text).matches()) {
            throw new MalformedDataException("created line of " + origin + " is not 'created "
                    + "YYYY-MM-DDTHH:MM:SS.ffffffZ': '" + line + "'");
        }
        Instant t;
        try {
            t = CREATED_FORMAT.parse(text, Instant::from);
        } catch (DateTimeParseException e) {
            throw new MalformedDataException("created time of " + origin + " is not a valid UTC time: '" + line + "'",
                    e);
        }
        if (t.isBefore(Instant.EPOCH)) {
            throw new MalformedDataException("created time of " + origin + " is before 1970: '" + line + "'");
        }
        return t;
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

    static long parseSize(String s, String what) {
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
