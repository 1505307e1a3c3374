package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.verifier.VerifierException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One query over the ClickHouse HTTP interface, its result read as {@code RowBinaryWithNamesAndTypes} straight
 * from the socket: the verifier's hot scan, where clickhouse-jdbc's per-column decoding cost more than the checks
 * (docs/performance.md, "Verifier"). Values are read exactly as the engine sends them: strings and fixed strings as
 * raw bytes, integers as {@code long}; the column types of the header are checked against what the caller reads,
 * so a schema change fails loudly instead of being decoded as something else.
 *
 * <p>A result cut short (the server fails after the response started and drops the connection, or the connection
 * breaks) is an error, never a shorter result: the chunked transfer must end properly and no row may end early.
 *
 * <p>Not thread-safe; one instance per query.
 */
public final class RowBinaryScan implements AutoCloseable {
    /** How long a read may block before the scan fails (a hung server must not hang an audit). */
    static final int READ_TIMEOUT_MS = 300_000;
    private static final int CONNECT_TIMEOUT_MS = 15_000;

    /**
     * Where and as whom to query: the HTTP form of the verifier's JDBC URL.
     *
     * @param base e.g. {@code http://127.0.0.1:8123/}
     * @param database the database of unqualified names, or null for the server's default
     * @param user the user
     * @param password its password
     */
    public record Endpoint(URI base, String database, String user, String password) {
        /** Checks the parts. */
        public Endpoint {
            requireNonNull(base, "base");
            requireNonNull(user, "user");
            requireNonNull(password, "password");
        }

        /**
         * @param jdbcUrl the JDBC URL
         * @param user the user
         * @param password the password
         * @return the HTTP endpoint of a clickhouse-jdbc URL ({@code jdbc:clickhouse:http://host:port/db},
         * {@code jdbc:clickhouse://host:port/db}, {@code jdbc:ch:https://...}); URL parameters are not carried over.
         *
         * @throws IllegalArgumentException naming the URL when it has another form
         */
        public static Endpoint ofJdbcUrl(String jdbcUrl, String user, String password) {
            String rest = null;
            for (String prefix : List.of("jdbc:clickhouse:", "jdbc:ch:")) {
                if (jdbcUrl.startsWith(prefix)) {
                    rest = jdbcUrl.substring(prefix.length());
                }
            }
            if (rest == null) {
                throw new IllegalArgumentException("not a clickhouse JDBC URL: " + jdbcUrl);
            }
            if (rest.startsWith("//")) {
                rest = "http:" + rest;
            }
            if (!rest.startsWith("http://") && !rest.startsWith("https://")) {
                throw new IllegalArgumentException("the verifier reads ClickHouse over HTTP(S); unsupported JDBC URL: "
                        + jdbcUrl);
            }
            int q = rest.indexOf('?');
            URI u = URI.create(q < 0 ? rest : rest.substring(0, q));
            String path = u.getPath() == null ? "" : u.getPath().replaceAll("^/+|/+$", "");
            URI base = URI.create(u.getScheme() + "://" + u.getRawAuthority() + "/");
            return new Endpoint(base, path.isEmpty() ? null : path, user, password);
        }
    }

    /** Column kinds the caller can read. */
    public enum Kind {
        BYTES, LONG
    }

    private final HttpURLConnection con;
    private final Input in;
    private final List<String> names;
    private final Kind[] kinds;
    private final int[] widths;
    private final boolean[] signed;
    private final boolean[] nullable;
    /** Per column, a buffer reused from row to row (grown when a value is longer) and the value's length, -1 for NULL. */
    private final byte[][] bytes;
    private final int[] lengths;
    private final long[] longs;

