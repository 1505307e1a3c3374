package io.attestream.deploy.chdb.internal;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.sun.jna.Pointer;

/**
 * Which output formats can be streamed chunk by chunk. chdb's streaming API formats every chunk
 * as a complete output of its own: headers (names, types) and prefixes or suffixes (JSON's
 * {@code "meta"}, Pretty's frame) are repeated in every chunk. Row-oriented formats without
 * them concatenate correctly; formats with a leading header of names/types are streamed with
 * that header cut from every chunk after the first; all others are not streamable and are
 * answered from one buffered result.
 */
public final class StreamFormats {

    /** How many bytes of a chunk after the first are a repeated header. */
    @FunctionalInterface
    public interface HeaderSkipper {
        /** Length of the repeated header at the start of {@code buf} (of {@code len} bytes). */
        long headerLength(Pointer buf, long len);
    }

    private static final HeaderSkipper NONE = (buf, len) -> 0;

    private static final Map<String, HeaderSkipper> FORMATS = Map.ofEntries(
            Map.entry("rowbinary", NONE),
            Map.entry("rowbinarywithdefaults", NONE),
            Map.entry("native", NONE),
            Map.entry("tabseparated", NONE),
            Map.entry("tsv", NONE),
            Map.entry("tabseparatedraw", NONE),
            Map.entry("tsvraw", NONE),
            Map.entry("csv", NONE),
            Map.entry("tskv", NONE),
            Map.entry("jsoneachrow", NONE),
            Map.entry("jsonlines", NONE),
            Map.entry("ndjson", NONE),
            Map.entry("jsonstringseachrow", NONE),
            Map.entry("jsoncompacteachrow", NONE),
            Map.entry("jsoncompactstringseachrow", NONE),
            Map.entry("lineasstring", NONE),
            Map.entry("rowbinarywithnames", rowBinaryHeader(1)),
            Map.entry("rowbinarywithnamesandtypes", rowBinaryHeader(2)),
            Map.entry("tabseparatedwithnames", lines(1)),
            Map.entry("tsvwithnames", lines(1)),
            Map.entry("tabseparatedwithnamesandtypes", lines(2)),
            Map.entry("tsvwithnamesandtypes", lines(2)),
            Map.entry("csvwithnames", lines(1)),
            Map.entry("csvwithnamesandtypes", lines(2)),
            Map.entry("jsoncompacteachrowwithnames", lines(1)),
            Map.entry("jsoncompacteachrowwithnamesandtypes", lines(2)));

    private StreamFormats() {
    }

    /** The skipper for {@code format}, or empty when the format must not be streamed. */
    public static Optional<HeaderSkipper> forFormat(String format) {
        if (format == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(FORMATS.get(format.toLowerCase(Locale.ROOT)));
    }

    /** RowBinaryWithNames[AndTypes]: varint column count, then count (or 2 x count) strings. */
    private static HeaderSkipper rowBinaryHeader(int stringsPerColumn) {
        return (buf, len) -> {
            long[] pos = {0};
            long columns = readVarUInt(buf, len, pos);
            for (long i = 0; i < columns * stringsPerColumn; i++) {
                long n = readVarUInt(buf, len, pos);
                pos[0] += n;
                if (pos[0] > len) {
                    throw new IllegalStateException("truncated RowBinary header in stream chunk");
                }
            }
            return pos[0];
        };
    }

    private static long readVarUInt(Pointer buf, long len, long[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= len) {
                throw new IllegalStateException("truncated varint in stream chunk header");
            }
            int b = buf.getByte(pos[0]++) & 0xFF;
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalStateException("varint too long in stream chunk header");
    }

    private static HeaderSkipper lines(int count) {
        return (buf, len) -> {
            long pos = 0;
            for (int i = 0; i < count; i++) {
                while (pos < len && buf.getByte(pos) != '\n') {
                    pos++;
                }
                if (pos >= len) {
                    return len;
                }
                pos++;
            }
            return pos;
        };
    }
}
