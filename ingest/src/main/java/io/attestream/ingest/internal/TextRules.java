package io.attestream.ingest.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonNode;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.EventRules.Violation;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's text rules, checked before any JSON is mapped (docs/http-api.md, "Input rules"):
 * <ul>
 *   <li>the body is UTF-8; a malformed sequence (including an encoded surrogate, an overlong form or a code point
 *       above U+10FFFF) is refused with the path of the field it is in;</li>
 *   <li>no string or field name holds a lone UTF-16 surrogate, which JSON can write as an escape ({@code "\ud800"})
 *       but no Unicode encoding can carry: Avro would replace it with {@code ?} and two different ids would become
 *       one;</li>
 *   <li>a byte order mark at the start of the body or of an NDJSON line is refused (RFC 8259 section 8.1: senders
 *       MUST NOT add one), never skipped, so the same bytes mean the same thing in a single event and in a batch.
 *       U+FEFF inside a string is an ordinary character.</li>
 * </ul>
 */
final class TextRules {
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long ONES = 0x0101010101010101L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
    private static final ThreadLocal<Utf8Check> UTF8 = ThreadLocal.withInitial(Utf8Check::new);

    private TextRules() {
    }

    /** The first problem with the raw bytes of one event, if any. */
    static Optional<Violation> checkBytes(byte[] event) {
        if (startsWithBom(event)) {
            return Optional.of(new Violation("$", "starts with a byte order mark (U+FEFF); send UTF-8 without it"
                    + " (RFC 8259 section 8.1)"));
        }
        int malformed = firstMalformedUtf8(event);
        if (malformed >= 0) {
            return Optional.of(new Violation(pathAt(event, malformed), String.format(Locale.ROOT,
                    "not valid UTF-8 (byte offset %d: 0x%02X)", malformed, event[malformed] & 0xFF)));
        }
        return Optional.empty();
    }

    /**
     * The first string or field name of {@code node}, parsed from {@code event}, that holds a lone surrogate, if any.
     * The bytes passed {@link #checkBytes}, so a surrogate can only come from a backslash-u escape: without one the
     * tree is not walked.
     */
    static Optional<Violation> checkSurrogates(byte[] event, JsonNode node) {
        return hasUnicodeEscape(event) ? checkSurrogates(node) : Optional.empty();
    }

    /** The first string or field name of {@code node} that holds a lone surrogate, if any. */
    static Optional<Violation> checkSurrogates(JsonNode node) {
        return surrogates(node, "");
    }

    /** Whether a backslash is followed by {@code u} anywhere (also inside an escaped backslash: a walk too many). */
    static boolean hasUnicodeEscape(byte[] b) {
        int i = 0;
        // Eight bytes at a time: only a word holding a backslash is looked at byte by byte.
        for (; i + Long.BYTES <= b.length; i += Long.BYTES) {
            long x = (long) LONGS.get(b, i) ^ BACKSLASHES;
            if (((x - ONES) & ~x & HIGH_BITS) != 0 && unicodeEscapeIn(b, i, i + Long.BYTES)) {
                return true;
            }
        }
        return unicodeEscapeIn(b, i, b.length);
    }

    private static boolean unicodeEscapeIn(byte[] b, int from, int to) {
        for (int i = from; i < to && i + 1 < b.length; i++) {
            if (b[i] == '\\' && b[i + 1] == 'u') {
                return true;
            }
        }
        return false;
    }

    /** The index of the first byte of {@code b} that is not ASCII, or its length. */
    static int asciiPrefix(byte[] b) {
        int i = 0;
        while (i + Long.BYTES <= b.length && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
            i += Long.BYTES;
        }
        while (i < b.length && b[i] >= 0) {
            i++;
        }
        return i;
    }

    private static Optional<Violation> surrogates(JsonNode node, String path) {
        if (node.isTextual()) {
            int at = EventRules.loneSurrogate(node.textValue());
            return at < 0 ? Optional.empty() : Optional.of(new Violation(path.isEmpty() ? "$" : path,
                    String.format(Locale.ROOT, "holds a lone UTF-16 surrogate \\u%04x at character %d: not Unicode"
                            + " text", (int) node.textValue().charAt(at), at)));
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                Optional<Violation> found = surrogates(node.get(i), path + "[" + i + "]");
                if (found.isPresent()) {
                    return found;
                }
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (EventRules.loneSurrogate(field.getKey()) >= 0) {
                    return Optional.of(new Violation(path.isEmpty() ? "$" : path,
                            "has a field name with a lone UTF-16 surrogate: not Unicode text"));
                }
                Optional<Violation> found = surrogates(field.getValue(), child(path, field.getKey()));
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private static boolean startsWithBom(byte[] b) {
        return b.length >= 3 && b[0] == BOM[0] && b[1] == BOM[1] && b[2] == BOM[2];
    }

    /**
     * Byte offset of the first malformed UTF-8 sequence (by the JDK's strict decoder), or -1. Pure ASCII, the
     * common case, is answered by a scan; otherwise by the strict decoder and an output buffer kept per thread.
     */
    private static int firstMalformedUtf8(byte[] bytes) {
        if (asciiPrefix(bytes) == bytes.length) {
            return -1;
        }
        Utf8Check check = UTF8.get();
        CharsetDecoder decoder = check.decoder.reset();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = check.out;
        try {
            while (true) {
                out.clear();
                CoderResult result = decoder.decode(in, out, true);
                if (result.isError()) {
                    return in.position();
                }
                if (result.isUnderflow()) {
                    return -1;
                }
            }
        } finally {
            out.clear();
        }
    }

    /** A strict decoder and its output buffer, reused by one thread (one line at a time). */
    private static final class Utf8Check {
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        final CharBuffer out = CharBuffer.allocate(4096);
    }

    /**
     * The field path (in {@link io.attestream.schemas.EventRules} style) of the JSON value that contains byte
     * {@code offset}: the last token the parser read before it, or {@code $}.
     */
    private static String pathAt(byte[] json, int offset) {
        String path = "$";
        try (JsonParser parser = FACTORY.createParser(json, 0, offset)) {
            while (parser.nextToken() != null) {
                path = path(parser.getParsingContext());
            }
        } catch (IOException | RuntimeException e) {
            // Input cut at the bad byte: the path of the last complete token is what we want.
        }
        return path;
    }

    private static String path(JsonStreamContext context) {
        StringBuilder out = new StringBuilder();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            String part;
            if (c.inArray()) {
                part = "[" + Math.max(0, c.getCurrentIndex()) + "]";
            } else if (c.getCurrentName() != null) {
                part = (c.getParent() != null && c.getParent().inRoot() ? "" : ".") + c.getCurrentName();
            } else {
                continue;
            }
            out.insert(0, part);
        }
        return out.length() == 0 ? "$" : out.toString();
    }

    private static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
