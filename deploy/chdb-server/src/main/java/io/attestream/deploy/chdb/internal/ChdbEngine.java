package io.attestream.deploy.chdb.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * libchdb opened on one data directory with two sessions: a full one and one on which
 * {@code SET readonly=1} ran at start-up. ClickHouse refuses to change any setting (including
 * {@code readonly} itself, by SET or a SETTINGS clause) in readonly=1 mode, so queries routed to
 * the read-only session cannot write whatever their text says.
 *
 * <p>Concurrency: one statement at a time across both sessions, under a fair lock; a streamed
 * result keeps the lock until it is closed. After any failed statement the same session runs a
 * throwaway {@code SELECT 1} under the same lock, because chdb leaks partial output of a failed
 * query into the next result. Statistics are only read from successful results (they are
 * garbage on error results).
 */
public final class ChdbEngine implements AutoCloseable {

    private static final byte[] SELECT_ONE = "SELECT 1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CSV = "CSV".getBytes(StandardCharsets.US_ASCII);

    private final ChdbNative lib;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Session full;
    private final Session readOnly;
    private volatile boolean closed;

    /** One chdb connection and what the front knows of its session state. */
    public final class Session {
        private final Pointer handle;
        private final Pointer conn;
        private final boolean readonly;
        private String database = "default";

        private Session(Pointer handle, boolean readonly) {
            this.handle = handle;
            this.conn = handle.getPointer(0);
            this.readonly = readonly;
        }

        /** True for the session running with readonly=1. */
        public boolean readonly() {
            return readonly;
        }
    }

    /** Statistics of a successful statement. */
    public record Stats(long rowsRead, long bytesRead, long rowsWritten, long bytesWritten, long resultRows,
                        double elapsedSeconds) {
        static final Stats EMPTY = new Stats(0, 0, 0, 0, 0, 0);
    }

    /** A fully buffered successful result. */
    public record Result(byte[] data, Stats stats) {
    }

    private ChdbEngine(ChdbNative lib, Pointer fullHandle, Pointer readOnlyHandle) {
        this.lib = lib;
        this.full = new Session(fullHandle, false);
        this.readOnly = new Session(readOnlyHandle, true);
    }

    /**
     * Loads libchdb from {@code libPath} and opens {@code dataDir}. chdb's signal handlers would
     * replace the JVM's (the first implicit null check then kills the process): they are disabled
     * before connecting, and unless libjsig is preloaded (which chains them properly) the JVM's
     * handlers are snapshot before loading the library and reinstalled after connecting.
     */
    public static ChdbEngine open(Path libPath, Path dataDir) throws ChdbQueryException {
        Objects.requireNonNull(libPath, "libPath");
        Objects.requireNonNull(dataDir, "dataDir");
        SignalGuard guard = SignalGuard.saveIfNeeded();
        ChdbNative lib = Native.load(libPath.toAbsolutePath().toString(), ChdbNative.class);
        lib.chdb_set_signal_handlers_enabled(0);
        String[] argv = {"clickhouse", "--path=" + dataDir.toAbsolutePath()};
        Pointer fullHandle = lib.chdb_connect(argv.length, argv);
        if (guard != null) {
            guard.restore();
        }
        if (fullHandle == null || fullHandle.getPointer(0) == null) {
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION,
                    "chdb_connect failed for data directory " + dataDir + " (check --data-dir: writable, not "
                            + "used by another chdb process)");
        }
        Pointer roHandle = lib.chdb_connect(argv.length, argv);
        if (roHandle == null || roHandle.getPointer(0) == null) {
            lib.chdb_close_conn(fullHandle);
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION,
                    "second chdb_connect failed for data directory " + dataDir);
        }
        ChdbEngine engine = new ChdbEngine(lib, fullHandle, roHandle);
        engine.execute(engine.readOnly, null, "SET readonly=1".getBytes(StandardCharsets.US_ASCII), "CSV", Map.of());
        Result check = engine.execute(engine.readOnly, null,
                "SELECT getSetting('readonly')".getBytes(StandardCharsets.US_ASCII), "CSV", Map.of());
        if (!new String(check.data(), StandardCharsets.US_ASCII).strip().equals("1")) {
            engine.close();
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION,
                    "the read-only session did not switch to readonly=1; refusing to serve read-only users");
        }
        return engine;
    }

    /** The session for users with write access. */
    public Session fullSession() {
        return full;
    }

    /** The session for read-only users. */
    public Session readOnlySession() {
        return readOnly;
    }

    /** Runs one statement and buffers its whole output. */
    public Result execute(Session s, String database, byte[] sql, String format, Map<String, String> params)
            throws ChdbQueryException {
        lockOrFail();
        try {
            useDatabase(s, database);
            Pointer r = call(s, sql, format, params, false);
            try {
                String err = lib.chdb_result_error(r);
                if (err != null) {
                    throw ChdbQueryException.fromEngine(err);
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
            lock.unlock();
        }
    }

    /**
     * Starts a streamed statement. The lock is held from here until {@link Stream#close()}:
     * callers MUST close the stream, also on I/O errors, or the engine stays blocked.
     */
    public Stream stream(Session s, String database, byte[] sql, String format, Map<String, String> params,
                         StreamFormats.HeaderSkipper repeatedHeader) throws ChdbQueryException {
        lockOrFail();
        boolean handedOver = false;
        try {
            useDatabase(s, database);
            Pointer r = call(s, sql, format, params, true);
            String err = lib.chdb_result_error(r);
            if (err != null) {
                lib.chdb_destroy_query_result(r);
                ChdbQueryException e = ChdbQueryException.fromEngine(err);
                recover(s);
                throw e;
            }
            Stream stream = new Stream(s, r, repeatedHeader);
            handedOver = true;
            return stream;
        } finally {
            if (!handedOver) {
                lock.unlock();
            }
        }
    }

    /** A streamed result; one chunk at a time, straight from chdb's buffer to the output. */
    public final class Stream implements AutoCloseable {
        private final Session session;
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

        private Stream(Session session, Pointer handle, StreamFormats.HeaderSkipper repeatedHeader) {
            this.session = session;
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
                failed = true;
                throw ChdbQueryException.fromEngine(err);
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

        /** Cancels an unfinished result, frees chdb's handles and releases the engine lock. */
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
                lock.unlock();
            }
        }
    }

    private void lockOrFail() throws ChdbQueryException {
        if (closed) {
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION, "server is shutting down");
        }
        lock.lock();
        if (closed) {
            lock.unlock();
            throw ChdbQueryException.of(ChdbQueryException.UNKNOWN_EXCEPTION, "server is shutting down");
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

    /** Waits up to {@code timeoutMillis} for the running statement, then closes both sessions. */
    public void close(long timeoutMillis) {
        if (closed) {
            return;
        }
        boolean locked = false;
        try {
            locked = lock.tryLock(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        if (!locked) {
            // A statement is still running: closing under it would crash the process. Leave the
            // connections to the OS; the data directory is consistent at statement boundaries.
            return;
        }
        try {
            lib.chdb_close_conn(readOnly.handle);
            lib.chdb_close_conn(full.handle);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        close(30_000);
    }
}
