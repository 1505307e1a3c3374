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
import io.attestream.deploy.chdb.internal.CompressedBlocks;
import io.attestream.deploy.chdb.internal.StreamFormats;

/**
 * Throughput of the HTTP front (a chdb-server process) versus direct chdb calls (the same
 * engine through JNA, in a child JVM launched like the server), on the same 1M rows, runs of
 * both interleaved so that machine load hits both alike. Not a test: it prints figures.
 *
 * <pre>
 * mvn -o -q -pl deploy/chdb-server test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * cd deploy/chdb-server &amp;&amp; java -Duser.timezone=UTC -Xmx2g \
 *     -cp target/test-classes:target/classes:$(cat target/bench.cp) io.attestream.deploy.chdb.ChdbBenchmark [rows] [runs]
 * </pre>
 *
 * <ul>
 * <li>direct insert: rows pre-encoded as RowBinary, written to a file, {@code INSERT ... FROM INFILE}
 *     (the only safe way to hand chdb a data body);</li>
 * <li>front insert, raw HTTP: the same bytes POSTed with {@code ?query=INSERT ... FORMAT RowBinary};</li>
 * <li>front insert, JDBC batch: clickhouse-jdbc 0.10.0 PreparedStatement batches of 100k rows with
 *     {@code beta.row_binary_for_simple_insert=true} (includes the driver's own encoding);</li>
 * <li>direct scan: chdb streams RowBinaryWithNamesAndTypes into the JVM heap;</li>
 * <li>front scan, raw HTTP: the same query read to the end over HTTP (compress=0 and 1);</li>
 * <li>front scan, JDBC: the driver decodes every column of every row.</li>
 * </ul>
 * Each figure is the median of the runs after one warm-up run.
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
            direct(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = Files.createTempDirectory("chdb-bench");
        Path lib = ChdbLibrary.ensureInstalled(ChdbLibrary.defaultCacheDir(), System.out::println);
        System.out.printf("rows=%d runs=%d (median after 1 warm-up; front and direct interleaved) cores=%d%n", rows, runs,
                Runtime.getRuntime().availableProcessors());
        byte[] rowBinary = encodeRowBinary(rows);
        Map<String, List<Double>> figures = new java.util.LinkedHashMap<>();
        ChdbServerConfig config = new ChdbServerConfig("127.0.0.1", TestServers.freePort(), work.resolve("front"), null,
                lib, ChdbServerConfig.DEFAULT_MAX_BODY_BYTES);
        ProcessBuilder pb = ChdbServerProcess.javaProcess(ChdbBenchmark.class.getName(),
                List.of("direct", lib.toString(), work.resolve("direct").toString(), Integer.toString(rows)), "2g");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process direct = pb.start();
        java.io.BufferedReader fromDirect = new java.io.BufferedReader(
                new java.io.InputStreamReader(direct.getInputStream(), StandardCharsets.UTF_8));
        java.io.PrintStream toDirect = new java.io.PrintStream(direct.getOutputStream(), true, StandardCharsets.UTF_8);
        try (ChdbServerProcess server = ChdbServerProcess.start(config, work.resolve("front.log"), Duration.ofSeconds(120));
             Connection c = java.sql.DriverManager.getConnection("jdbc:clickhouse://127.0.0.1:" + server.port()
                     + "/default?beta.row_binary_for_simple_insert=true", "default", "")) {
            System.out.println("server RSS at start: " + rss(server.pid()));
            for (int run = 0; run <= runs; run++) {
                Map<String, Double> r = new java.util.LinkedHashMap<>();
                String jdbcTable = "jdbc_" + run;
                String rawTable = "raw_" + run;
                try (Statement st = c.createStatement()) {
                    st.execute(String.format(DDL, jdbcTable));
                    st.execute(String.format(DDL, rawTable));
                }
                r.put("front insert, JDBC batch", frontInsert(c, jdbcTable, rows));
                r.put("front insert, raw HTTP", rawHttpInsert(server, rawTable, rowBinary, rows));
                r.put("front scan, JDBC", frontScan(c, rawTable, rows));
                r.put("front scan, raw HTTP", rawHttpScan(server, rawTable, rows, false));
                r.put("front scan, raw HTTP compress=1", rawHttpScan(server, rawTable, rows, true));
                toDirect.println("run " + run);
                String line;
                while ((line = fromDirect.readLine()) != null && !line.startsWith("RESULT ")) {
                    System.out.println(line);
                }
                if (line == null) {
                    throw new IllegalStateException("direct benchmark child died, exit code " + direct.waitFor());
                }
                String[] f = line.split(" ");
                r.put("direct insert", Double.parseDouble(f[1]));
                r.put("direct scan", Double.parseDouble(f[2]));
                StringBuilder sb = new StringBuilder("run " + run + (run == 0 ? " (warm-up)" : "") + ":");
                r.forEach((k, v) -> sb.append(String.format(" %s=%.0f", k.replace(' ', '_').replace(",", ""), v)));
                System.out.println(sb);
                if (run > 0) {
                    r.forEach((k, v) -> figures.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                }
            }
            System.out.println("server RSS after the runs: " + rss(server.pid()) + ", direct child RSS: "
                    + rss(direct.pid()));
        } finally {
            toDirect.println("exit");
            direct.waitFor();
        }
        double di = median(figures.get("direct insert"));
        double ds = median(figures.get("direct scan"));
        System.out.println();
        System.out.printf("%-34s %12s %8s%n", "median rows/s", "rows/s", "vs direct");
        System.out.printf("%-34s %12.0f %8s%n", "direct insert (file + FROM INFILE)", di, "");
        System.out.printf("%-34s %12.0f %8s%n", "direct scan (stream to heap)", ds, "");
        for (Map.Entry<String, List<Double>> e : figures.entrySet()) {
            if (e.getKey().startsWith("front")) {
                double v = median(e.getValue());
                double base = e.getKey().contains("insert") ? di : ds;
                System.out.printf("%-34s %12.0f %7.0f%%%n", e.getKey(), v, 100 * v / base);
            }
        }
        deleteTree(work);
    }

    private static double rawHttpInsert(ChdbServerProcess server, String table, byte[] rowBinary, int rows)
            throws Exception {
        String q = URLEncoder.encode("INSERT INTO " + table + " FORMAT RowBinary", StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(server.endpoint() + "/?query=" + q))
                .POST(HttpRequest.BodyPublishers.ofByteArray(rowBinary)).build();
        long t0 = System.nanoTime();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        double secs = (System.nanoTime() - t0) / 1e9;
        if (r.statusCode() != 200 || !r.headers().firstValue("X-ClickHouse-Summary").orElse("")
                .contains("\"written_rows\":\"" + rows + "\"")) {
            throw new IllegalStateException("raw insert failed: HTTP " + r.statusCode() + " " + r.body());
        }
        return rows / secs;
    }

    private static String rss(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).map(l -> l.substring(6).trim()).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
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

    private static double rawHttpScan(ChdbServerProcess server, String table, int rows, boolean compress)
            throws Exception {
        String q = URLEncoder.encode("SELECT id, s, ts, fx, n, lc FROM " + table, StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        java.net.HttpURLConnection con = (java.net.HttpURLConnection) URI.create(server.endpoint() + "/?compress="
                + (compress ? 1 : 0) + "&query=" + q).toURL().openConnection();
        con.setRequestProperty("X-ClickHouse-Format", "RowBinaryWithNamesAndTypes");
        long bytes = 0;
        try (InputStream in = compress ? new CompressedBlocks.BlockInputStream(con.getInputStream())
                : con.getInputStream()) {
            byte[] buf = new byte[1 << 16];
            for (int k; (k = in.read(buf)) > 0;) {
                bytes += k;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (con.getResponseCode() != 200 || bytes < rows) {
            throw new IllegalStateException("raw scan failed: HTTP " + con.getResponseCode());
        }
        return rows / secs;
    }

    /**
     * Child JVM: same rows, same engine, no HTTP. Reads "run N" lines from stdin and answers each
     * with "RESULT insertRowsPerSecond scanRowsPerSecond"; "exit" ends it.
     */
    private static void direct(Path lib, Path dataDir, int rows) throws Exception {
        byte[] rowBinary = encodeRowBinary(rows);
        Path file = Files.createTempFile("bench-", ".rowbinary");
        java.io.BufferedReader commands = new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (ChdbEngine engine = ChdbEngine.open(lib, dataDir)) {
            ChdbEngine.Access s = ChdbEngine.Access.FULL;
            String line;
            while ((line = commands.readLine()) != null && line.startsWith("run ")) {
                String table = "bench_" + line.substring(4).trim();
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
                long bytes = 0;
                ByteArrayOutputStream sink = new ByteArrayOutputStream(1 << 20);
                try (ChdbEngine.Stream st = engine.stream(s, null, ("SELECT id, s, ts, fx, n, lc FROM " + table)
                        .getBytes(StandardCharsets.UTF_8), "RowBinaryWithNamesAndTypes", Map.of(),
                        StreamFormats.forFormat("RowBinaryWithNamesAndTypes").orElseThrow())) {
                    while (st.fetch()) {
                        bytes += st.writePending(sink);
                        sink.reset();
                    }
                }
                double scan = rows / ((System.nanoTime() - t0) / 1e9);
                if (bytes < rows) {
                    throw new IllegalStateException("direct scan returned " + bytes + " bytes");
                }
                System.out.println("RESULT " + ins + " " + scan);
                System.out.flush();
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
