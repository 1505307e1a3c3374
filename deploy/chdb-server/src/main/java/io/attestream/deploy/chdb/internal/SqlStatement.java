package io.attestream.deploy.chdb.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What the front needs to know about one SQL text before handing it to chdb, found by a small
 * lexer that understands ClickHouse quoting and comments. It works on bytes because an
 * {@code INSERT ... FORMAT RowBinary} body is binary after the format name: lexing stops there.
 *
 * <p>Facts extracted: the leading keyword (routing: streamed reads vs buffered statements),
 * whether a second statement follows a top-level {@code ;} (chdb would run it: rejected), and
 * for an {@code INSERT} with inline data where that data starts, so the front can move it to a
 * file and run {@code INSERT ... FROM INFILE} (chdb cuts inline data at the first blank line and
 * executes the rest as SQL).
 *
 * @param keyword       first keyword upper-cased ("" when the text has none)
 * @param multiStatement true when a statement follows a top-level semicolon
 * @param dataMarker    for an INSERT with inline data: byte offset of its {@code FORMAT} or
 *                      {@code VALUES} keyword, else -1
 * @param dataStart     byte offset where the inline data begins (-1 when no marker)
 * @param format        input format of the inline data ({@code Values} for VALUES), or null
 * @param settingsStart byte offset of a top-level {@code SETTINGS} clause before the marker, or -1
 * @param outputFormat  for other statements: the name after a top-level {@code FORMAT}, or null
 * @param intoOutfile   true when the words {@code INTO OUTFILE} occur anywhere outside quotes and
 *                      comments (chdb writes such output to a file on the client side of the engine)
 * @param fileFunction  true when the function {@code file(...)} is called anywhere
 */
