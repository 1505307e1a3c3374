package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.EventRow;
import io.attestream.verifier.VerifierException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Reads the evidence sink's tables over clickhouse-jdbc (normally as the read-only auditor user). Column
 * names are the sink's (evidence-sink DDL V001); table names are configurable. Hashes and event bytes are read
 * as raw bytes ({@code binary_string_support}), never through a text round trip.
 */
public final class EvidenceReader implements AutoCloseable {
    /**
     * Columns of the events table the verifier reads, in the order {@link #toEventRow} expects. The chained time
     * is read as integer microseconds, exactly as hashed (no time-zone or precision conversion in the driver);
     * {@code entry_version} exists from the sink's migration V005 on.
     */
    public static final String EVENT_COLUMNS = "tenant, agent_id, seq, prev_hash, hash, schema_id, schema_fingerprint,"
            + " event_bytes, entry_version, toUnixTimestamp64Micro(chained_at), " + DerivedColumns.COLUMNS;

    /** Index (1-based) of the first of {@link DerivedColumns#COLUMNS} in {@link #EVENT_COLUMNS}. */
    private static final int DERIVED_FIRST = 11;

    /** How {@link #streamEvents} reads each of {@link #EVENT_COLUMNS}. */
    private static final List<RowBinaryScan.Kind> EVENT_KINDS = kinds("BBLBBLBBLL" + "BBBLBBBB");

    private static List<RowBinaryScan.Kind> kinds(String spec) {
        List<RowBinaryScan.Kind> out = new ArrayList<>();
        for (char c : spec.toCharArray()) {
            out.add(c == 'L' ? RowBinaryScan.Kind.LONG : RowBinaryScan.Kind.BYTES);
        }
        return List.copyOf(out);
    }

    private final Connection connection;
    private final RowBinaryScan.Endpoint endpoint;
    private final Tables tables;

    /**
     * Table names.
     *
     * @param events chained events table
     * @param checkpoints checkpoints table
     * @param schemas registry schemas table, or null to use the stored fingerprints
     */
    public record Tables(String events, String checkpoints, String schemas) {
        /** The evidence sink's default names. */
        public static final Tables DEFAULT = new Tables("chained_events", "checkpoints", "registry_schemas");

        /** Validates the names: plain or database-qualified identifiers only, since they go into SQL text. */
        public Tables {
            checkIdentifier(requireNonNull(events, "events"), "--events-table");
            checkIdentifier(requireNonNull(checkpoints, "checkpoints"), "--checkpoints-table");
            if (schemas != null) {
                checkIdentifier(schemas, "--schemas-table");
            }
        }

        /**
         * A table of the evidence sink's database (the typed tables): in the events table's database when that name
         * is qualified, else unqualified (the JDBC URL's database).
         *
         * @param table the table name, e.g. {@code evals}
         * @return e.g. {@code attestream.evals}
         */
        public String sibling(String table) {
            int dot = events.indexOf('.');
            return dot < 0 ? table : events.substring(0, dot + 1) + table;
        }

