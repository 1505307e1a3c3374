package io.attestream.deploy.chdb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;

import java.util.List;
import java.util.Map;

import io.attestream.deploy.chdb.internal.ChdbEngine;
import io.attestream.deploy.chdb.internal.StreamFormats;

/**
 * Throughput of the HTTP front (the real clickhouse-jdbc 0.10.0 driver against a chdb-server
 * process) versus direct chdb calls (the same engine through JNA, in a child JVM launched like
 * the server), in the same run, on the same 1M rows. Not a test: it prints figures.
 *
 * <pre>
 * mvn -o -q -pl deploy/chdb-server test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * cd deploy/chdb-server &amp;&amp; java -Duser.timezone=UTC -Xmx2g \
 *     -cp target/test-classes:target/classes:$(cat target/bench.cp) io.attestream.deploy.chdb.ChdbBenchmark [rows] [runs]
 * </pre>
 *
 * Insert, front: PreparedStatement batches of 100k rows with
 * {@code beta.row_binary_for_simple_insert=true} (RowBinary, chunked body, compress=1 default).
 * Insert, direct: the same rows already encoded as RowBinary, written to a file and loaded with
 * {@code INSERT ... FROM INFILE} (the only safe way to hand chdb a data body). Scan, front: the
 * driver reads every column of every row. Scan, direct: chdb streams the same
 * RowBinaryWithNamesAndTypes bytes into the JVM heap. Each figure is the median of the runs,
 * after one warm-up run.
 */
public final class ChdbBenchmark {

    private static final String DDL = "CREATE TABLE %s (id UInt64, s String, ts DateTime64(6, 'UTC'), fx FixedString(8),"
            + " n Nullable(String), lc LowCardinality(String)) ENGINE = MergeTree ORDER BY id";
    private static final String FILLER = "0123456789abcdefghijklmnopqrstuvwxyz0123";
    private static final int BATCH = 100_000;