public record SqlStatement(String keyword, boolean multiStatement, int dataMarker, int dataStart,
                           String format, int settingsStart, String outputFormat, boolean intoOutfile, boolean fileFunction) {

    /** True when the statement is an INSERT carrying (or expecting) data after FORMAT/VALUES. */
    public boolean hasInsertData() {
        return dataMarker >= 0;
    }

    /** True for queries chdb can stream (its streaming API refuses DESCRIBE, SHOW and the like). */
    public boolean isStreamable() {
        return "SELECT".equals(keyword) || "WITH".equals(keyword) || "(".equals(keyword);
    }

    /** Parses the first {@code len} bytes of {@code sql}; never throws on garbage. */
    public static SqlStatement parse(byte[] sql, int len) {
        Lexer lx = new Lexer(sql, Math.min(len, sql.length));
        String keyword = "";
        boolean multi = false;
        boolean afterSemicolon = false;
        boolean insertSelect = false;
        boolean fromInfile = false;
        int settings = -1;
        int depth = 0;
        String outputFormat = null;
        boolean intoOutfile = false;
        boolean fileFunction = false;
        String previousWord = "";
        while (true) {
            int start = lx.nextToken();
            if (start < 0) {
                break;
            }
            String current = lx.kind == 'w' ? lx.word().toUpperCase(Locale.ROOT) : "";
            if ("OUTFILE".equals(current) && "INTO".equals(previousWord)) {
                intoOutfile = true;
            }
            if (lx.kind == '(' && "FILE".equals(previousWord)) {
                fileFunction = true;
            }
            previousWord = current;
            if (afterSemicolon && lx.kind != ';') {
                multi = true;
                break;
            }
            if (lx.kind == ';') {
                if (depth == 0) {
                    afterSemicolon = true;
                }
                continue;
            }
            if (lx.kind == '(' || lx.kind == '[') {
                if (keyword.isEmpty() && lx.kind == '(') {
                    keyword = "(";
                }
                depth++;
                continue;
            }
            if (lx.kind == ')' || lx.kind == ']') {
                depth = Math.max(0, depth - 1);
                continue;
            }
            if (lx.kind != 'w') {
                if (keyword.isEmpty()) {
                    keyword = "?";
                }
                continue;
            }
            String word = lx.word().toUpperCase(Locale.ROOT);
            if (keyword.isEmpty()) {
                keyword = word;
                continue;
            }
            if (!"INSERT".equals(keyword) && depth == 0 && "FORMAT".equals(word) && outputFormat == null) {
                int nameStart = lx.nextToken();
                if (nameStart >= 0 && lx.kind == 'w') {
                    outputFormat = lx.word();
                    previousWord = outputFormat.toUpperCase(Locale.ROOT);
                } else if (nameStart >= 0 && lx.kind == ';') {
                    afterSemicolon = true;
                }
                continue;
            }
            if (!"INSERT".equals(keyword) || depth != 0 || insertSelect) {
                continue;
            }
            switch (word) {
                case "SELECT":
                case "WITH":
                    insertSelect = true;
                    break;
                case "INFILE":
                    fromInfile = true;
                    break;
                case "SETTINGS":
                    settings = start;
                    break;
                case "VALUES":
                    if (!fromInfile) {
                        return insert(keyword, start, lx.pos, "Values", settings, intoOutfile, fileFunction);
                    }
                    break;
                case "FORMAT":
                    if (!fromInfile) {
                        int nameStart = lx.nextToken();
                        String format = nameStart >= 0 && lx.kind == 'w' ? lx.word() : null;
                        if (format == null) {
                            return insert(keyword, -1, -1, null, -1, intoOutfile, fileFunction);
                        }
                        return insert(keyword, start, dataStartAfterFormat(sql, lx.pos, lx.len), format, settings,
                                intoOutfile, fileFunction);
                    }
                    break;
                default:
                    break;
            }
        }
        return new SqlStatement(keyword.equals("?") ? "" : keyword, multi, -1, -1, null, -1, outputFormat,
                intoOutfile, fileFunction);
    }

    /** An INSERT: everything after its data marker is data, never lexed as SQL. */
    private static SqlStatement insert(String keyword, int dataMarker, int dataStart, String format, int settings,
                                       boolean intoOutfile, boolean fileFunction) {
        return new SqlStatement(keyword, false, dataMarker, dataStart, format, settings, null, intoOutfile,
                fileFunction);
    }

    /** ClickHouse's rule: skip blanks after the format name, then at most one line break. */
    private static int dataStartAfterFormat(byte[] b, int p, int n) {
        while (p < n && (b[p] == ' ' || b[p] == '\t' || b[p] == '\f')) {
            p++;
        }
        if (p < n && b[p] == '\r') {
            p++;
        }
        if (p < n && b[p] == '\n') {
            p++;
        }
        return p;
    }

    /** Convenience for tests and short texts. */
    public static SqlStatement parse(String sql) {
        byte[] b = sql.getBytes(StandardCharsets.UTF_8);
        return parse(b, b.length);
    }

    private static final class Lexer {
        private final byte[] b;
        private final int len;
        private int pos;
        private int wordStart;
        private char kind;

        Lexer(byte[] b, int len) {
            this.b = b;
            this.len = len;
        }

        String word() {
            return new String(b, wordStart, pos - wordStart, StandardCharsets.UTF_8);
        }

        /** Advances to the next token; returns its start or -1 at the end. */
        int nextToken() {
            while (pos < len) {
                int c = b[pos] & 0xFF;
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B) {
                    pos++;
                } else if (c == '-' && pos + 1 < len && b[pos + 1] == '-' || c == '#') {
                    while (pos < len && b[pos] != '\n') {
                        pos++;
                    }
                } else if (c == '/' && pos + 1 < len && b[pos + 1] == '*') {
                    int nesting = 0;
                    while (pos < len) {
                        if (b[pos] == '/' && pos + 1 < len && b[pos + 1] == '*') {
                            nesting++;
                            pos += 2;
                        } else if (b[pos] == '*' && pos + 1 < len && b[pos + 1] == '/') {
                            nesting--;
                            pos += 2;
                            if (nesting == 0) {
                                break;
                            }
                        } else {
                            pos++;
                        }
                    }
                } else {
                    int start = pos;
                    if (c == '\'' || c == '"' || c == '`') {
                        pos++;
                        while (pos < len) {
                            if (b[pos] == '\\') {
                                pos += 2;
                            } else if (b[pos] == c) {
                                pos++;
                                if (pos < len && b[pos] == c) {
                                    pos++;
                                } else {
                                    break;
                                }
                            } else {
                                pos++;
                            }
                        }
                        pos = Math.min(pos, len);
                        kind = c == '\'' ? 's' : 'w';
                        wordStart = start + 1;
                        if (c != '\'') {
                            // A quoted identifier is a word, but never a keyword: make it unmatchable.
                            wordStart = start;
                        }
                    } else if (Character.isLetter(c) || c == '_' || c >= 0x80) {
                        while (pos < len && isWordByte(b[pos] & 0xFF)) {
                            pos++;
                        }
                        kind = 'w';
                        wordStart = start;
                    } else {
                        pos++;
                        kind = (char) c;
                    }
                    return start;
                }
            }
            return -1;
        }

        private static boolean isWordByte(int c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80;
        }
    }
}