        private static void checkIdentifier(String name, String option) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
                throw new IllegalArgumentException(option + " must be a table name like 'db.table', got '" + name
                        + "'");
            }
        }
    }

    /**
     * Which rows to verify.
     *
     * @param tenant only this tenant, or null
     * @param agentId only this agent id, or null
     * @param since only events chained at or after this instant, or null
     * @param until only events chained before this instant, or null
     */
    public record Selection(String tenant, String agentId, Instant since, Instant until) {
        /** Everything. */
        public static final Selection ALL = new Selection(null, null, null, null);

        /** @return whether a time range restricts the rows */
        public boolean timeRange() {
            return since != null || until != null;
        }

        String agentWhere() {
            StringBuilder sb = new StringBuilder(" WHERE 1 = 1");
            if (tenant != null) {
                sb.append(" AND tenant = ?");
            }
            if (agentId != null) {
                sb.append(" AND agent_id = ?");
            }
            return sb.toString();
        }

        String eventWhere() {
            StringBuilder sb = new StringBuilder(agentWhere());
            if (since != null) {
                sb.append(" AND chained_at >= ?");
            }
            if (until != null) {
                sb.append(" AND chained_at < ?");
            }
            return sb.toString();
        }

        /** {@link #agentWhere()} with ClickHouse query parameters, bound by {@link #agentParams()}. */
        String agentWhereParams() {
            StringBuilder sb = new StringBuilder(" WHERE 1 = 1");
            if (tenant != null) {
                sb.append(" AND tenant = {tenant:String}");
            }
            if (agentId != null) {
                sb.append(" AND agent_id = {agent:String}");
            }
            return sb.toString();
        }

        Map<String, String> agentParams() {
            Map<String, String> out = new LinkedHashMap<>();
            if (tenant != null) {
                out.put("tenant", tenant);
            }
            if (agentId != null) {
                out.put("agent", agentId);
            }
            return out;
        }

        /** {@link #eventWhere()} with ClickHouse query parameters, bound by {@link #params()}. */
        String eventWhereParams() {
            StringBuilder sb = new StringBuilder(agentWhereParams());
            if (since != null) {
                sb.append(" AND chained_at >= fromUnixTimestamp64Micro({since:Int64}, 'UTC')");
            }
            if (until != null) {
                sb.append(" AND chained_at < fromUnixTimestamp64Micro({until:Int64}, 'UTC')");
            }
            return sb.toString();
        }

        Map<String, String> params() {
            Map<String, String> out = agentParams();
            if (since != null) {
                out.put("since", Long.toString(micros(since)));
            }
            if (until != null) {
                out.put("until", Long.toString(micros(until)));
            }
            return out;
        }

        private static long micros(Instant t) {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
        }

        int bindAgent(PreparedStatement ps, int i) throws SQLException {
            if (tenant != null) {
                ps.setString(i++, tenant);
            }
            if (agentId != null) {
                ps.setString(i++, agentId);
            }
            return i;
        }

        int bindEvents(PreparedStatement ps, int i) throws SQLException {
            i = bindAgent(ps, i);
            if (since != null) {
                ps.setTimestamp(i++, Timestamp.from(since));
            }
            if (until != null) {
                ps.setTimestamp(i++, Timestamp.from(until));
            }
            return i;
        }
    }

    private EvidenceReader(Connection connection, RowBinaryScan.Endpoint endpoint, Tables tables) {
        this.connection = connection;
        this.endpoint = endpoint;
        this.tables = tables;
    }

    /**
     * Connects.
     *
     * @param jdbcUrl e.g. {@code jdbc:clickhouse:http://127.0.0.1:8123/default}
     * @param user the ClickHouse user (the read-only auditor user is enough)
     * @param password its password
     * @param tables table names
     * @return the reader
     * @throws VerifierException when the connection fails
     */
    public static EvidenceReader connect(String jdbcUrl, String user, String password, Tables tables) {
        requireNonNull(jdbcUrl, "jdbcUrl");
        Properties p = new Properties();
        p.setProperty("user", requireNonNull(user, "user"));
        p.setProperty("password", requireNonNull(password, "password"));
        // Without it the driver decodes String columns as UTF-8 text and hashes/bytes come back mangled.
        p.setProperty("binary_string_support", "true");
        RowBinaryScan.Endpoint endpoint = RowBinaryScan.Endpoint.ofJdbcUrl(jdbcUrl, user, password);
        try {
            return new EvidenceReader(DriverManager.getConnection(jdbcUrl, p), endpoint,
                    requireNonNull(tables, "tables"));
        } catch (SQLException e) {
            throw new VerifierException("cannot connect to ClickHouse at " + jdbcUrl + " as " + user + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The connection, for callers that run their own queries (the benchmark's plain scan).
     *
     * @return the connection
     */
    public Connection connection() {
        return connection;
    }

    /**
     * The HTTP endpoint of the connection, for callers that run their own RowBinary scans (the benchmark's).
     *
     * @return the endpoint
     */
    public RowBinaryScan.Endpoint endpoint() {
        return endpoint;
    }

    /**
     * How {@link #streamEvents} reads each of {@link #EVENT_COLUMNS}.
     *
     * @return the kinds, in column order
     */
    public static List<RowBinaryScan.Kind> eventKinds() {
        return EVENT_KINDS;
    }

    /**
     * Whether {@code table} ({@code db.name}, or a name in the connection's database) exists, from system.tables.
     *
     * @param table the table
     * @return true when it exists
     */
    public boolean tableExists(String table) {
        return tablesExist(List.of(table))[0];
    }

    /**
     * Which of {@code tables} exist, in one query of system.tables ({@link #tableExists} per name costs a round trip
     * each).
     *
     * @param tables tables, each {@code db.name} or a name in the connection's database
     * @return for each table, in order, whether it exists
     */
    public boolean[] tablesExist(List<String> tables) {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int t = 0; t < tables.size(); t++) {
            sql.append(t == 0 ? "" : ", ").append("countIf(database = ")
                    .append(tables.get(t).indexOf('.') < 0 ? "currentDatabase()" : "?").append(" AND name = ?)");
        }
        sql.append(" FROM system.tables");
        try (PreparedStatement ps = connection().prepareStatement(sql.toString())) {
            int i = 1;
            for (String table : tables) {
                int dot = table.indexOf('.');
                if (dot >= 0) {
                    ps.setString(i++, table.substring(0, dot));
                }
                ps.setString(i++, dot < 0 ? table : table.substring(dot + 1));
            }
            boolean[] out = new boolean[tables.size()];
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    for (int t = 0; t < out.length; t++) {
                        out[t] = rs.getLong(t + 1) > 0;
                    }
                }
            }
            return out;
        } catch (SQLException e) {
            throw new VerifierException("cannot look up tables " + tables + ": " + e.getMessage(), e);
        }
    }

    /**
     * The table names.
     *
     * @return tables
     */
    public Tables tables() {
        return tables;
    }

    /**
     * Every stored checkpoint of the selected agents, by log.
     *
     * @param sel the selection (time range ignored: checkpoints are matched by tree size)
     * @return checkpoints by log, logs ordered by tenant then agent
     */
    public Map<LogId, List<CheckpointRow>> checkpoints(Selection sel) {
        String sql = "SELECT tenant, agent_id, tree_size, root_hash, note, key_name, timestamp_token FROM "
                + tables.checkpoints() + sel.agentWhere() + " ORDER BY tenant, agent_id, tree_size";
        Map<LogId, List<CheckpointRow>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            sel.bindAgent(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String tenant = rs.getString(1);
                    String agent = rs.getString(2);
                    CheckpointRow c = new CheckpointRow(tenant, agent, rs.getLong(3), Hash.of(rs.getBytes(4)),
                            rs.getString(5), rs.getString(6), rs.getBytes(7));
                    out.computeIfAbsent(LogId.of(tenant, agent), k -> new ArrayList<>()).add(c);
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read checkpoints from " + tables.checkpoints() + ": " + e.getMessage(),
                    e);
        }
        return out;
    }

    /**
     * Number of selected event rows (for progress).
     *
     * @param sel the selection
     * @return the count
     */
    public long countEvents(Selection sel) {
        String sql = "SELECT count() FROM " + tables.events() + sel.eventWhere();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            sel.bindEvents(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot count rows of " + tables.events() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The first selected seq of each agent (for time ranges, where verification starts mid-log).
     *
     * @param sel the selection
     * @return first seq by log
     */
    public Map<LogId, Long> firstSeqs(Selection sel) {
        String sql = "SELECT tenant, agent_id, min(seq) FROM " + tables.events() + sel.eventWhere()
                + " GROUP BY tenant, agent_id";
        Map<LogId, Long> out = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            sel.bindEvents(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(LogId.of(rs.getString(1), rs.getString(2)), rs.getLong(3));
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read first seqs from " + tables.events() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Receives the scanned rows, in order. */
    public interface RowSink {
        /**
         * One row.
         *
         * @param row the row's verified columns
         * @param eventBytes the row's stored event bytes, equal to {@code row.eventBytes()}: the sink's own array,
         *     which nothing else holds (so that the derived check need not copy them once more)
         * @param derived its stored values of the derived columns, as {@link DerivedColumns#acceptColumns} takes them
         */
        void accept(EventRow row, byte[] eventBytes, Object[] derived);
    }

    /**
     * Streams the selected event rows ordered by tenant, agent, seq, with their stored derived columns, read as
     * RowBinary over the ClickHouse HTTP interface ({@link RowBinaryScan}; clickhouse-jdbc's decoding cost more
     * than every check together).
     *
     * @param sel the selection
     * @param sink receives each row
     */
    public void streamEvents(Selection sel, RowSink sink) {
        String sql = "SELECT " + EVENT_COLUMNS + " FROM " + tables.events() + sel.eventWhereParams()
                + " ORDER BY tenant, agent_id, seq";
        try (RowBinaryScan rs = RowBinaryScan.open(endpoint, sql, sel.params(), EVENT_KINDS)) {
            String tenant = null;
            String agent = null;
            byte[] tenantBytes = null;
            byte[] agentBytes = null;
            while (rs.next()) {
                // Reuse the previous row's strings: one agent's rows come together.
                if (tenantBytes == null || !sameBytes(rs, 0, tenantBytes)) {
                    tenantBytes = rs.bytes(0);
                    tenant = new String(tenantBytes, StandardCharsets.UTF_8);
                }
                if (agentBytes == null || !sameBytes(rs, 1, agentBytes)) {
                    agentBytes = rs.bytes(1);
                    agent = new String(agentBytes, StandardCharsets.UTF_8);
                }
                // The sink owns this copy (EventRow keeps its own): the derived check decodes it in place.
                byte[] eventBytes = rs.bytes(7);
                EventRow row = new EventRow(tenant, agent, rs.longValue(2), hash(rs, 3), hash(rs, 4),
                        (int) rs.longValue(8), rs.longValue(9), (int) rs.longValue(5), hash(rs, 6), eventBytes);
                Object[] d = new Object[DerivedColumns.STORED_WIDTH];
                for (int i = 0; i < d.length; i++) {
                    int c = DERIVED_FIRST - 1 + i;
                    d[i] = EVENT_KINDS.get(c) == RowBinaryScan.Kind.LONG ? (Object) rs.longValue(c) : rs.bytes(c);
                }
                sink.accept(row, eventBytes, d);
            }
        } catch (VerifierException e) {
            throw new VerifierException("cannot read events from " + tables.events() + ": " + e.getMessage()
                    + migrationHint(e.getMessage()), e);
        }
    }

    private static boolean sameBytes(RowBinaryScan rs, int column, byte[] b) {
        return rs.length(column) == b.length && Arrays.equals(rs.buffer(column), 0, b.length, b, 0, b.length);
    }

    /** The column's hash read from the scan's buffer; a value of another length fails as {@link Hash#of} does. */
    private static Hash hash(RowBinaryScan rs, int column) {
        return rs.length(column) == Hash.SIZE ? Hash.read(rs.buffer(column), 0) : Hash.of(rs.bytes(column));
    }

    private static String migrationHint(SQLException e) {
        return migrationHint(e.getMessage());
    }

    private static String migrationHint(String message) {
        return String.valueOf(message).contains("entry_version")
                ? " (the table has no entry_version column: run the evidence sink of this release once, its migration"
                        + " V005 adds the column)" : "";
    }

    private static EventRow toEventRow(ResultSet rs, String tenant, String agent) throws SQLException {
        long schemaId = rs.getLong(6);
        return new EventRow(tenant, agent, rs.getLong(3), Hash.of(rs.getBytes(4)), Hash.of(rs.getBytes(5)),
                rs.getInt(9), rs.getLong(10), (int) schemaId, Hash.of(rs.getBytes(7)), rs.getBytes(8));
    }

    /**
     * The stored hashes of seq 0..upTo-1 of one log (for time ranges: the Merkle prefix before the range).
     *
     * @param log the log
     * @param upTo exclusive bound
     * @return hashes by seq; a list shorter or longer than upTo means the prefix has gaps or duplicates
     */
    public List<Hash> storedHashes(LogId log, long upTo) {
        String sql = "SELECT hash FROM " + tables.events() + " WHERE tenant = ? AND agent_id = ? AND seq < ?"
                + " ORDER BY seq";
        List<Hash> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, log.tenant());
            ps.setString(2, log.agentId());
            ps.setLong(3, upTo);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Hash.of(rs.getBytes(1)));
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read the hashes of " + log + " from " + tables.events() + ": "
                    + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Fingerprints re-derived from the stored schema text (Avro Parsing Canonical Form, SHA-256).
     *
     * @return by schema id; empty when no schemas table is configured
     * @throws VerifierException when the table cannot be read or a schema text does not parse
     */
    public Map<Integer, Hash> schemaFingerprints() {
        Map<Integer, Hash> out = new HashMap<>();
        for (Map.Entry<Integer, Schema> e : schemas().entrySet()) {
            out.put(e.getKey(), fingerprint(e.getValue()));
        }
        return out;
    }

    /**
     * The writer schemas parsed from the stored schema text, the ones the fingerprints of
     * {@link #schemaFingerprints()} are re-derived from (so a row whose hash verifies is decoded with the schema
     * it was hashed with).
     *
     * @return by schema id; empty when no schemas table is configured
     * @throws VerifierException when the table cannot be read, a schema text does not parse, or one id has two
     *     texts of different canonical forms (stored rows disagree on what the id means)
     */
    public Map<Integer, Schema> schemas() {
        if (tables.schemas() == null) {
            return Map.of();
        }
        Map<Integer, Schema> out = new HashMap<>();
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("SELECT schema_id, schema_text FROM " + tables.schemas())) {
            while (rs.next()) {
                int id = (int) rs.getLong(1);
                String text = rs.getString(2);
                Schema schema;
                try {
                    schema = new Schema.Parser().parse(text);
                } catch (RuntimeException e) {
                    throw new VerifierException("schema " + id + " in " + tables.schemas() + " does not parse: "
                            + e.getMessage(), e);
                }
                Schema earlier = out.put(id, schema);
                if (earlier != null && !SchemaNormalization.toParsingForm(earlier)
                        .equals(SchemaNormalization.toParsingForm(schema))) {
                    throw new VerifierException("schema id " + id + " has two different texts in " + tables.schemas()
                            + ": the stored schemas disagree on what the id means");
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read schemas from " + tables.schemas() + " (pass --schemas-table none "
                    + "to use the stored fingerprints): " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * SHA-256 of a schema's Parsing Canonical Form.
     *
     * @param schema the schema
     * @return the fingerprint
     */
    static Hash fingerprint(Schema schema) {
        try {
            return Hash.of(SchemaNormalization.parsingFingerprint("SHA-256", schema));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Where an event is stored.
     *
     * @param log its log
     * @param seq its seq
     * @param row its verified columns
     */
    public record Located(LogId log, long seq, EventRow row) {
    }

    /**
     * Finds an event by id.
     *
     * @param eventId the event id
     * @return the rows with that id (more than one means replays or forgeries)
     */
    public List<Located> findEvent(String eventId) {
        String sql = "SELECT " + EVENT_COLUMNS + " FROM " + tables.events() + " WHERE event_id = ? ORDER BY tenant, "
                + "agent_id, seq";
        List<Located> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, requireNonNull(eventId, "eventId"));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    EventRow r = toEventRow(rs, rs.getString(1), rs.getString(2));
                    out.add(new Located(LogId.of(r.tenant(), r.agentId()), r.seq(), r));
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot look up event " + eventId + " in " + tables.events() + ": "
                    + e.getMessage() + migrationHint(e), e);
        }
        return out;
    }

    /**
     * The largest stored checkpoint of a log.
     *
     * @param log the log
     * @return the checkpoint rows of the largest tree size (several when several keys signed it)
     */
    public Optional<List<CheckpointRow>> latestCheckpoints(LogId log) {
        List<CheckpointRow> all = checkpoints(new Selection(log.tenant(), log.agentId(), null, null))
                .getOrDefault(log, List.of());
        if (all.isEmpty()) {
            return Optional.empty();
        }
        long max = all.get(all.size() - 1).treeSize();
        return Optional.of(all.stream().filter(c -> c.treeSize() == max).toList());
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            throw new VerifierException("cannot close the ClickHouse connection: " + e.getMessage(), e);
        }
    }
}
