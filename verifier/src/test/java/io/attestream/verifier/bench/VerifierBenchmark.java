package io.attestream.verifier.bench;

import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.SigningKey;
import io.attestream.verifier.ChainVerifier;
import io.attestream.verifier.VerificationReport;
import io.attestream.verifier.internal.AuditRunner;
import io.attestream.verifier.internal.EvidenceReader;
import io.attestream.verifier.internal.RowBinaryScan;
import io.attestream.verifier.testing.ChainFixture;
import io.attestream.verifier.testing.EvidenceLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Verifier throughput against plain scans of the same columns (JDBC, and RowBinary over HTTP as the verifier reads), same query, same connection settings, in
 * the same run: {@code mvn -pl verifier test-compile exec:exec@bench -Dbench.args="--jdbc-url URL ..."}. The
 * verification includes the derived-column check of every row and the typed-table scan that follows; the plain
 * scan reads the same columns (the verifier's, derived ones included) and nothing more.
 *
 * <p>Lands {@code --events} realistic chained events over {@code --agents} agents (signed checkpoints every
 * {@code --checkpoint-every}, RFC 3161 timestamps from an embedded TSA) into database {@code --database} with the
 * sink's DDL and insert path, then alternates {@code --runs} plain scans and full verifications (as the
 * read-only user) after one warm-up of each, and prints the medians and the ratio. {@code --tenants} spreads the
 * agents over that many tenants (default 3); {@code --keep DIR} writes the checkpoint key and the TSA's CA
 * certificate to DIR so the landed data can be verified and reported on by the CLI; {@code --runs 0} lands only. Needs a running ClickHouse
 * front (e.g. {@code attestream stack up}); never part of {@code mvn verify}.
 *
 * <p>CPU per row. Every phase also prints the CPU time this JVM used per row and, with {@code --engine-pid-file F}
 * (the stack's {@code .attestream/clickhouse/clickhouse.pid}), the CPU time of the engine's process per row: on a
 * machine whose cores are all busy, the ratio of the rates is the inverse ratio of the total CPU per row.
 */
public final class VerifierBenchmark {
    private VerifierBenchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args see the class comment
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int events = 200_000;
        int agents = 20;
        int every = 1_000;
        int runs = 3;
        String url = "jdbc:clickhouse:http://127.0.0.1:8123/default";
        String user = "default";
        String password = "";
        String auditor = "auditor";
        String auditorPassword = "auditor";
        String db = "verifier_bench";
        int tenants = 3;
        Path keep = null;
        Path enginePidFile = null;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--events" -> events = Integer.parseInt(v);
                case "--agents" -> agents = Integer.parseInt(v);
                case "--checkpoint-every" -> every = Integer.parseInt(v);
                case "--runs" -> runs = Integer.parseInt(v);
                case "--jdbc-url" -> url = v;
                case "--user" -> user = v;
                case "--password" -> password = v;
                case "--auditor" -> auditor = v;
                case "--auditor-password" -> auditorPassword = v;
                case "--database" -> db = v;
                case "--tenants" -> tenants = Integer.parseInt(v);
                case "--keep" -> keep = Path.of(v);
                case "--engine-pid-file" -> enginePidFile = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        SigningKey key = SigningKey.generate("bench", new SecureRandom());
        EmbeddedTimestampAuthority tsa = ChainFixture.tsa("bench");
        long t0 = System.nanoTime();
        List<ChainFixture.Agent> fixture = new ArrayList<>();
        for (int a = 0; a < agents; a++) {
            fixture.add(ChainFixture.build("tenant-" + (a % tenants), "agent-" + a, events / agents, every, key, tsa));
        }
        long t1 = System.nanoTime();
        try (EvidenceLoader loader = new EvidenceLoader(url, user, password, db)) {
            loader.store().execute("TRUNCATE TABLE IF EXISTS " + db + ".chained_events");
            loader.store().execute("TRUNCATE TABLE IF EXISTS " + db + ".checkpoints");
            loader.store().execute("TRUNCATE TABLE IF EXISTS " + db + ".registry_schemas");
            for (String typed : List.of("evals", "overrides", "approvals", "policy_changes", "incidents",
                    "risk_decisions")) {
                loader.store().execute("TRUNCATE TABLE IF EXISTS " + db + "." + typed);
            }
            loader.landSchema();
            loader.land(fixture);
        }
        long t2 = System.nanoTime();
        long total = (long) agents * (events / agents);
        System.out.printf(Locale.ROOT, "chained %,d events in %.1f s; landed with the sink's insert path in %.1f s "
                + "(%,.0f rows/s)%n", total, (t1 - t0) / 1e9, (t2 - t1) / 1e9, total * 1e9 / (t2 - t1));
        if (keep != null) {
            // The landed evidence stays for `attestream verify` / `report` (issue 19's timing): write its trust.
            Files.createDirectories(keep);
            Files.writeString(keep.resolve("checkpoint.vkey"), key.verifierKey().toVkey() + "\n");
            tsa.save(keep);
            System.out.println("kept database " + db + "; trust files in " + keep + " (checkpoint.vkey, tsa-ca.crt)");
        }
        if (runs == 0) {
            return;
        }

        EvidenceReader.Tables tables = new EvidenceReader.Tables(db + ".chained_events", db + ".checkpoints",
                db + ".registry_schemas");
        double[] scan = new double[runs];
        double[] raw = new double[runs];
        double[] verify = new double[runs];
        CpuClock cpu = CpuClock.of(enginePidFile);
        double[][] cpuPerRow = new double[3][runs];
        try (EvidenceReader reader = EvidenceReader.connect(url, auditor, auditorPassword, tables)) {
            ChainVerifier v = ChainVerifier.of(CheckpointVerifier.of(key.verifierKey()),
                    Optional.of(tsa.verifier()), reader.schemaFingerprints());
            plainScan(reader);
            rawScan(reader);
            check(AuditRunner.run(reader, v, EvidenceReader.Selection.ALL, AuditRunner.SILENT, false), total);
            for (int r = 0; r < runs; r++) {
                long[] c0 = cpu.now();
                long s0 = System.nanoTime();
                long n = plainScan(reader);
                long s1 = System.nanoTime();
                long[] c1 = cpu.now();
                long m = rawScan(reader);
                long s2 = System.nanoTime();
                long[] c2 = cpu.now();
                VerificationReport rep = AuditRunner.run(reader, v, EvidenceReader.Selection.ALL, AuditRunner.SILENT,
                        false);
                long s3 = System.nanoTime();
                long[] c3 = cpu.now();
                check(rep, total);
                cpuPerRow[0][r] = cpu.print("plain JDBC scan", c0, c1, n, s1 - s0);
                cpuPerRow[1][r] = cpu.print("plain RowBinary scan", c1, c2, m, s2 - s1);
                cpuPerRow[2][r] = cpu.print("verify", c2, c3, rep.rows(), s3 - s2);
                scan[r] = n * 1e9 / (s1 - s0);
                raw[r] = m * 1e9 / (s2 - s1);
                verify[r] = rep.rows() * 1e9 / (s3 - s2);
                System.out.printf(Locale.ROOT, "run %d: plain JDBC scan %,.0f rows/s, plain RowBinary scan %,.0f rows/s,"
                        + " verify %,.0f events/s (%.0f%% of JDBC, %.0f%% of RowBinary)%n", r + 1, scan[r], raw[r],
                        verify[r], 100 * verify[r] / scan[r], 100 * verify[r] / raw[r]);
            }
        }
        double ms = median(scan);
        double mr = median(raw);
        double mv = median(verify);
        System.out.printf(Locale.ROOT, "RESULT events=%d agents=%d checkpoints_every=%d: plain JDBC scan %,.0f rows/s,"
                + " plain RowBinary scan %,.0f rows/s, verifier %,.0f events/s, ratio %.0f%% of the JDBC scan, %.0f%% of"
                + " the RowBinary scan (goal >= 70%%)%n", total, agents, every, ms, mr, mv, 100 * mv / ms,
                100 * mv / mr);
        System.out.printf(Locale.ROOT, "CPU per row (medians, %s): plain JDBC scan %.2f µs, plain RowBinary scan %.2f µs,"
                + " verify %.2f µs%n", cpu.what(), median(cpuPerRow[0]), median(cpuPerRow[1]), median(cpuPerRow[2]));
    }

    /**
     * CPU time of this JVM and, when its pid file is given, of the engine's process ({@code /proc/PID/stat}, utime +
     * stime in clock ticks of 10 ms: Linux's USER_HZ is 100 on every architecture).
     */
    private record CpuClock(long enginePid) {
        static CpuClock of(Path pidFile) throws java.io.IOException {
            if (pidFile == null) {
                return new CpuClock(-1);
            }
            java.util.Properties p = new java.util.Properties();
            try (java.io.Reader in = Files.newBufferedReader(pidFile)) {
                p.load(in);
            }
            return new CpuClock(Long.parseLong(p.getProperty("pid").trim()));
        }

        String what() {
            return enginePid < 0 ? "this JVM only" : "this JVM + engine pid " + enginePid;
        }

        /** {JVM CPU ns, engine CPU ns (0 without pid)}. */
        long[] now() throws java.io.IOException {
            long jvm = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getProcessCpuTime();
            long engine = 0;
            if (enginePid >= 0) {
                String stat = Files.readString(Path.of("/proc/" + enginePid + "/stat"));
                // Fields after the command name (which may hold spaces, so split after its closing parenthesis):
                // state is field 3, utime 14, stime 15.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                engine = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
            }
            return new long[] {jvm, engine};
        }

        /** Prints the phase's CPU per row, returns the total (JVM + engine) in µs per row. */
        double print(String phase, long[] from, long[] to, long rows, long wallNanos) {
            double jvm = (to[0] - from[0]) / 1e3 / rows;
            double engine = (to[1] - from[1]) / 1e3 / rows;
            double cores = (to[0] - from[0] + to[1] - from[1]) / (double) wallNanos;
            System.out.printf(Locale.ROOT, "  %s: CPU per row %.2f µs (this JVM %.2f, engine %s), %.2f cores busy%n",
                    phase, jvm + engine, jvm, enginePid < 0 ? "not measured" : String.format(Locale.ROOT, "%.2f",
                            engine), cores);
            return jvm + engine;
        }
    }

    private static void check(VerificationReport r, long total) {
        if (!r.ok() || r.rows() != total) {
            throw new IllegalStateException("benchmark data does not verify: " + r.rows() + " rows, findings "
                    + r.findings().stream().limit(5).toList());
        }
    }

    /** The verifier's query and columns, read into locals and nothing else. */
    private static long plainScan(EvidenceReader reader) throws SQLException {
        String sql = "SELECT " + EvidenceReader.EVENT_COLUMNS + " FROM " + reader.tables().events()
                + " WHERE 1 = 1 ORDER BY tenant, agent_id, seq";
        long n = 0;
        long sink = 0;
        try (PreparedStatement ps = reader.connection().prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                sink += rs.getString(1).length() + rs.getString(2).length() + rs.getLong(3) + rs.getBytes(4)[0]
                        + rs.getBytes(5)[0] + rs.getLong(6) + rs.getBytes(7)[0] + rs.getBytes(8).length
                        + rs.getInt(9) + rs.getLong(10);
                // The derived columns the verifier also reads (DerivedColumns.COLUMNS).
                sink += rs.getBytes(11).length + rs.getBytes(12).length + rs.getBytes(13).length + rs.getLong(14)
                        + rs.getBytes(15).length + length(rs.getBytes(16)) + length(rs.getBytes(17))
                        + rs.getBytes(18).length;
                n++;
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
        return n;
    }

    /**
     * The verifier's query and columns read the verifier's way (RowBinary over HTTP, {@link RowBinaryScan}), into
     * locals and nothing else: the anchor that does not charge the verifier for the JDBC driver.
     */
    private static long rawScan(EvidenceReader reader) {
        String sql = "SELECT " + EvidenceReader.EVENT_COLUMNS + " FROM " + reader.tables().events()
                + " WHERE 1 = 1 ORDER BY tenant, agent_id, seq";
        List<RowBinaryScan.Kind> kinds = EvidenceReader.eventKinds();
        long n = 0;
        long sink = 0;
        try (RowBinaryScan rs = RowBinaryScan.open(reader.endpoint(), sql, Map.of(), kinds)) {
            while (rs.next()) {
                for (int i = 0; i < kinds.size(); i++) {
                    sink += kinds.get(i) == RowBinaryScan.Kind.LONG ? rs.longValue(i) : length(rs.bytes(i));
                }
                n++;
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
        return n;
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