    private RowBinaryScan(HttpURLConnection con, Input in, List<String> names, List<String> types) {
        this.con = con;
        this.in = in;
        this.names = names;
        int n = names.size();
        kinds = new Kind[n];
        widths = new int[n];
        signed = new boolean[n];
        nullable = new boolean[n];
        bytes = new byte[n][];
        lengths = new int[n];
        longs = new long[n];
        for (int i = 0; i < n; i++) {
            String t = types.get(i);
            if (t.startsWith("Nullable(") && t.endsWith(")")) {
                nullable[i] = true;
                t = t.substring("Nullable(".length(), t.length() - 1);
            }
            if (t.startsWith("LowCardinality(") && t.endsWith(")")) {
                // RowBinary sends a LowCardinality value as its inner type.
                t = t.substring("LowCardinality(".length(), t.length() - 1);
                if (t.startsWith("Nullable(") && t.endsWith(")")) {
                    nullable[i] = true;
                    t = t.substring("Nullable(".length(), t.length() - 1);
                }
            }
            if (t.equals("String")) {
                kinds[i] = Kind.BYTES;
                widths[i] = -1;
            } else if (t.startsWith("FixedString(") && t.endsWith(")")) {
                kinds[i] = Kind.BYTES;
                widths[i] = Integer.parseInt(t.substring("FixedString(".length(), t.length() - 1));
            } else {
                kinds[i] = Kind.LONG;
                signed[i] = t.startsWith("Int");
                widths[i] = switch (t) {
                    case "UInt8", "Int8", "Bool" -> 1;
                    case "UInt16", "Int16" -> 2;
                    case "UInt32", "Int32" -> 4;
                    case "UInt64", "Int64" -> 8;
                    default -> throw new VerifierException("column " + names.get(i) + " has type " + types.get(i)
                            + ", which the verifier's scan does not read");
                };
            }
        }
    }

