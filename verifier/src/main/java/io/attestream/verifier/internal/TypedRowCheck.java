package io.attestream.verifier.internal;

import io.attestream.integrity.LogId;
import io.attestream.verifier.EventRow;
import io.attestream.verifier.FindingKind;
import io.attestream.verifier.VerifierException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Checks every row of every typed table against the event it was derived from, after the event scan: each row
 * must equal, column by column, the row its source event gives ({@link EventDecoder}), and each event of a type
 * with a typed table must have exactly one. One ordered scan per table that reads only each row's key and a
 * 128-bit digest of its compared columns, computed by ClickHouse ({@link TypedTable#digestSql()}, the same
 * encoding as the Java side); rows are matched by digest against the {@link DerivedColumns.TypedIndex} the event
 * scan filled, so memory stays at the index and only rows that do not match are read in full, with their source
 * event, to name the differing columns.
 *
 * <p>Findings, each at the row's tenant, agent and seq: {@code column-mismatch} (one per differing column, with the
 * stored and the derived value), {@code orphan-row} (no stored event at that seq gives a row of that table),
 * {@code duplicate-row} (a second identical copy), {@code missing-row} (an event whose typed row is absent).
 *
 * <p>With {@code --since}/{@code --until}, only typed rows inside each log's scanned seq range are checked.
 */
final class TypedRowCheck {
    /** Problems per run whose source event is re-read to explain them; later ones get a shorter finding. */
    static final int MAX_EXPLAINED = 2000;
    /** Rows re-read per query when explaining mismatches. */
    private static final int EXPLAIN_BATCH = 500;

    private static final List<RowBinaryScan.Kind> DIGEST_KINDS = List.of(RowBinaryScan.Kind.BYTES,
            RowBinaryScan.Kind.BYTES, RowBinaryScan.Kind.LONG, RowBinaryScan.Kind.BYTES);

    private final EvidenceReader reader;
    private final EvidenceReader.Selection sel;
    private final DerivedColumns.TypedIndex index;
    private final DerivedColumns.FindingList findings;
    private final RetentionCheck retention;
    private final Map<Integer, Schema> schemas;
    private final MessageDigest sha = DerivedColumns.sha256();
    private int explained;

    private TypedRowCheck(EvidenceReader reader, EvidenceReader.Selection sel, DerivedColumns derived,
            Map<Integer, Schema> schemas) {
        this.reader = reader;
        this.sel = sel;
        this.index = derived.expected();
        this.findings = derived.findingList();
        this.retention = derived.retention();
        this.schemas = schemas;
    }

    /**
     * Runs the check; findings go to {@code derived}'s list.
     *
     * @param reader the evidence
     * @param sel the selection of the event scan
     * @param derived the event scan's derived-column check, complete
     * @param schemas writer schemas by id
     */
    static void run(EvidenceReader reader, EvidenceReader.Selection sel, DerivedColumns derived,
            Map<Integer, Schema> schemas) {
        TypedRowCheck c = new TypedRowCheck(reader, sel, derived, schemas);
        for (TypedTable t : TypedTable.values()) {
            c.table(t);
        }
        c.missing();
    }

    /** A stored typed row that did not match, by its digest. */
    private record Problem(LogId log, long seq, TypedTable table, long[] digest, FindingKind kind) {
    }

    /** Whether legal_holds exists: as the retention check found it when it read the table, else asked now. */
    private boolean holdsTableExists(String name) {
        Boolean known = retention.holdsTable();
        return known != null ? known : reader.tableExists(name);
    }