    private ChdbBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("direct")) {
            direct(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            return;
        }
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Files.createTempDirectory("chdb-bench");
        Path lib = ChdbLibrary.ensureInstalled(ChdbLibrary.defaultCacheDir(), System.out::println);
        System.out.printf("rows=%d runs=%d (median after 1 warm-up) cores=%d java=%s%n", rows, runs,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        List<Double> frontInsert = new ArrayList<>();
        List<Double> frontScan = new ArrayList<>();
        List<Double> rawScan = new ArrayList<>();
        ChdbServerConfig config = new ChdbServerConfig("127.0.0.1", TestServers.freePort(), work.resolve("front"), null,
                lib, ChdbServerConfig.DEFAULT_MAX_BODY_BYTES);
        try (ChdbServerProcess server = ChdbServerProcess.start(config, work.resolve("front.log"), Duration.ofSeconds(120))) {
            String url = "jdbc:clickhouse://127.0.0.1:" + server.port() + "/default?beta.row_binary_for_simple_insert=true";
            try (Connection c = java.sql.DriverManager.getConnection(url, "default", "")) {
                for (int run = 0; run <= runs; run++) {
                    String table = "bench_" + run;
                    try (Statement st = c.createStatement()) {
                        st.execute(String.format(DDL, table));
                    }
                    double ins = frontInsert(c, table, rows);
                    double scan = frontScan(c, table, rows);
                    double raw = rawHttpScan(server, table, rows);
                    if (run > 0) {
                        frontInsert.add(ins);
                        frontScan.add(scan);
                        rawScan.add(raw);
                    }
                    System.out.printf("front run %d%s: insert %.0f rows/s, scan (JDBC) %.0f rows/s, scan (raw HTTP"
                            + " compress=1) %.0f rows/s%n", run, run == 0 ? " (warm-up)" : "", ins, scan, raw);
                }
            }
        }

        ProcessBuilder pb = ChdbServerProcess.javaProcess(ChdbBenchmark.class.getName(),
                List.of("direct", lib.toString(), work.resolve("direct").toString(), Integer.toString(rows),
                        Integer.toString(runs)), "2g");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<Double> directInsert = new ArrayList<>();
        List<Double> directScan = new ArrayList<>();
        try (InputStream in = p.getInputStream()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("RESULT ")) {
                    String[] f = line.split(" ");
                    directInsert.add(Double.parseDouble(f[1]));
                    directScan.add(Double.parseDouble(f[2]));
                } else if (!line.isBlank()) {
                    System.out.println(line);
                }
            }
        }
        if (p.waitFor() != 0 || directInsert.isEmpty()) {
            throw new IllegalStateException("direct benchmark child failed with exit code " + p.exitValue());
        }
        double fi = median(frontInsert);
        double fs = median(frontScan);
        double rs = median(rawScan);
        double di = median(directInsert);
        double ds = median(directScan);
        System.out.println();
        System.out.printf("%-28s %14s %14s %8s%n", "", "front", "direct", "ratio");
        System.out.printf("%-28s %14.0f %14.0f %7.0f%%%n", "RowBinary insert (rows/s)", fi, di, 100 * fi / di);
        System.out.printf("%-28s %14.0f %14.0f %7.0f%%%n", "full scan, JDBC (rows/s)", fs, ds, 100 * fs / ds);
        System.out.printf("%-28s %14.0f %14.0f %7.0f%%%n", "full scan, raw HTTP (rows/s)", rs, ds, 100 * rs / ds);
        deleteTree(work);
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String s(int i) {
        return "event payload " + i + " " + FILLER;
    }

    private static String fx(int i) {
        return String.format("%08d", i % 100_000_000);
    }

    private static String n(int i) {
        return i % 3 == 0 ? null : "n" + i;
    }

    private static String lc(int i) {
        return "agent-" + (i % 16);
    }

    private static long micros(int i) {
        return 1_700_000_000_000_000L + i;
    }

    private static double frontInsert(Connection c, String table, int rows) throws Exception {
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < rows; i++) {
                ps.setLong(1, i);
                ps.setString(2, s(i));
                long m = micros(i);
                ps.setTimestamp(3, Timestamp.from(Instant.ofEpochSecond(m / 1_000_000, (m % 1_000_000) * 1_000)));
                ps.setString(4, fx(i));
                if (n(i) == null) {
                    ps.setNull(5, Types.VARCHAR);
                } else {
                    ps.setString(5, n(i));
                }
                ps.setString(6, lc(i));
                ps.addBatch();
                if ((i + 1) % BATCH == 0 || i == rows - 1) {
                    ps.executeBatch();
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        checkCount(c, table, rows);
        return rows / secs;
    }

    private static void checkCount(Connection c, String table, int rows) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count() FROM " + table)) {
            rs.next();
            if (rs.getLong(1) != rows) {
                throw new IllegalStateException(table + " has " + rs.getLong(1) + " rows, expected " + rows);
            }
        }
    }

    private static double frontScan(Connection c, String table, int rows) throws Exception {
        long t0 = System.nanoTime();
        long n = 0;
        long checksum = 0;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, s, ts, fx, n, lc FROM " + table)) {
            while (rs.next()) {
                checksum += rs.getLong(1) + rs.getString(2).length() + rs.getTimestamp(3).getNanos()
                        + rs.getString(4).length() + (rs.getString(5) == null ? 0 : 1) + rs.getString(6).length();
                n++;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (n != rows || checksum == 0) {
            throw new IllegalStateException("scan returned " + n + " rows");
        }
        return rows / secs;
    }

    private static double rawHttpScan(ChdbServerProcess server, String table, int rows) throws Exception {
        String q = URLEncoder.encode("SELECT id, s, ts, fx, n, lc FROM " + table, StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(server.endpoint() + "/?compress=1&query=" + q))
                .header("X-ClickHouse-Format", "RowBinaryWithNamesAndTypes").build();
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream());
        long bytes = 0;
        try (InputStream in = new io.attestream.deploy.chdb.internal.CompressedBlocks.BlockInputStream(r.body())) {
            byte[] buf = new byte[1 << 16];
            for (int k; (k = in.read(buf)) > 0;) {
                bytes += k;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (r.statusCode() != 200 || bytes < rows) {
            throw new IllegalStateException("raw scan failed: HTTP " + r.statusCode());
        }
        return rows / secs;
    }

    /** Child JVM: same rows, same engine, no HTTP. Prints one RESULT line per measured run. */
    private static void direct(Path lib, Path dataDir, int rows, int runs) throws Exception {
        byte[] rowBinary = encodeRowBinary(rows);
        Path file = Files.createTempFile("bench-", ".rowbinary");
        try (ChdbEngine engine = ChdbEngine.open(lib, dataDir)) {
            ChdbEngine.Session s = engine.fullSession();
            for (int run = 0; run <= runs; run++) {
                String table = "bench_" + run;
                engine.execute(s, null, String.format(DDL, table).getBytes(StandardCharsets.UTF_8), "CSV", Map.of());
                long t0 = System.nanoTime();
                Files.write(file, rowBinary);
                ChdbEngine.Result r = engine.execute(s, null, ("INSERT INTO " + table + " FROM INFILE '" + file
                        + "' FORMAT RowBinary").getBytes(StandardCharsets.UTF_8), "CSV", Map.of());
                double ins = rows / ((System.nanoTime() - t0) / 1e9);
                if (r.stats().rowsWritten() != rows) {
                    throw new IllegalStateException("direct insert wrote " + r.stats().rowsWritten());
                }
                t0 = System.nanoTime();
                ByteArrayOutputStream sink = new ByteArrayOutputStream(1 << 20) {
                    @Override
                    public synchronized void write(byte[] b, int off, int len) {
                        count += len; // count only: the bytes are already copied into the heap by the engine
                    }
                };
                try (ChdbEngine.Stream st = engine.stream(s, null, ("SELECT id, s, ts, fx, n, lc FROM " + table)
                        .getBytes(StandardCharsets.UTF_8), "RowBinaryWithNamesAndTypes", Map.of(),
                        StreamFormats.forFormat("RowBinaryWithNamesAndTypes").orElseThrow())) {
                    while (st.fetch()) {
                        st.writePending(sink);
                    }
                }
                double scan = rows / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("direct run %d%s: insert %.0f rows/s, scan %.0f rows/s (%d bytes)%n", run,
                        run == 0 ? " (warm-up)" : "", ins, scan, sink.size());
                if (run > 0) {
                    System.out.println("RESULT " + ins + " " + scan);
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static byte[] encodeRowBinary(int rows) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows * 96);
        byte[] eight = new byte[8];
        for (int i = 0; i < rows; i++) {
            putLong(out, eight, i);
            putString(out, s(i));
            putLong(out, eight, micros(i));
            out.write(fx(i).getBytes(StandardCharsets.US_ASCII));
            String nv = n(i);
            if (nv == null) {
                out.write(1);
            } else {
                out.write(0);
                putString(out, nv);
            }
            putString(out, lc(i));
        }
        return out.toByteArray();
    }

    private static void putLong(ByteArrayOutputStream out, byte[] b, long v) {
        for (int k = 0; k < 8; k++) {
            b[k] = (byte) (v >>> (8 * k));
        }
        out.write(b, 0, 8);
    }

    private static void putString(ByteArrayOutputStream out, String v) throws IOException {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        int len = b.length;
        while (len >= 0x80) {
            out.write((len & 0x7F) | 0x80);
            len >>>= 7;
        }
        out.write(len);
        out.write(b);
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            try (var s = Files.list(p)) {
                for (Path c : (Iterable<Path>) s::iterator) {
                    deleteTree(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
