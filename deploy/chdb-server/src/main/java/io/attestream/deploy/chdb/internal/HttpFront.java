package io.attestream.deploy.chdb.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.attestream.deploy.chdb.ChdbUsers;

/**
 * The ClickHouse HTTP interface in front of {@link ChdbEngine}: what clickhouse-jdbc 0.10.0
 * (client-v2) and curl use. See the module README for the supported surface.
 *
 * <p>Routing: {@code GET} requests and read-only users run on the read-only session (ClickHouse
 * also makes GET read-only). SELECT-like statements are streamed chunk by chunk; other
 * statements are buffered. INSERT data (after {@code FORMAT x} or {@code VALUES}, in the query
 * text or the body) is written to a temporary file and inserted with {@code FROM INFILE}.
 * {@code SET} and {@code USE} have no lasting effect, as over ClickHouse HTTP without a session.
 */
public final class HttpFront implements AutoCloseable {

    private static final int PREFIX_STEP = 64 * 1024;
    /** Largest SQL text outside INSERT data (ClickHouse's own max_query_size is 256 KiB). */
    private static final int MAX_SQL_BYTES = 16 * 1024 * 1024;
    private static final String TIMEZONE = "UTC";
    /** Streamed results up to this size are sent with a Content-Length (see {@link HeldResponse}). */
    private static final long HELD_RESPONSE_BYTES = 64L << 20;
    /** Retry-After of a 503 (every engine session busy): a short statement frees one in about that time. */
    private static final long RETRY_AFTER_SECONDS = 1;

    private final ChdbEngine engine;
    private final ChdbUsers users;
    private final Path tmpDir;
    private final long maxBodyBytes;
    private final Consumer<String> log;
    private static final Object END = new Object();

    /**
     * Per exchange: the thread that answers it, the handler's or the watchdog's. Not an
     * exchange attribute: the JDK server keeps those in the context, shared by all exchanges.
     */
    private final Map<HttpExchange, AtomicReference<Thread>> answeredBy = new ConcurrentHashMap<>();
    private HttpServer server;
    private ExecutorService executor;


    /**
     * @param tmpDir       where insert bodies are staged (emptied at start)
     * @param maxBodyBytes largest accepted body, compressed or not
     */
    public HttpFront(ChdbEngine engine, ChdbUsers users, Path tmpDir, long maxBodyBytes, Consumer<String> log) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.users = Objects.requireNonNull(users, "users");
        this.tmpDir = Objects.requireNonNull(tmpDir, "tmpDir");
        this.maxBodyBytes = maxBodyBytes;
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Binds and starts serving; returns the bound address. */
    public InetSocketAddress start(String host, int port) throws IOException {
        Files.createDirectories(tmpDir);
        try (var old = Files.newDirectoryStream(tmpDir)) {
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
        }
        // The JDK server leaves Nagle's algorithm on unless this property is set before its first server: every
        // answer then waits for the client's delayed ACK of the headers (up to 40 ms on Linux; measured 47-52 ms per
        // JDBC query, 5-18 ms with it; the stages' io.attestream.runtime.HttpServers does the same).
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        server = HttpServer.create(new InetSocketAddress(host, port), 128);
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(64, 64, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "chdb-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return server.getAddress();
    }

    /** Stops accepting, gives running exchanges up to {@code seconds} to finish. */
    public void stop(int seconds) {
        if (server != null) {
            server.stop(seconds);
            executor.shutdownNow();
        }
    }

    @Override
    public void close() {
        stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        answeredBy.put(ex, new AtomicReference<>());
        boolean answered = false;
        try {
            String path = ex.getRequestURI().getRawPath();
            if ("HEAD".equals(ex.getRequestMethod())) {
                // Liveness probes only: a HEAD never runs a query (it could not carry the result).
                ex.sendResponseHeaders(200, -1);
            } else if ("/ping".equals(path) || "/replicas_status".equals(path)) {
                sendText(ex, 200, "Ok.\n");
            } else if (!"/".equals(path) && !path.isEmpty()) {
                sendError(ex, Request.empty(), 404, ChdbQueryException.of(ChdbQueryException.BAD_ARGUMENTS,
                        "There is no handle " + path + ". Use / for queries and /ping for health checks."));
            } else if (!"GET".equals(ex.getRequestMethod()) && !"POST".equals(ex.getRequestMethod())) {
                sendError(ex, Request.empty(), 405, ChdbQueryException.of(ChdbQueryException.BAD_ARGUMENTS,
                        "HTTP method " + ex.getRequestMethod() + " is not supported; use GET or POST"));
            } else {
                serveQuery(ex);
            }
            answered = true;
        } catch (RuntimeException e) {
            if (ex.getResponseCode() != -1) {
                throw e;
            }
            log.accept("internal error: " + e);
            sendError(ex, Request.empty(), 500, ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION,
                    "internal error in chdb-server: " + e));
            answered = true;
        } finally {
            // Only a fully answered exchange is closed normally. After a failure halfway through a
            // response the exception propagates and the HTTP server drops the connection, so a
            // client never mistakes a truncated chunked body for a complete one.
            if (answered) {
                ex.close();
            }
            answeredBy.remove(ex);
        }
    }