    private void table(TypedTable t) {
        String name = reader.tables().sibling(t.tableName());
        if (t == TypedTable.LEGAL_HOLDS && !holdsTableExists(name)) {
            // A database before the sink's migration V008: no table, so every LegalHold event is a missing row.
            return;
        }
        String sql = "SELECT tenant, agent_id, seq, " + t.digestSql() + " FROM " + name + sel.agentWhereParams()
                + " ORDER BY tenant, agent_id, seq";
        List<Problem> problems = new ArrayList<>();
        // RowBinary over HTTP, as the event scan: every typed row passes here once.
        try (RowBinaryScan rs = RowBinaryScan.open(reader.endpoint(), sql, sel.agentParams(), DIGEST_KINDS)) {
            Group g = new Group();
            String tenant = null;
            String agent = null;
            byte[] tenantBytes = null;
            byte[] agentBytes = null;
            while (rs.next()) {
                if (tenantBytes == null || !Arrays.equals(tenantBytes, rs.bytes(0))) {
                    tenantBytes = rs.bytes(0);
                    tenant = new String(tenantBytes, StandardCharsets.UTF_8);
                }
                if (agentBytes == null || !Arrays.equals(agentBytes, rs.bytes(1))) {
                    agentBytes = rs.bytes(1);
                    agent = new String(agentBytes, StandardCharsets.UTF_8);
                }
                long seq = rs.longValue(2);
                if (!g.is(tenant, agent, seq)) {
                    g.flush(t, problems);
                    g.start(tenant, agent, seq);
                }
                g.digests.add(digest(rs.bytes(3)));
            }
            g.flush(t, problems);
        } catch (VerifierException e) {
            throw new VerifierException("cannot read " + name + ": " + e.getMessage(), e);
        }
        // The rows to explain are re-read per log in batches (one query per table and per batch, not two per row):
        // a forged or truncated log can leave thousands of them.
        Map<LogId, List<Problem>> byLog = new LinkedHashMap<>();
        for (Problem p : problems) {
            byLog.computeIfAbsent(p.log(), k -> new ArrayList<>()).add(p);
        }
        for (Map.Entry<LogId, List<Problem>> e : byLog.entrySet()) {
            List<Problem> ps = e.getValue();
            for (int from = 0; from < ps.size(); from += EXPLAIN_BATCH) {
                List<Problem> batch = ps.subList(from, Math.min(ps.size(), from + EXPLAIN_BATCH));
                List<Long> seqs = batch.stream().map(Problem::seq).distinct().toList();
                Map<Long, List<Object[]>> stored = storedRows(t, e.getKey(), seqs);
                Map<Long, List<Source>> sources = sources(e.getKey(), seqs);
                for (Problem p : batch) {
                    explain(p, stored.getOrDefault(p.seq(), List.of()), sources.getOrDefault(p.seq(), List.of()));
                }
            }
        }
    }

    private static String seqList(List<Long> seqs) {
        StringBuilder b = new StringBuilder();
        for (long s : seqs) {
            b.append(b.length() == 0 ? "" : ",").append(s);
        }
        return b.toString();
    }

    private static long[] digest(byte[] b) {
        if (b == null || b.length != 16) {
            throw new VerifierException("the typed-row digest query returned " + (b == null ? "NULL" : b.length
                    + " bytes") + ", not 16");
        }
        long a = 0;
        long c = 0;
        for (int i = 0; i < 8; i++) {
            a = (a << 8) | (b[i] & 0xff);
            c = (c << 8) | (b[8 + i] & 0xff);
        }
        return new long[] {a, c};
    }

    /** The stored rows of {@code t} at the given seqs of one log, with all compared columns, by seq. */
    private Map<Long, List<Object[]>> storedRows(TypedTable t, LogId log, List<Long> seqs) {
        StringBuilder sql = new StringBuilder("SELECT tenant, agent_id, seq, event_id, agent_version,"
                + " toUnixTimestamp64Micro(occurred_at), toUnixTimestamp64Micro(chained_at)");
        for (TypedTable.Column c : t.columns()) {
            sql.append(", ").append(c.kind().select(c.name()));
        }
        String name = reader.tables().sibling(t.tableName());
        sql.append(" FROM ").append(name).append(" WHERE tenant = ? AND agent_id = ? AND seq IN (")
                .append(seqList(seqs)).append(')');
        Map<Long, List<Object[]>> out = new HashMap<>();
        try (PreparedStatement ps = reader.connection().prepareStatement(sql.toString())) {
            ps.setString(1, log.tenant());
            ps.setString(2, log.agentId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object[] v = values(rs, t);
                    out.computeIfAbsent(rs.getLong(3), k -> new ArrayList<>()).add(v);
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read " + log + " seqs " + seqs.get(0) + ".. from " + name + ": "
                    + e.getMessage(), e);
        }
        return out;
    }

    private static Object[] values(ResultSet rs, TypedTable t) throws SQLException {
        Object[] v = new Object[t.width()];
        v[0] = bytes(rs, 4);
        v[1] = bytes(rs, 5);
        v[2] = rs.getLong(6);
        v[3] = rs.getLong(7);
        int i = 8;
        int k = TypedTable.PREFIX.size();
        for (TypedTable.Column c : t.columns()) {
            v[k++] = switch (c.kind()) {
                case DOUBLE -> rs.getDouble(i);
                case TIME_OR_OCCURRED -> rs.getLong(i);
                case OPT_TIME -> {
                    long micros = rs.getLong(i);
                    yield rs.wasNull() ? null : micros;
                }
                default -> bytes(rs, i);
            };
            i++;
        }
        return v;
    }