    /**
     * Runs {@code sql} (without a FORMAT clause) and reads the header of its result.
     *
     * @param ep where
     * @param sql the query, parameters as {@code {name:Type}}
     * @param params parameter values by name (ClickHouse's {@code param_} form)
     * @param expected the kind of each result column, in order
     * @return the scan, positioned before the first row
     * @throws VerifierException when the query fails or its columns are not what the caller reads
     */
    public static RowBinaryScan open(Endpoint ep, String sql, Map<String, String> params, List<Kind> expected) {
        StringBuilder url = new StringBuilder(ep.base().toString()).append("?");
        if (ep.database() != null) {
            url.append("database=").append(enc(ep.database())).append('&');
        }
        for (Map.Entry<String, String> e : params.entrySet()) {
            url.append("param_").append(enc(e.getKey())).append('=').append(enc(e.getValue())).append('&');
        }
        url.setLength(url.length() - 1);
        HttpURLConnection con;
        try {
            con = (HttpURLConnection) URI.create(url.toString()).toURL().openConnection();
            con.setConnectTimeout(CONNECT_TIMEOUT_MS);
            con.setReadTimeout(READ_TIMEOUT_MS);
            con.setDoOutput(true);
            con.setRequestMethod("POST");
            con.setRequestProperty("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (ep.user() + ":" + ep.password()).getBytes(StandardCharsets.UTF_8)));
            con.setRequestProperty("X-ClickHouse-Format", "RowBinaryWithNamesAndTypes");
            con.setRequestProperty("Content-Type", "text/plain; charset=UTF-8");
            byte[] body = sql.getBytes(StandardCharsets.UTF_8);
            con.setFixedLengthStreamingMode(body.length);
            try (OutputStream os = con.getOutputStream()) {
                os.write(body);
            }
            int code = con.getResponseCode();
            if (code != 200) {
                InputStream err = con.getErrorStream();
                String msg = err == null ? "" : new String(err.readAllBytes(), StandardCharsets.UTF_8).strip();
                con.disconnect();
                throw new VerifierException("ClickHouse answered HTTP " + code + " at " + ep.base() + ": " + msg);
            }
            Input in = new Input(con.getInputStream());
            int n = (int) in.varint();
            List<String> names = new ArrayList<>(n);
            List<String> types = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                names.add(new String(in.bytes((int) in.varint()), StandardCharsets.UTF_8));
            }
            for (int i = 0; i < n; i++) {
                types.add(new String(in.bytes((int) in.varint()), StandardCharsets.UTF_8));
            }
            RowBinaryScan s = new RowBinaryScan(con, in, names, types);
            if (n != expected.size()) {
                s.close();
                throw new VerifierException("the scan expected " + expected.size() + " columns, ClickHouse sent " + n
                        + ": " + names);
            }
            for (int i = 0; i < n; i++) {
                if (s.kinds[i] != expected.get(i)) {
                    s.close();
                    throw new VerifierException("column " + names.get(i) + " has type " + types.get(i) + ", the scan "
                            + "reads it as " + expected.get(i).name().toLowerCase(Locale.ROOT));
                }
            }
            return s;
        } catch (IOException e) {
            throw new VerifierException("cannot query ClickHouse at " + ep.base() + ": " + e, e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Reads the next row.
     *
     * @return false at the end of the result
     * @throws VerifierException when the result breaks off
     */
    public boolean next() {
        try {
            if (!in.more()) {
                return false;
            }
            for (int i = 0; i < kinds.length; i++) {
                if (nullable[i] && in.u8() != 0) {
                    lengths[i] = -1;
                    longs[i] = 0;
                    continue;
                }
                if (kinds[i] == Kind.BYTES) {
                    int n = widths[i] < 0 ? (int) in.varint() : widths[i];
                    if (n < 0) {
                        throw new IOException("malformed length in the result");
                    }
                    if (bytes[i] == null || bytes[i].length < n) {
                        bytes[i] = new byte[Math.max(n, 64)];
                    }
                    in.readFully(bytes[i], n);
                    lengths[i] = n;
                } else {
                    long v = in.fixed(widths[i]);
                    int unused = 64 - 8 * widths[i];
                    longs[i] = signed[i] && unused > 0 ? (v << unused) >> unused : v;
                }
            }
            return true;
        } catch (IOException e) {
            throw new VerifierException("the ClickHouse result broke off: " + e, e);
        }
    }

    /** @return a copy of the column's bytes in the current row, null for NULL */
    public byte[] bytes(int i) {
        return lengths[i] < 0 ? null : Arrays.copyOf(bytes[i], lengths[i]);
    }

    /**
     * The column's bytes in the current row without a copy: the first {@link #length} bytes of this buffer. The scan
     * reuses it for the next row, so the caller MUST NOT keep it past {@link #next()} and MUST NOT write to it.
     *
     * @param i the column
     * @return the buffer (its content undefined when the value is NULL)
     */
    public byte[] buffer(int i) {
        return bytes[i];
    }

    /** @return the length of the column's value in the current row, -1 for NULL */
    public int length(int i) {
        return lengths[i];
    }

    /** @return the column's integer value in the current row (UInt64 above 2^63 - 1 wraps, as in JDBC getLong) */
    public long longValue(int i) {
        return longs[i];
    }

    /** @return the column names */
    public List<String> names() {
        return names;
    }

    @Override
    public void close() {
        // Disconnect: an unread rest must not be drained (or kept alive) on close.
        con.disconnect();
    }

    /** A buffered little-endian reader that tells a clean end from a row cut short. */
    private static final class Input {
        private final InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int lim;

        Input(InputStream in) {
            this.in = in;
        }

        private boolean fill() throws IOException {
            if (pos < lim) {
                return true;
            }
            int r = in.read(buf, 0, buf.length);
            if (r <= 0) {
                return false;
            }
            pos = 0;
            lim = r;
            return true;
        }

        boolean more() throws IOException {
            return fill();
        }

        int u8() throws IOException {
            if (!fill()) {
                throw new EOFException("the result ended inside a row");
            }
            return buf[pos++] & 0xff;
        }

        long varint() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IOException("malformed length in the result");
        }

        long fixed(int width) throws IOException {
            if (lim - pos >= width) {
                long v = 0;
                for (int i = width - 1; i >= 0; i--) {
                    v = (v << 8) | (buf[pos + i] & 0xff);
                }
                pos += width;
                return v;
            }
            long v = 0;
            for (int i = 0; i < width; i++) {
                v |= (long) u8() << (8 * i);
            }
            return v;
        }

        byte[] bytes(int n) throws IOException {
            if (n < 0) {
                throw new IOException("malformed length in the result");
            }
            byte[] out = new byte[n];
            readFully(out, n);
            return out;
        }

        /** Reads n bytes into out[0, n). */
        void readFully(byte[] out, int n) throws IOException {
            if (n < 0) {
                throw new IOException("malformed length in the result");
            }
            int done = 0;
            while (done < n) {
                if (!fill()) {
                    throw new EOFException("the result ended inside a row");
                }
                int k = Math.min(n - done, lim - pos);
                System.arraycopy(buf, pos, out, done, k);
                pos += k;
                done += k;
            }
        }
    }
}
