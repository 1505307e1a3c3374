package io.attestream.cli.privacy;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.wire.ConfluentWireFormat;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Reads stored events back from {@code chained_events}, decoded with the writer schema stored in
 * {@code registry_schemas} (resolved to this build's schema), for the readers of sealed content.
 */
public final class StoredEvents {
    /**
     * One stored event.
     *
     * @param tenant its log's tenant
     * @param agentId its log's agent
     * @param seq its seq
     * @param chainedAtMicros when it was chained (the chainer's clock, hashed from entry version 2 on)
     * @param event the decoded event
     */
    public record Row(String tenant, String agentId, long seq, long chainedAtMicros, AuditEvent event) {
    }

    private final Connection jdbc;
    private final String database;
    private final Map<Integer, SpecificDatumReader<AuditEvent>> readers = new HashMap<>();

    public StoredEvents(Connection jdbc, String database) {
        this.jdbc = requireNonNull(jdbc, "jdbc");
        this.database = requireNonNull(database, "database");
        if (!database.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("database must be an identifier, got " + database);
        }
    }

    /** A ClickHouse string literal. */
    static String literal(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /**
     * Events of a tenant (every tenant when null) and agent (every agent when null) matching an extra SQL condition,
     * oldest first per log.
     *
     * @param where extra condition on chained_events, or null
     */
    public List<Row> read(String tenant, String agentId, String where) throws SQLException {
        List<String> c = new ArrayList<>();
        if (tenant != null) {
            c.add("tenant = " + literal(tenant));
        }
        if (agentId != null) {
            c.add("agent_id = " + literal(agentId));
        }
        if (where != null) {
            c.add("(" + where + ")");
        }
        // hex(): the JDBC driver does not hand binary String columns back byte for byte.
        String sql = "SELECT agent_id, seq, schema_id, hex(event_bytes), tenant, toUnixTimestamp64Micro(chained_at)"
                + " FROM " + database + ".chained_events" + (c.isEmpty() ? "" : " WHERE " + String.join(" AND ", c))
                + " ORDER BY tenant, agent_id, seq";
        List<Row> out = new ArrayList<>();
        try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                byte[] bytes = HexFormat.of().parseHex(rs.getString(4));
                int schemaId = rs.getInt(3);
                try {
                    byte[] body = ConfluentWireFormat.body(bytes);
                    AuditEvent e = reader(schemaId).read(null, DecoderFactory.get().binaryDecoder(body, null));
                    out.add(new Row(rs.getString(5), rs.getString(1), rs.getLong(2), rs.getLong(6), e));
                } catch (IOException | RuntimeException e) {
                    throw new SQLException("event " + rs.getString(5) + "/" + rs.getString(1) + " seq " + rs.getLong(2)
                            + " does not decode with schema " + schemaId + ": " + e + " (run attestream verify)", e);
                }
            }
        }
        return out;
    }

    private SpecificDatumReader<AuditEvent> reader(int schemaId) throws SQLException {
        SpecificDatumReader<AuditEvent> r = readers.get(schemaId);
        if (r != null) {
            return r;
        }
        String text = null;
        try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery("SELECT schema_text FROM " + database
                + ".registry_schemas WHERE schema_id = " + schemaId + " LIMIT 1")) {
            if (rs.next()) {
                text = rs.getString(1);
            }
        }
        if (text == null) {
            throw new SQLException("schema " + schemaId + " is not in " + database + ".registry_schemas");
        }
        r = new SpecificDatumReader<>(new Schema.Parser().parse(text), AuditEvent.getClassSchema());
        readers.put(schemaId, r);
        return r;
    }
}