    private static byte[] bytes(ResultSet rs, int i) throws SQLException {
        byte[] b = rs.getBytes(i);
        return rs.wasNull() ? null : b;
    }

    /** The typed rows stored under one key, matched as a whole (a key may hold copies or forgeries). */
    private final class Group {
        String tenant;
        String agent;
        long seq;
        LogId log;
        final List<long[]> digests = new ArrayList<>();

        boolean is(String t, String a, long s) {
            return log != null && s == seq && t.equals(tenant) && a.equals(agent);
        }

        void start(String t, String a, long s) {
            if (log == null || !t.equals(tenant) || !a.equals(agent)) {
                log = LogId.of(t, a);
            }
            tenant = t;
            agent = a;
            seq = s;
        }

        void flush(TypedTable t, List<Problem> problems) {
            if (digests.isEmpty()) {
                return;
            }
            DerivedColumns.TypedIndex.PerLog p = index.get(log);
            boolean inRange = p != null && seq >= p.minSeq && seq <= p.maxSeq;
            if (sel.timeRange() && !inRange) {
                digests.clear();
                return;
            }
            int from = p == null ? 0 : p.first(seq);
            int to = from;
            while (p != null && to < p.n && p.seqs[to] == seq) {
                to++;
            }
            boolean[] done = new boolean[digests.size()];
            for (int r = 0; r < digests.size(); r++) {
                long[] d = digests.get(r);
                for (int i = from; i < to; i++) {
                    if (p.tables[i] == t.ordinal() && !p.matched.get(i) && p.d0[i] == d[0] && p.d1[i] == d[1]) {
                        p.matched.set(i);
                        done[r] = true;
                        break;
                    }
                }
            }
            for (int r = 0; r < digests.size(); r++) {
                if (done[r]) {
                    continue;
                }
                long[] d = digests.get(r);
                FindingKind kind = FindingKind.ORPHAN_ROW;
                for (int i = from; i < to; i++) {
                    if (p.tables[i] == t.ordinal() && p.d0[i] == d[0] && p.d1[i] == d[1]) {
                        kind = FindingKind.DUPLICATE_ROW;
                    }
                }
                if (kind == FindingKind.ORPHAN_ROW) {
                    for (int i = from; i < to; i++) {
                        if (p.tables[i] == t.ordinal() && !p.matched.get(i)) {
                            // The source event's row, with columns changed: paired, so it is not also missing.
                            p.matched.set(i);
                            kind = FindingKind.COLUMN_MISMATCH;
                            break;
                        }
                    }
                }
                if (kind == FindingKind.ORPHAN_ROW && retention.isPruned(log, seq)) {
                    // Its event's payload was pruned: nothing to compare it with (the retention check judged it).
                    continue;
                }
                if (kind == FindingKind.DUPLICATE_ROW) {
                    findings.add(log, seq, kind, "a second identical " + t.tableName() + " row at this seq: the "
                            + "typed table holds this event twice");
                } else if (explained + problems.size() < MAX_EXPLAINED) {
                    problems.add(new Problem(log, seq, t, d, kind));
                } else {
                    // Bounded work whatever was forged: beyond the cap, rows are not re-read to be explained.
                    findings.add(log, seq, kind, t.tableName() + " row differs from every row the stored events at "
                            + "this seq give (not explained: more than " + MAX_EXPLAINED + " such rows)");
                }
            }
            digests.clear();
        }
    }