    /** Per-request options gathered from the URL and headers. */
    private record Request(String queryId, String format, String database, boolean compress, boolean decompress,
                           boolean waitEnd, Map<String, String> params, String urlQuery) {
        static Request empty() {
            return new Request(UUID.randomUUID().toString(), "TabSeparated", null, false, false, false, Map.of(), null);
        }
    }

    private void serveQuery(HttpExchange ex) throws IOException {
        Map<String, String> q = parseQueryString(ex.getRequestURI().getRawQuery());
        Headers h = ex.getRequestHeaders();
        String queryId = first(q.get("query_id"), h.getFirst("X-ClickHouse-Query-Id"), UUID.randomUUID().toString());
        String format = first(h.getFirst("X-ClickHouse-Format"), q.get("default_format"), "TabSeparated");
        String database = first(h.getFirst("X-ClickHouse-Database"), q.get("database"), null);
        Map<String, String> params = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : q.entrySet()) {
            if (e.getKey().startsWith("param_") && e.getKey().length() > "param_".length()) {
                params.put(e.getKey().substring("param_".length()), e.getValue());
            }
        }
        Request req = new Request(queryId, format, database, "1".equals(q.get("compress")),
                "1".equals(q.get("decompress")), "1".equals(q.get("wait_end_of_query")), params, q.get("query"));

