package io.attestream.deploy.chdb.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * libchdb opened on one data directory with a small pool of sessions (chdb connections) per
 * kind of access: full sessions, and read-only ones on which {@code SET readonly=1} ran at
 * start-up. ClickHouse refuses to change any setting (including {@code readonly} itself, by SET
 * or a SETTINGS clause) in readonly=1 mode, so queries routed to a read-only session cannot write
 * whatever their text says.
 *
 * <p>Concurrency: chdb 26.5 runs statements of different connections in parallel (measured:
 * reads and inserts on one session while another runs a long scan); one connection runs one
 * statement at a time. A statement takes a free session of its kind, waiting at most
 * {@link Limits#engineWait()}; past that the caller gets {@link ChdbQueryException#ENGINE_BUSY}
 * (HTTP 503) and the statement never runs. A streamed result keeps its session until it is
 * closed. After any failed statement the same session runs a throwaway {@code SELECT 1},
 * because chdb leaks partial output of a failed query into the next result. Statistics are only
 * read from successful results (they are garbage on error results).
 *
 * <p>Time limit: every session runs with {@code max_execution_time} = {@link
 * Limits#maxExecutionTime()} (read-only sessions cannot change it). A watchdog thread covers what
 * that setting does not (DDL waits, a full user's own SETTINGS, a stream paused by a slow client):
 * a statement still running {@link #KILL_MARGIN} after its limit is cancelled with {@code KILL
 * QUERY} on a control connection of its own, and {@link #OVERDUE_GRACE} later the caller's
 * overdue callback runs so that the client is answered even if chdb never returns. Each statement
 * is sent with a leading comment {@code /* chdb-server:statement N *}{@code /} by which the
 * watchdog finds it in {@code system.processes}.
 */
public final class ChdbEngine implements AutoCloseable {

    /** Time the engine's own max_execution_time gets to fire before the watchdog cancels. */
    static final Duration KILL_MARGIN = Duration.ofSeconds(2);
    /** Time a cancelled statement gets to return before the caller is told it is overdue. */
    static final Duration OVERDUE_GRACE = Duration.ofSeconds(3);
    private static final long WATCHDOG_PERIOD_MILLIS = 200;

    private static final byte[] SELECT_ONE = "SELECT 1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CSV = "CSV".getBytes(StandardCharsets.US_ASCII);

    /** Which sessions a statement may use. */
    public enum Access {
        /** Sessions that may write. */
        FULL,
        /** Sessions with readonly=1. */
        READ_ONLY
    }

    /**
     * Limits of the engine.
     *
     * @param maxExecutionTime longest a statement may run (streamed results included)
     * @param engineWait       longest a statement waits for a free session before HTTP 503
     * @param sessions         sessions per kind of access (full, read-only)
     */
    public record Limits(Duration maxExecutionTime, Duration engineWait, int sessions) {
        /** 5 minutes per statement, 10 s wait for a session, 2 sessions of each kind. */
        public static final Limits DEFAULTS = new Limits(Duration.ofMinutes(5), Duration.ofSeconds(10), 2);

        /** Validates; messages name the server options. */
        public Limits {
            Objects.requireNonNull(maxExecutionTime, "maxExecutionTime");
            Objects.requireNonNull(engineWait, "engineWait");
            if (maxExecutionTime.toSeconds() < 1) {
                throw new IllegalArgumentException("--max-execution-time must be at least 1 second");
            }
            if (engineWait.isNegative()) {
                throw new IllegalArgumentException("--engine-wait must not be negative");
            }
            if (sessions < 1 || sessions > 16) {
                throw new IllegalArgumentException("--sessions must be between 1 and 16, got " + sessions);
            }
        }
    }

    private final ChdbNative lib;
    private final Limits limits;
    private final Consumer<String> log;
    private final List<Session> sessions = new ArrayList<>();
    private final BlockingQueue<Session> freeFull;
    private final BlockingQueue<Session> freeReadOnly;
    private final Map<Long, Statement> running = new ConcurrentHashMap<>();
    private final AtomicLong statementIds = new AtomicLong();
    private Pointer controlHandle;
    private Thread watchdog;
    private volatile boolean closed;

    /** One chdb connection and what the front knows of its session state. */
    private static final class Session {
        private final Pointer handle;
        private final Pointer conn;
        private final Access access;
        private String database = "default";

        private Session(Pointer handle, Access access) {
            this.handle = handle;
            this.conn = handle.getPointer(0);
            this.access = access;
        }
    }

    /** A statement between start and end, as the watchdog sees it. */
    private static final class Statement {
        private final long id;
        private final String marker;
        private final long startNanos;
        private final long killAtNanos;
        private final long overdueAtNanos;
        private final Runnable onOverdue;
        private volatile boolean killed;
        private volatile boolean overdue;

        private Statement(long id, long startNanos, Limits limits, Runnable onOverdue) {
            this.id = id;
            this.marker = "/* chdb-server:statement " + id + " */";
            this.startNanos = startNanos;
            this.killAtNanos = startNanos + limits.maxExecutionTime().plus(KILL_MARGIN).toNanos();
            this.overdueAtNanos = killAtNanos + OVERDUE_GRACE.toNanos();
            this.onOverdue = onOverdue;
        }
    }

    /** Statistics of a successful statement. */
    public record Stats(long rowsRead, long bytesRead, long rowsWritten, long bytesWritten, long resultRows,
                        double elapsedSeconds) {
        public static final Stats EMPTY = new Stats(0, 0, 0, 0, 0, 0);
    }

    /** A fully buffered successful result. */
    public record Result(byte[] data, Stats stats) {
    }

    private ChdbEngine(ChdbNative lib, Limits limits, Consumer<String> log) {
        this.lib = lib;
        this.limits = limits;
        this.log = log;
        this.freeFull = new ArrayBlockingQueue<>(limits.sessions(), true);
        this.freeReadOnly = new ArrayBlockingQueue<>(limits.sessions(), true);
    }

    /** {@link #open(Path, Path, Limits, Consumer)} with the default limits, logging to stdout. */
    public static ChdbEngine open(Path libPath, Path dataDir) throws ChdbQueryException {
        return open(libPath, dataDir, Limits.DEFAULTS, System.out::println);
    }

    /**
     * Loads libchdb from {@code libPath} and opens {@code dataDir}. chdb's signal handlers would
     * replace the JVM's (the first implicit null check then kills the process): they are disabled
     * before connecting, and unless libjsig is preloaded (which chains them properly) the JVM's
     * handlers are snapshot before loading the library and reinstalled after connecting.
     */
    public static ChdbEngine open(Path libPath, Path dataDir, Limits limits, Consumer<String> log)
            throws ChdbQueryException {
        Objects.requireNonNull(libPath, "libPath");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(log, "log");
        try {
            // chdb 26.5 starts the catalog's background cleanup only when <path>/metadata exists
            // at connect time; on a fresh data directory DROP ... SYNC then waits for it forever
            // (reproduced; newer chdb starts it regardless). With the directory it always starts.
            Files.createDirectories(dataDir.resolve("metadata"));
        } catch (IOException e) {
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION,
                    "cannot create " + dataDir.resolve("metadata") + ": " + e.getMessage());
        }
        SignalGuard guard = SignalGuard.saveIfNeeded();
        ChdbNative lib = Native.load(libPath.toAbsolutePath().toString(), ChdbNative.class);
        lib.chdb_set_signal_handlers_enabled(0);
        String[] argv = {"clickhouse", "--path=" + dataDir.toAbsolutePath()};
        Pointer first = lib.chdb_connect(argv.length, argv);
        if (guard != null) {
            guard.restore();
        }
        if (first == null || first.getPointer(0) == null) {
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION,
                    "chdb_connect failed for data directory " + dataDir + " (check --data-dir: writable, not "
                            + "used by another chdb process)");
        }
        ChdbEngine engine = new ChdbEngine(lib, limits, log);
        try {
            engine.controlHandle = first;
            for (Access access : Access.values()) {
                for (int i = 0; i < limits.sessions(); i++) {
                    Pointer h = lib.chdb_connect(argv.length, argv);
                    if (h == null || h.getPointer(0) == null) {
                        throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION,
                                "chdb_connect failed for another session on " + dataDir);
                    }
                    Session s = new Session(h, access);
                    engine.sessions.add(s);
                    engine.configure(s);
                    (access == Access.FULL ? engine.freeFull : engine.freeReadOnly).add(s);
                }
            }
        } catch (ChdbQueryException | RuntimeException e) {
            engine.closeConnections();
            throw e;
        }
        engine.watchdog = new Thread(engine::watch, "chdb-watchdog");
        engine.watchdog.setDaemon(true);
        engine.watchdog.start();
        return engine;
    }

    /** Session settings, applied before the first statement; read-only ones can never change them. */
    private void configure(Session s) throws ChdbQueryException {
        long seconds = limits.maxExecutionTime().toSeconds();
        runSetup(s, "SET max_execution_time = " + seconds);
        if (s.access == Access.READ_ONLY) {
            runSetup(s, "SET readonly = 1");
        }
        String check = new String(runSetup(s, "SELECT getSetting('readonly'), getSetting('max_execution_time')"),
                StandardCharsets.US_ASCII).strip();
        String expected = (s.access == Access.READ_ONLY ? "1" : "0") + "," + seconds;
        if (!check.equals(expected)) {
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION, "a " + s.access + " session reports "
                    + "readonly,max_execution_time = " + check + " instead of " + expected + "; refusing to serve");
        }
    }

    private byte[] runSetup(Session s, String sql) throws ChdbQueryException {
        byte[] q = sql.getBytes(StandardCharsets.US_ASCII);
        Pointer r = lib.chdb_query_n(s.conn, q, q.length, CSV, CSV.length);
        try {
            String err = lib.chdb_result_error(r);
            if (err != null) {
                throw ChdbQueryException.fromEngine(err);
            }
            long n = lib.chdb_result_length(r);
            Pointer buf = lib.chdb_result_buffer(r);
            return n > 0 && buf != null ? buf.getByteArray(0, (int) n) : new byte[0];
        } finally {
            lib.chdb_destroy_query_result(r);
        }
    }

    /** The limits this engine enforces. */
    public Limits limits() {
        return limits;
    }

    /** {@link #execute(Access, String, byte[], String, Map, Runnable)} without an overdue callback. */
    public Result execute(Access access, String database, byte[] sql, String format, Map<String, String> params)
            throws ChdbQueryException {
        return execute(access, database, sql, format, params, null);
    }

    /**
     * Runs one statement and buffers its whole output.
     *
     * @param onOverdue run once, on the watchdog thread, if the statement is still running
     *                  {@link #OVERDUE_GRACE} after it was cancelled for exceeding its limit
     *                  (the call itself keeps blocking until chdb returns); may be null
     */
    public Result execute(Access access, String database, byte[] sql, String format, Map<String, String> params,
                          Runnable onOverdue) throws ChdbQueryException {
        Session s = acquire(access);
        Statement st = null;
        try {
            useDatabase(s, database);
            st = begin(onOverdue);
            Pointer r = call(s, marked(st, sql), format, params, false);
            try {
                String err = lib.chdb_result_error(r);
                if (err != null) {
                    throw engineError(st, err);
                }
                long n = lib.chdb_result_length(r);
                if (n > Integer.MAX_VALUE - 16) {
                    throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION,
                            "result of " + n + " bytes is too large to buffer; select it (SELECT is streamed)");
                }
                byte[] data = new byte[(int) n];
                Pointer buf = lib.chdb_result_buffer(r);
                if (n > 0 && buf != null) {
                    buf.read(0, data, 0, (int) n);
                }
                return new Result(data, stats(r, 0));
            } finally {
                lib.chdb_destroy_query_result(r);
            }
        } catch (ChdbQueryException e) {
            recover(s);
            throw e;
        } finally {
            end(st);
            release(s);
        }
    }

    /**
     * Starts a streamed statement. Its session is held from here until {@link Stream#close()}:
     * callers MUST close the stream, also on I/O errors, or the session stays taken.
     */
    public Stream stream(Access access, String database, byte[] sql, String format, Map<String, String> params,
                         StreamFormats.HeaderSkipper repeatedHeader) throws ChdbQueryException {
        return stream(access, database, sql, format, params, repeatedHeader, null);
    }

    /**
     * As {@link #stream(Access, String, byte[], String, Map, StreamFormats.HeaderSkipper)}, with
     * the overdue callback of {@link #execute(Access, String, byte[], String, Map, Runnable)}.
     */
    public Stream stream(Access access, String database, byte[] sql, String format, Map<String, String> params,
                         StreamFormats.HeaderSkipper repeatedHeader, Runnable onOverdue) throws ChdbQueryException {
        Session s = acquire(access);
        Statement st = null;
        boolean handedOver = false;
        try {
            useDatabase(s, database);
            st = begin(onOverdue);
            Pointer r = call(s, marked(st, sql), format, params, true);
            String err = lib.chdb_result_error(r);
            if (err != null) {
                lib.chdb_destroy_query_result(r);
                ChdbQueryException e = engineError(st, err);
                recover(s);
                throw e;
            }
            Stream stream = new Stream(s, st, r, repeatedHeader);
            handedOver = true;
            return stream;
        } finally {
            if (!handedOver) {
                end(st);
                release(s);
            }
        }
    }

    /** A streamed result; one chunk at a time, straight from chdb's buffer to the output. */
    public final class Stream implements AutoCloseable {
        private final Session session;
        private final Statement statement;
        private final Pointer handle;
        private final StreamFormats.HeaderSkipper repeatedHeader;
        private int chunks;
        private byte[] copy = new byte[64 * 1024];
        private boolean finished;
        private boolean failed;
        private boolean closed;
        private long rowsRead;
        private long bytesRead;
        private double elapsed;
        private Pointer pending;

        private Stream(Session session, Statement statement, Pointer handle,
                       StreamFormats.HeaderSkipper repeatedHeader) {
            this.session = session;
            this.statement = statement;
            this.handle = handle;
            this.repeatedHeader = repeatedHeader;
        }

        /**
         * Fetches the next chunk and keeps it pending until {@link #writePending(OutputStream)}.
         * Returns false at the end of the result.
         */
        public boolean fetch() throws ChdbQueryException {
            if (finished) {
                return false;
            }
            releasePending();
            Pointer chunk = lib.chdb_stream_fetch_result(session.conn, handle);
            String err = chunk == null ? "Code: 1001. DB::Exception: chdb returned no chunk" : lib.chdb_result_error(chunk);
            if (err != null) {
                if (chunk != null) {
                    lib.chdb_destroy_query_result(chunk);
                }
                finished = true;
                if (chunks > 0 && err.contains("No active streaming query")) {
                    // chdb ended the stream with the previous chunk (seen after a chunk that held
                    // only the header of an empty result): the statement is complete.
                    return false;
                }
                failed = true;
                throw engineError(statement, err);
            }
            long n = lib.chdb_result_length(chunk);
            rowsRead += lib.chdb_result_rows_read(chunk);
            bytesRead += lib.chdb_result_bytes_read(chunk);
            elapsed = Math.max(elapsed, lib.chdb_result_elapsed(chunk));
            if (n == 0) {
                lib.chdb_destroy_query_result(chunk);
                finished = true;
                return false;
            }
            pending = chunk;
            return true;
        }

        /** Writes the pending chunk (without a repeated header); returns the bytes written. */
        public long writePending(OutputStream out) throws IOException {
            if (pending == null) {
                return 0;
            }
            long n = lib.chdb_result_length(pending);
            Pointer buf = lib.chdb_result_buffer(pending);
            // chdb formats every chunk as a whole output: cut the header it repeats.
            long skip = chunks++ == 0 ? 0 : repeatedHeader.headerLength(buf, n);
            long off = skip;
            while (off < n) {
                int k = (int) Math.min(copy.length, n - off);
                buf.read(off, copy, 0, k);
                out.write(copy, 0, k);
                off += k;
            }
            releasePending();
            return n - skip;
        }

        /** The pending chunk (without a repeated header) copied once into a new array. */
        public byte[] takePending() {
            if (pending == null) {
                return new byte[0];
            }
            long n = lib.chdb_result_length(pending);
            Pointer buf = lib.chdb_result_buffer(pending);
            long skip = chunks++ == 0 ? 0 : repeatedHeader.headerLength(buf, n);
            if (n - skip > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("chunk of " + n + " bytes is too large");
            }
            byte[] data = new byte[(int) (n - skip)];
            buf.read(skip, data, 0, data.length);
            releasePending();
            return data;
        }

        private void releasePending() {
            if (pending != null) {
                lib.chdb_destroy_query_result(pending);
                pending = null;
            }
        }

        /** Statistics so far (read rows of the chunks fetched). */
        public Stats stats() {
            return new Stats(rowsRead, bytesRead, 0, 0, rowsRead, elapsed);
        }

        /** Cancels an unfinished result, frees chdb's handles and gives the session back. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                releasePending();
                if (!finished) {
                    lib.chdb_stream_cancel_query(session.conn, handle);
                    failed = true;
                }
                lib.chdb_destroy_query_result(handle);
                if (failed) {
                    recover(session);
                }
            } finally {
                copy = null;
                end(statement);
                release(session);
            }
        }
    }

    private Session acquire(Access access) throws ChdbQueryException {
        if (closed) {
            throw shuttingDown();
        }
        BlockingQueue<Session> free = access == Access.FULL ? freeFull : freeReadOnly;
        Session s;
        try {
            s = free.poll(limits.engineWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION, "interrupted while waiting for the engine");
        }
        if (s == null) {
            throw busy(access);
        }
        if (closed) {
            release(s);
            throw shuttingDown();
        }
        return s;
    }

    private void release(Session s) {
        (s.access == Access.FULL ? freeFull : freeReadOnly).add(s);
    }

    private ChdbQueryException busy(Access access) {
        long now = System.nanoTime();
        double oldest = running.values().stream().mapToLong(st -> now - st.startNanos).max().orElse(0) / 1e9;
        String kind = access == Access.FULL ? "full" : "read-only";
        return ChdbQueryException.of(ChdbQueryException.ENGINE_BUSY, String.format(Locale.ROOT,
                "all %d %s engine sessions of chdb-server are busy (the longest running statement has run %.1f s "
                        + "of its limit of %d s); waited %d ms for one, the statement was not run: retry later. "
                        + "(TOO_MANY_SIMULTANEOUS_QUERIES)", limits.sessions(), kind, oldest,
                limits.maxExecutionTime().toSeconds(), limits.engineWait().toMillis()));
    }

    private static ChdbQueryException shuttingDown() {
        return ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION, "server is shutting down");
    }

    private Statement begin(Runnable onOverdue) {
        Statement st = new Statement(statementIds.incrementAndGet(), System.nanoTime(), limits, onOverdue);
        running.put(st.id, st);
        return st;
    }

    private void end(Statement st) {
        if (st != null) {
            running.remove(st.id);
        }
    }

    private static byte[] marked(Statement st, byte[] sql) {
        byte[] prefix = (st.marker + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[prefix.length + sql.length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(sql, 0, all, prefix.length, sql.length);
        return all;
    }

    /** The engine's error, or TIMEOUT_EXCEEDED when the watchdog cancelled the statement. */
    private ChdbQueryException engineError(Statement st, String err) {
        ChdbQueryException e = ChdbQueryException.fromEngine(err);
        if (st != null && st.killed && e.code() == ChdbQueryException.QUERY_WAS_CANCELLED) {
            return cancelledAtTheLimit();
        }
        return e;
    }

    /** TIMEOUT_EXCEEDED for a statement the watchdog cancelled: it has ended. */
    private ChdbQueryException cancelledAtTheLimit() {
        return ChdbQueryException.of(ChdbQueryException.TIMEOUT_EXCEEDED, "Timeout exceeded: the statement ran "
                + "longer than the limit of " + limits.maxExecutionTime().toSeconds() + " s (chdb-server "
                + "--max-execution-time) and was cancelled. (TIMEOUT_EXCEEDED)");
    }

    /**
     * The answer for a statement past its limit that chdb has not returned from even after KILL
     * QUERY. Not TIMEOUT_EXCEEDED (159): clickhouse-jdbc retries that code (with 3, 164, 202...),
     * and this statement is still running and may still complete, so a blind retry could run it
     * twice. 1001 is not retried.
     */
    public ChdbQueryException stillRunning() {
        return ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION, "Timeout exceeded: the statement ran "
                + "longer than the limit of " + limits.maxExecutionTime().toSeconds() + " s (chdb-server "
                + "--max-execution-time) and does not respond to cancellation. It is still running in the engine "
                + "and may still complete: check its effect before running it again. Its engine session stays "
                + "busy until it ends. (TIMEOUT_EXCEEDED)");
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(WATCHDOG_PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Statement st : running.values()) {
                if (!st.killed && now - st.killAtNanos > 0) {
                    st.killed = true;
                    log.accept("statement " + st.id + " exceeded " + limits.maxExecutionTime().toSeconds()
                            + " s: cancelling it");
                    kill(st);
                }
                if (!st.overdue && now - st.overdueAtNanos > 0) {
                    st.overdue = true;
                    log.accept("statement " + st.id + " does not return after KILL QUERY; its session stays busy "
                            + "until chdb returns");
                    if (st.onOverdue != null) {
                        try {
                            st.onOverdue.run();
                        } catch (RuntimeException e) {
                            log.accept("overdue callback of statement " + st.id + " failed: " + e);
                        }
                    }
                }
            }
        }
    }

    /** KILL QUERY on the control connection, used by the watchdog thread only. */
    private void kill(Statement st) {
        byte[] q = ("KILL QUERY WHERE startsWith(query, '" + st.marker + "') ASYNC")
                .getBytes(StandardCharsets.US_ASCII);
        Pointer r = lib.chdb_query_n(controlHandle.getPointer(0), q, q.length, CSV, CSV.length);
        if (r != null) {
            String err = lib.chdb_result_error(r);
            if (err != null) {
                log.accept("KILL QUERY for statement " + st.id + " failed: " + err.strip());
            }
            lib.chdb_destroy_query_result(r);
        }
    }

    private void useDatabase(Session s, String database) throws ChdbQueryException {
        String wanted = database == null || database.isEmpty() ? "default" : database;
        if (wanted.equals(s.database)) {
            return;
        }
        byte[] use = ("USE " + quoteIdentifier(wanted)).getBytes(StandardCharsets.UTF_8);
        Pointer r = call(s, use, "CSV", Map.of(), false);
        try {
            String err = lib.chdb_result_error(r);
            if (err != null) {
                ChdbQueryException e = ChdbQueryException.fromEngine(err);
                recover(s);
                throw e;
            }
            s.database = wanted;
        } finally {
            lib.chdb_destroy_query_result(r);
        }
    }

    /** Backquotes an identifier the way ClickHouse reads it. */
    public static String quoteIdentifier(String name) {
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }

    private Pointer call(Session s, byte[] sql, String format, Map<String, String> params, boolean streamed) {
        byte[] f = (format == null || format.isEmpty() ? "TabSeparated" : format).getBytes(StandardCharsets.UTF_8);
        if (params.isEmpty()) {
            return streamed ? lib.chdb_stream_query_n(s.conn, sql, sql.length, f, f.length)
                    : lib.chdb_query_n(s.conn, sql, sql.length, f, f.length);
        }
        int n = params.size();
        Pointer[] names = new Pointer[n];
        Pointer[] values = new Pointer[n];
        long[] nameLens = new long[n];
        long[] valueLens = new long[n];
        Memory[] keepAlive = new Memory[2 * n];
        int i = 0;
        for (Map.Entry<String, String> e : params.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            Memory km = new Memory(Math.max(1, k.length));
            km.write(0, k, 0, k.length);
            Memory vm = new Memory(Math.max(1, v.length));
            vm.write(0, v, 0, v.length);
            keepAlive[2 * i] = km;
            keepAlive[2 * i + 1] = vm;
            names[i] = km;
            values[i] = vm;
            nameLens[i] = k.length;
            valueLens[i] = v.length;
            i++;
        }
        Pointer r = streamed
                ? lib.chdb_stream_query_with_params_n(s.conn, sql, sql.length, f, f.length, names, nameLens, values,
                        valueLens, n)
                : lib.chdb_query_with_params_n(s.conn, sql, sql.length, f, f.length, names, nameLens, values,
                        valueLens, n);
        // Reachability fence: the native call above must not outlive the buffers.
        for (Memory m : keepAlive) {
            m.size();
        }
        return r;
    }

    private Stats stats(Pointer r, long resultRows) {
        return new Stats(lib.chdb_result_rows_read(r), lib.chdb_result_bytes_read(r),
                lib.chdb_result_rows_written(r), lib.chdb_result_bytes_written(r),
                resultRows, lib.chdb_result_elapsed(r));
    }

    /** Flushes whatever a failed statement left behind in the session (see class javadoc). */
    private void recover(Session s) {
        Pointer r = lib.chdb_query_n(s.conn, SELECT_ONE, SELECT_ONE.length, CSV, CSV.length);
        if (r != null) {
            lib.chdb_destroy_query_result(r);
        }
    }

    /** Waits up to {@code timeoutMillis} for running statements, then closes every session. */
    public void close(long timeoutMillis) {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<Session> back = new ArrayList<>();
        try {
            for (BlockingQueue<Session> free : List.of(freeFull, freeReadOnly)) {
                for (int i = 0; i < limits.sessions(); i++) {
                    Session s = free.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (s != null) {
                        back.add(s);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (watchdog != null) {
            watchdog.interrupt();
            try {
                // The watchdog may be inside a KILL on the control connection.
                watchdog.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (back.size() < sessions.size()) {
            // A statement is still running: closing under it would crash the process. Leave the
            // connections to the OS; the data directory is consistent at statement boundaries.
            return;
        }
        closeConnections();
    }

    private void closeConnections() {
        for (Session s : sessions) {
            lib.chdb_close_conn(s.handle);
        }
        if (controlHandle != null) {
            lib.chdb_close_conn(controlHandle);
        }
    }

    @Override
    public void close() {
        close(30_000);
    }
}