    /** Names the differing columns of a row that did not match, from its source event read again. */
    private void explain(Problem p, List<Object[]> storedAtSeq, List<Source> sourcesAtSeq) {
        String table = p.table().tableName();
        explained++;
        Object[] stored = null;
        for (Object[] v : storedAtSeq) {
            long[] d = DerivedColumns.TypedIndex.digest(sha, v);
            if (d[0] == p.digest()[0] && d[1] == p.digest()[1]) {
                stored = v;
            }
        }
        if (stored == null) {
            // The row changed between the two reads, or the two digests disagree: say so rather than guess.
            findings.add(p.log(), p.seq(), p.kind(), table + " row matches no stored event at this seq (its columns "
                    + "could not be read back to name the difference)");
            return;
        }
        List<Object[]> candidates = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (Source s : sourcesAtSeq) {
            Schema schema = schemas.get(s.schemaId());
            EventDecoder.Decoded d = null;
            if (schema != null) {
                try {
                    byte[] b = s.bytes();
                    d = EventDecoder.of(schema).decode(b, EventRow.HEADER_SIZE,
                            Math.max(0, b.length - EventRow.HEADER_SIZE));
                } catch (EventDecoder.UnusableSchemaException | AvroCursor.Corrupt e) {
                    others.add("an event whose bytes do not decode");
                    continue;
                }
            }
            if (d == null) {
                others.add("an event of unknown schema " + s.schemaId());
            } else if (d.table() == p.table()) {
                candidates.add(d.typedRow(s.chainedAtMicros()));
            } else {
                others.add(("AEIOU".indexOf(d.eventType().charAt(0)) >= 0 ? "an " : "a ") + d.eventType() + " event");
            }
        }
        if (candidates.isEmpty()) {
            String there = others.isEmpty() ? "no chained_events row" : String.join(" and ", others) + ", which gives "
                    + "no " + table + " row";
            findings.add(p.log(), p.seq(), FindingKind.ORPHAN_ROW, table + " row without a source event: at this seq "
                    + "there is " + there);
            return;
        }
        Object[] best = null;
        int bestDiffs = Integer.MAX_VALUE;
        for (Object[] c : candidates) {
            int diffs = 0;
            for (int i = 0; i < c.length; i++) {
                diffs += DerivedValues.same(c[i], stored[i]) ? 0 : 1;
            }
            if (diffs < bestDiffs) {
                best = c;
                bestDiffs = diffs;
            }
        }
        if (bestDiffs == 0) {
            // Equal to an event row that the scan did not see (e.g. outside a time range): nothing to report.
            return;
        }
        for (int i = 0; i < best.length; i++) {
            if (!DerivedValues.same(best[i], stored[i])) {
                String col = p.table().columnName(i);
                DerivedValues.Render how = render(p.table(), i);
                String detail = DerivedColumns.mismatch(table, col, DerivedValues.render(stored[i], how),
                        DerivedValues.render(best[i], how));
                findings.add(p.log(), p.seq(), p.kind() == FindingKind.COLUMN_MISMATCH ? FindingKind.COLUMN_MISMATCH
                        : FindingKind.ORPHAN_ROW, p.kind() == FindingKind.COLUMN_MISMATCH ? detail
                        : "a second " + table + " row at this seq, matching no stored event; " + detail);
            }
        }
    }

    private static DerivedValues.Render render(TypedTable t, int i) {
        if (i < TypedTable.PREFIX.size()) {
            return i >= 2 ? DerivedValues.Render.TIME : DerivedValues.Render.TEXT;
        }
        return switch (t.columns().get(i - TypedTable.PREFIX.size()).kind()) {
            case DOUBLE -> DerivedValues.Render.NUMBER;
            case OPT_DIGEST -> DerivedValues.Render.HEX;
            case STRINGS -> DerivedValues.Render.LIST;
            case TIME_OR_OCCURRED, OPT_TIME -> DerivedValues.Render.TIME;
            default -> DerivedValues.Render.TEXT;
        };
    }

    private record Source(int schemaId, byte[] bytes, long chainedAtMicros) {
    }

    private Map<Long, List<Source>> sources(LogId log, List<Long> seqs) {
        String sql = "SELECT seq, schema_id, event_bytes, toUnixTimestamp64Micro(chained_at) FROM "
                + reader.tables().events() + " WHERE tenant = ? AND agent_id = ? AND seq IN (" + seqList(seqs) + ")";
        Map<Long, List<Source>> out = new HashMap<>();
        try (PreparedStatement ps = reader.connection().prepareStatement(sql)) {
            ps.setString(1, log.tenant());
            ps.setString(2, log.agentId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(new Source((int) rs.getLong(2), rs.getBytes(3), rs.getLong(4)));
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read " + log + " seqs " + seqs.get(0) + ".. from "
                    + reader.tables().events() + ": " + e.getMessage(), e);
        }
        return out;
    }

    private void missing() {
        for (Map.Entry<LogId, DerivedColumns.TypedIndex.PerLog> e : index.all().entrySet()) {
            DerivedColumns.TypedIndex.PerLog p = e.getValue();
            for (int i = p.matched.nextClearBit(0); i < p.n; i = p.matched.nextClearBit(i + 1)) {
                TypedTable t = TypedTable.values()[p.tables[i]];
                findings.add(e.getKey(), p.seqs[i], FindingKind.MISSING_ROW, "the " + t.payload() + " event at this "
                        + "seq has no " + t.tableName() + " row");
            }
        }
    }
}