        Optional<ChdbUsers.User> user = authenticate(ex, q);
        if (user.isEmpty()) {
            sendError(ex, req, 401, ChdbQueryException.of(ChdbQueryException.AUTHENTICATION_FAILED,
                    credentialsName(ex, q) + ": Authentication failed: password is incorrect, or there is no user "
                            + "with such name. (AUTHENTICATION_FAILED)"));
            return;
        }
        String encoding = h.getFirst("Content-Encoding");
        if (encoding != null && !encoding.isBlank() && !"identity".equalsIgnoreCase(encoding.trim())) {
            sendError(ex, req, 400, ChdbQueryException.of(ChdbQueryException.BAD_ARGUMENTS,
                    "Content-Encoding " + encoding + " is not supported; send plain bodies or ClickHouse "
                            + "compressed blocks with decompress=1"));
            return;
        }
        String contentLength = h.getFirst("Content-Length");
        if (contentLength != null) {
            try {
                if (Long.parseLong(contentLength.trim()) > maxBodyBytes) {
                    sendTooLarge(ex, req);
                    return;
                }
            } catch (NumberFormatException e) {
                sendError(ex, req, 400, ChdbQueryException.of(ChdbQueryException.BAD_ARGUMENTS,
                        "invalid Content-Length " + contentLength));
                return;
            }
        }
        boolean readonly = user.get().readonly() || "GET".equals(ex.getRequestMethod());
        ChdbEngine.Access session = readonly ? ChdbEngine.Access.READ_ONLY : ChdbEngine.Access.FULL;
        InputStream body = new BodyLimitInputStream(ex.getRequestBody(), maxBodyBytes);
        if (req.decompress()) {
            body = new BodyLimitInputStream(new CompressedBlocks.BlockInputStream(body), maxBodyBytes);
        }
        Path staged = null;
        try {
            Prepared prepared = prepare(req, body, session, user.get());
            staged = prepared.stagedFile();
            run(ex, req, session, prepared);
        } catch (BodyLimitInputStream.TooLargeException e) {
            sendTooLarge(ex, req);
        } catch (CompressedBlocks.CorruptBlockException e) {
            sendError(ex, req, 400, ChdbQueryException.of(ChdbQueryException.CANNOT_DECOMPRESS,
                    "cannot decompress request body (decompress=1): " + e.getMessage()));
        } catch (ChdbQueryException e) {
            sendError(ex, req, e.httpStatus(), e);
        } finally {
            if (staged != null) {
                Files.deleteIfExists(staged);
            }
        }
    }

    /** The statement to run, possibly rewritten to read its data from a staged file. */
    private record Prepared(byte[] sql, SqlStatement statement, Path stagedFile) {
    }

    private Prepared prepare(Request req, InputStream body, ChdbEngine.Access session, ChdbUsers.User user)
            throws IOException, ChdbQueryException {
        if (req.urlQuery() != null) {
            byte[] head = req.urlQuery().getBytes(StandardCharsets.UTF_8);
            SqlStatement st = SqlStatement.parse(head, head.length);
            if (st.hasInsertData()) {
                return stageInsert(head, head.length, st, body, session, user);
            }
            byte[] rest = readSql(body, MAX_SQL_BYTES - head.length);
            if (rest.length == 0) {
                return new Prepared(head, st, null);
            }
            byte[] all = new byte[head.length + 1 + rest.length];
            System.arraycopy(head, 0, all, 0, head.length);
            all[head.length] = '\n';
            System.arraycopy(rest, 0, all, head.length + 1, rest.length);
            return new Prepared(all, SqlStatement.parse(all, all.length), null);
        }
        byte[] buf = new byte[PREFIX_STEP];
        int len = 0;
        boolean eof = false;
        while (true) {
            int n = body.readNBytes(buf, len, buf.length - len);
            len += n;
            if (len < buf.length) {
                eof = true;
            }
            SqlStatement st = SqlStatement.parse(buf, len);
            // A format name cut at the buffer edge would be misread: demand a margin unless at EOF.
            if (st.hasInsertData() && (eof || st.dataStart() < len - 2)) {
                return stageInsert(buf, len, st, body, session, user);
            }
            if (eof) {
                byte[] sql = Arrays.copyOf(buf, len);
                return new Prepared(sql, st, null);
            }
            if (buf.length >= MAX_SQL_BYTES && !st.hasInsertData()) {
                byte[] rest = readSql(body, 0);
                byte[] all = new byte[len + rest.length];
                System.arraycopy(buf, 0, all, 0, len);
                System.arraycopy(rest, 0, all, len, rest.length);
                return new Prepared(all, SqlStatement.parse(all, all.length), null);
            }
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
    }

    /** Reads the rest of a SQL text, refusing more than {@code allowed} bytes. */
    private static byte[] readSql(InputStream body, int allowed) throws IOException, ChdbQueryException {
        byte[] rest = body.readNBytes(Math.max(0, allowed));
        if (body.read() >= 0) {
            throw ChdbQueryException.of(ChdbQueryException.SYNTAX_ERROR, "Max query size exceeded: SQL outside of "
                    + "INSERT data is limited to " + MAX_SQL_BYTES + " bytes. (SYNTAX_ERROR)");
        }
        return rest;
    }

    private Prepared stageInsert(byte[] text, int len, SqlStatement st, InputStream body, ChdbEngine.Access session,
                                 ChdbUsers.User user) throws IOException, ChdbQueryException {
        if (session == ChdbEngine.Access.READ_ONLY) {
            throw ChdbQueryException.of(ChdbQueryException.READONLY, user.name()
                    + ": Cannot execute query in readonly mode"
                    + (user.readonly() ? "" : ". For queries over HTTP, method GET implies readonly. "
                    + "You should use method POST for modifying queries") + ". (READONLY)");
        }
        Path file = Files.createTempFile(tmpDir, "insert-", ".data");
        boolean ok = false;
        try {
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(text, st.dataStart(), len - st.dataStart());
                body.transferTo(out);
            }
            if ("Values".equals(st.format())) {
                trimValuesTail(file);
            }
            String head = new String(text, 0, st.dataMarker(), StandardCharsets.UTF_8);
            String beforeSettings = st.settingsStart() >= 0
                    ? new String(text, 0, st.settingsStart(), StandardCharsets.UTF_8) : head;
            String settings = st.settingsStart() >= 0
                    ? new String(text, st.settingsStart(), st.dataMarker() - st.settingsStart(), StandardCharsets.UTF_8)
                    : "";
            String sql = beforeSettings.stripTrailing() + " FROM INFILE '" + escapeString(file.toAbsolutePath().toString())
                    + "' " + settings.strip() + " FORMAT " + st.format();
            ok = true;
            return new Prepared(sql.getBytes(StandardCharsets.UTF_8), st, file);
        } finally {
            if (!ok) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** VALUES data may end with whitespace and a statement terminator the Values format rejects. */
    private static void trimValuesTail(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long end = raf.length();
            boolean semicolonSeen = false;
            while (end > 0) {
                raf.seek(end - 1);
                int c = raf.read();
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                    end--;
                } else if (c == ';' && !semicolonSeen) {
                    semicolonSeen = true;
                    end--;
                } else {
                    break;
                }
            }
            raf.setLength(end);
        }
    }

    private static String escapeString(String s) {
        return s.replace("\\", "\\\\").replace("'", "\\'");
    }

    private void run(HttpExchange ex, Request req, ChdbEngine.Access session, Prepared p)
            throws IOException, ChdbQueryException {
        SqlStatement st = p.statement();
        if (st.multiStatement()) {
            throw ChdbQueryException.of(ChdbQueryException.SYNTAX_ERROR,
                    "Multi-statements are not allowed: send one statement per request. (SYNTAX_ERROR)");
        }
        if (session == ChdbEngine.Access.READ_ONLY) {
            refuseWhatReadonlyDoesNotCover(st);
        }
        if (st.keyword().isEmpty() && !st.hasInsertData()) {
            if ("GET".equals(ex.getRequestMethod()) && req.urlQuery() == null) {
                sendText(ex, 200, "Ok.\n");
                return;
            }
            throw ChdbQueryException.of(ChdbQueryException.SYNTAX_ERROR, "Empty query. (SYNTAX_ERROR)");
        }
        if ("USE".equals(st.keyword()) || "SET".equals(st.keyword()) && session == ChdbEngine.Access.FULL) {
            // Over ClickHouse HTTP without session_id these have no effect on later requests;
            // on the shared chdb session they would leak into everybody's queries.
            sendSuccess(ex, req, new byte[0], ChdbEngine.Stats.EMPTY);
            return;
        }
        String outputFormat = st.outputFormat() != null ? st.outputFormat() : req.format();
        Optional<StreamFormats.HeaderSkipper> streamable = StreamFormats.forFormat(outputFormat);
        // INTO OUTFILE writes while the statement runs: never through the stream, whose empty
        // result used to send it through the buffered path a second time.
        if (st.isStreamable() && !st.hasInsertData() && !st.intoOutfile() && streamable.isPresent()
                && !req.waitEnd()) {
            try {
                stream(ex, req, session, p, streamable.get());
                return;
            } catch (ChdbQueryException e) {
                // chdb refuses to stream some statements when it parses them, before running
                // anything: only then is the buffered path taken, so a statement runs once.
                if (!e.getMessage().contains("Streaming query is not supported")) {
                    throw e;
                }
            }
        }
        ChdbEngine.Result r = engine.execute(session, req.database(), p.sql(), req.format(), req.params(),
                () -> answerOverdue(ex, req));
        sendSuccess(ex, req, r.data(), r.stats());
    }

    /**
     * The watchdog's last resort for a statement that chdb does not return from even after KILL
     * QUERY: the client is answered now (see {@link ChdbEngine#stillRunning()}), and the handler
     * thread, when chdb returns, finds the exchange answered and sends nothing.
     */
    private void answerOverdue(HttpExchange ex, Request req) {
        if (!claim(ex)) {
            // The handler has started the response: the result is being sent, leave it alone.
            return;
        }
        try {
            sendError(ex, req, 500, engine.stillRunning());
        } catch (IOException e) {
            log.accept("query " + req.queryId() + ": could not answer the overdue statement: " + e);
        } finally {
            ex.close();
        }
    }

    /**
     * The few things readonly=1 does not stop in chdb, refused before the statement reaches the
     * engine. Everything else (INSERT, DDL, SYSTEM, table functions, settings) is refused by the
     * engine itself; this is not a SQL filter, only a list of the engine's gaps:
     * <ul>
     * <li>{@code INTO OUTFILE} (with or without TRUNCATE/APPEND, after SELECT, SHOW, EXPLAIN...):
     * chdb writes that output in its client layer, where no access check runs; clickhouse-server
     * refuses it over HTTP, chdb 26.5 has no setting to do the same.</li>
     * <li>{@code SYSTEM}: readonly=1 lets {@code SYSTEM STOP MERGES}, {@code STOP TTL MERGES},
     * {@code STOP MOVES} (and their START) through (measured on chdb 26.5), which would stall the
     * sink's storage for everybody; a read-only user has no use for any SYSTEM statement.</li>
     * <li>{@code KILL}: every chdb session is the same ClickHouse user {@code default}, so the
     * engine's rule "a user may kill its own queries and mutations" would let a read-only session
     * kill the writers' statements.</li>
     * <li>the {@code file(path)} function: chdb runs as clickhouse-local, where {@code file()} reads
     * any path the process can read ({@code user_files_path} is not enforced in that mode) and
     * readonly does not restrict functions. The table function {@code file()} is refused by the
     * engine already.</li>
     * </ul>
     */
    static void refuseWhatReadonlyDoesNotCover(SqlStatement st) throws ChdbQueryException {
        String what = null;
        if (st.intoOutfile()) {
            what = "INTO OUTFILE writes a file on the server";
        } else if ("KILL".equals(st.keyword())) {
            what = "KILL is not allowed for read-only users";
        } else if ("SYSTEM".equals(st.keyword())) {
            what = "SYSTEM is not allowed for read-only users";
        } else if (st.fileFunction()) {
            what = "file() reads files on the server";
        }
        if (what != null) {
            throw ChdbQueryException.of(ChdbQueryException.READONLY,
                    "Cannot execute query in readonly mode: " + what + ". (READONLY)");
        }
    }

    /** Streams the result (an empty one too: it ran once, there is nothing to run again). */
    private void stream(HttpExchange ex, Request req, ChdbEngine.Access session, Prepared p,
                        StreamFormats.HeaderSkipper repeatedHeader) throws IOException, ChdbQueryException {
        try (ChdbEngine.Stream s = engine.stream(session, req.database(), p.sql(), req.format(), req.params(),
                repeatedHeader, () -> answerOverdue(ex, req))) {
            // Formats with a header get it in the first chunk even for an empty result (measured
            // for every header format of StreamFormats); headerless empty results are empty.
            boolean more = s.fetch();
            if (!claim(ex)) {
                return;
            }
            if (!more) {
                ChdbEngine.Stats stats = s.stats();
                s.close();
                sendSuccess(ex, req, new byte[0], stats);
                return;
            }
            setSuccessHeaders(ex, req, s.stats());
            HeldResponse held = new HeldResponse(ex, HELD_RESPONSE_BYTES);
            CompressedBlocks.BlockOutputStream compressor = req.compress()
                    ? new CompressedBlocks.BlockOutputStream(held, CompressedBlocks.DEFAULT_BLOCK_SIZE) : null;
            // chdb computes the next chunk only when asked: fetch on a helper thread while this
            // one writes the previous chunk, so the engine and the socket work at the same time.
            BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(4);
            Thread producer = new Thread(() -> produce(s, chunks), "chdb-fetch-" + req.queryId());
            producer.setDaemon(true);
            producer.start();
            try {
                while (true) {
                    Object next = chunks.take();
                    if (next instanceof byte[]) {
                        if (compressor != null) {
                            compressor.write((byte[]) next);
                        } else {
                            held.writeOwned((byte[]) next);
                        }
                    } else if (next instanceof ChdbQueryException) {
                        ChdbQueryException e = (ChdbQueryException) next;
                        if (!held.committed()) {
                            // Nothing sent yet: the caller answers with a proper error status.
                            held.discard();
                            ex.getResponseHeaders().remove("X-ClickHouse-Summary");
                            throw e;
                        }
                        // Headers are gone: tell the client in the body (as ClickHouse does),
                        // then make the response fail by dropping the connection.
                        if (compressor != null) {
                            compressor.flushBlock();
                        }
                        OutputStream raw = held.chunkedStream();
                        raw.write(("\n" + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
                        raw.flush();
                        throw new IOException("query failed after the response started: " + e.getMessage(), e);
                    } else {
                        break;
                    }
                }
                if (compressor != null) {
                    compressor.flushBlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while streaming a result", e);
            } finally {
                // The helper MUST have left chdb before the stream is closed (cancel, destroy,
                // unlock): a fetch racing a destroy would crash the process.
                producer.interrupt();
                chunks.clear();
                joinUninterruptibly(producer);
            }
            if (!held.committed()) {
                // The whole result is in memory: free the engine for the next statement before
                // a slow client reads it.
                s.close();
            }
            held.close();
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Helper-thread side of {@link #stream}: chunk bytes, then END or the error. */
    private static void produce(ChdbEngine.Stream s, BlockingQueue<Object> chunks) {
        try {
            do {
                chunks.put(s.takePending());
            } while (!Thread.currentThread().isInterrupted() && s.fetch());
            chunks.put(END);
        } catch (ChdbQueryException e) {
            chunks.offer(e);
        } catch (RuntimeException e) {
            chunks.offer(ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION, e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Optional<ChdbUsers.User> authenticate(HttpExchange ex, Map<String, String> q) {
        String[] cred = credentials(ex, q);
        return users.authenticate(cred[0], cred[1]);
    }

    private String credentialsName(HttpExchange ex, Map<String, String> q) {
        return credentials(ex, q)[0];
    }

    private static String[] credentials(HttpExchange ex, Map<String, String> q) {
        Headers h = ex.getRequestHeaders();
        String auth = h.getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String dec = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = dec.indexOf(':');
                return colon < 0 ? new String[] {dec, ""}
                        : new String[] {dec.substring(0, colon), dec.substring(colon + 1)};
            } catch (IllegalArgumentException e) {
                return new String[] {"<malformed Authorization header>", "\u0000"};
            }
        }
        String user = first(h.getFirst("X-ClickHouse-User"), q.get("user"), "default");
        String key = first(h.getFirst("X-ClickHouse-Key"), q.get("password"), "");
        return new String[] {user, key};
    }

    private static String first(String a, String b, String c) {
        if (a != null && !a.isEmpty()) {
            return a;
        }
        if (b != null && !b.isEmpty()) {
            return b;
        }
        return c;
    }

    static Map<String, String> parseQueryString(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                m.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                m.put(k, v);
            }
        }
        return m;
    }

    private void setSuccessHeaders(HttpExchange ex, Request req, ChdbEngine.Stats s) {
        Headers rh = ex.getResponseHeaders();
        rh.set("Content-Type", contentType(req.format()));
        rh.set("X-ClickHouse-Query-Id", req.queryId());
        rh.set("X-ClickHouse-Format", req.format());
        rh.set("X-ClickHouse-Timezone", TIMEZONE);
        rh.set("X-ClickHouse-Server-Display-Name", "chdb-server");
        rh.set("X-ClickHouse-Summary", summary(s));
    }

    static String summary(ChdbEngine.Stats s) {
        long elapsedNs = (long) (s.elapsedSeconds() * 1e9);
        return "{\"read_rows\":\"" + s.rowsRead() + "\",\"read_bytes\":\"" + s.bytesRead()
                + "\",\"written_rows\":\"" + s.rowsWritten() + "\",\"written_bytes\":\"" + s.bytesWritten()
                + "\",\"total_rows_to_read\":\"0\",\"result_rows\":\"" + s.resultRows()
                + "\",\"result_bytes\":\"0\",\"elapsed_ns\":\"" + elapsedNs + "\"}";
    }

    /**
     * Takes the right to answer {@code ex} for the calling thread (again, if it has it already);
     * false when another thread (the watchdog) answers it.
     */
    private boolean claim(HttpExchange ex) {
        AtomicReference<Thread> by = answeredBy.get(ex);
        Thread me = Thread.currentThread();
        return by == null || by.compareAndSet(null, me) || by.get() == me;
    }

    private void sendSuccess(HttpExchange ex, Request req, byte[] data, ChdbEngine.Stats s) throws IOException {
        if (!claim(ex)) {
            return;
        }
        setSuccessHeaders(ex, req, s);
        byte[] payload = data;
        if (req.compress() && data.length > 0) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(data.length / 2 + 64);
            try (OutputStream out = new CompressedBlocks.BlockOutputStream(bos, CompressedBlocks.DEFAULT_BLOCK_SIZE)) {
                out.write(data);
            }
            payload = bos.toByteArray();
        }
        ex.sendResponseHeaders(200, payload.length == 0 ? -1 : payload.length);
        if (payload.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(payload);
            }
        }
    }

    private void sendTooLarge(HttpExchange ex, Request req) throws IOException {
        ex.getResponseHeaders().set("Connection", "close");
        sendError(ex, req, 413, ChdbQueryException.of(ChdbQueryException.BAD_ARGUMENTS,
                "request body exceeds the limit of " + maxBodyBytes
                        + " bytes (raise --max-body-bytes of chdb-server to accept it). (BAD_ARGUMENTS)"));
    }

    private void sendError(HttpExchange ex, Request req, int status, ChdbQueryException e) throws IOException {
        if (!claim(ex)) {
            return;
        }
        byte[] body = (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        Headers rh = ex.getResponseHeaders();
        rh.set("Content-Type", "text/plain; charset=UTF-8");
        rh.set("X-ClickHouse-Exception-Code", Integer.toString(e.code()));
        rh.set("X-ClickHouse-Query-Id", req.queryId());
        rh.set("X-ClickHouse-Server-Display-Name", "chdb-server");
        rh.set("X-ClickHouse-Timezone", TIMEZONE);
        if (status == 503) {
            rh.set("Retry-After", Long.toString(RETRY_AFTER_SECONDS));
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        if (status >= 500) {
            log.accept("query " + req.queryId() + " failed: " + e.getMessage());
        }
    }

    private void sendText(HttpExchange ex, int status, String text) throws IOException {
        if (!claim(ex)) {
            return;
        }
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=UTF-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static String contentType(String format) {
        String f = format.toLowerCase(Locale.ROOT);
        if (f.startsWith("json")) {
            return "application/json; charset=UTF-8";
        }
        if (f.startsWith("csv")) {
            return "text/csv; charset=UTF-8";
        }
        if (f.startsWith("tabseparated") || f.startsWith("tsv") || f.startsWith("tskv") || f.startsWith("pretty")
                || f.startsWith("values") || f.startsWith("vertical") || f.startsWith("markdown")) {
            return "text/plain; charset=UTF-8";
        }
        return "application/octet-stream";
    }
}
