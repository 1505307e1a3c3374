package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.EventRow;
import io.attestream.verifier.Finding;
import io.attestream.verifier.FindingKind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * Checks, for every stored event row, that the {@code chained_events} columns the sink derives from the event
 * ({@link #CHECKED}) equal what the row's own {@code event_bytes} say, decoded with the stored writer schema; and
 * remembers, per log, a digest of the typed row each event must have, for {@link TypedRowCheck}.
 *
 * <p>The bytes are what the chain hash covers and the schema text is what the hashed fingerprint is re-derived
 * from, so once the chain verifies, a column equal to its decoded value is as trustworthy as the bytes. The
 * derivation is the verifier's own ({@link EventDecoder}, from the table contract), not the evidence sink's
 * code: sharing the sink's mapper would make the check trust what it checks.
 *
 * <p>Runs on the reader thread, one row at a time; nothing is shared until the scan has ended (the caller joins
 * the reader thread before reading {@link #findings()}). Memory: the findings (at most {@link #MAX_FINDINGS_PER_LOG}
 * listed per log) and {@value TypedIndex#BYTES_PER_ROW} bytes per event that has a typed row.
 */
public final class DerivedColumns {
    /** Listed findings per log; more are counted in one closing finding. */
    public static final int MAX_FINDINGS_PER_LOG = 1000;

    /** The event table columns checked, in the order of {@link #COLUMNS} after tenant and agent_id. */
    static final List<String> CHECKED = List.of("tenant", "agent_id", "event_id", "event_type", "agent_version",
            "occurred_at", "controls", "trace_id", "session_id", "recorded_by_host", "schema_fingerprint");

    /**
     * The extra columns {@link EvidenceReader} selects after its own, read back by {@link #acceptColumns}: the derived
     * columns, times as integer microseconds and the controls array in the list encoding of {@link DerivedValues}.
     */
    public static final String COLUMNS = "event_id, event_type, agent_version, toUnixTimestamp64Micro(occurred_at), "
            + DerivedValues.encodedListSql("controls") + ", trace_id, session_id, recorded_by_host";

    private static final DerivedValues.Render[] RENDER = {DerivedValues.Render.TEXT, DerivedValues.Render.TEXT,
        DerivedValues.Render.TEXT, DerivedValues.Render.TEXT, DerivedValues.Render.TEXT, DerivedValues.Render.TIME,
        DerivedValues.Render.LIST, DerivedValues.Render.TEXT, DerivedValues.Render.TEXT, DerivedValues.Render.TEXT,
        DerivedValues.Render.HEX};

    private final Map<Integer, Schema> schemas;
    private final Map<Integer, Hash> fingerprints = new HashMap<>();
    private final Map<Integer, Object> decoders = new HashMap<>();
    private final FindingList findings = new FindingList();
    private final TypedIndex expected = new TypedIndex();
    private final Set<String> reportedSchemaProblems = new HashSet<>();
    private final MessageDigest sha;
    private final RetentionCheck retention;
    private final Object[] stored = new Object[CHECKED.size()];
    private final Object[] derived = new Object[CHECKED.size()];
    private String tenant;
    private String agent;
    private byte[] tenantBytes;
    private byte[] agentBytes;
    private LogId log;
    private long rows;
    private int lastSchemaId;
    private Object lastDecoder;

    /**
     * @param schemas writer schemas by id, parsed from {@code registry_schemas}; empty when none are configured
     *     (every row is then reported {@code undecodable}: its derived columns cannot be checked)
     */
    public DerivedColumns(Map<Integer, Schema> schemas) {
        this(schemas, RetentionCheck.none(Long.MAX_VALUE));
    }

    /**
     * @param schemas writer schemas by id
     * @param retention judges the rows whose payload was pruned (they have no bytes to derive columns from)
     */
    public DerivedColumns(Map<Integer, Schema> schemas, RetentionCheck retention) {
        this.retention = requireNonNull(retention, "retention");
        this.schemas = Map.copyOf(requireNonNull(schemas, "schemas"));
        for (Map.Entry<Integer, Schema> e : this.schemas.entrySet()) {
            fingerprints.put(e.getKey(), EvidenceReader.fingerprint(e.getValue()));
        }
        this.sha = sha256();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** @return rows checked so far */
    public long rows() {
        return rows;
    }

    /** @return the retention check of pruned rows */
    RetentionCheck retention() {
        return retention;
    }

    /** @return what the typed tables must hold, by log */
    TypedIndex expected() {
        return expected;
    }

    /** @return the findings so far, by log */
    FindingList findingList() {
        return findings;
    }

    /** Number of stored values {@link #acceptColumns} takes: the columns of {@link #COLUMNS}. */
    public static final int STORED_WIDTH = 8;

    /**
     * Checks one row.
     *
     * @param row the row's verified columns
     * @param eventBytes the row's stored event bytes ({@code row.eventBytes()}), read and not kept
     * @param columns the row's stored values of {@link #COLUMNS}, in order: strings as raw bytes (null for NULL),
     *     the occurred time as a {@code Long} of microseconds, the controls in the list encoding
     */
    public void acceptColumns(EventRow row, byte[] eventBytes, Object[] columns) {
        rows++;
        if (!row.tenant().equals(tenant) || !row.agentId().equals(agent)) {
            tenant = row.tenant();
            agent = row.agentId();
            tenantBytes = tenant.getBytes(StandardCharsets.UTF_8);
            agentBytes = agent.getBytes(StandardCharsets.UTF_8);
            log = LogId.of(tenant, agent);
        }
        stored[0] = tenantBytes;
        stored[1] = agentBytes;
        System.arraycopy(columns, 0, stored, 2, STORED_WIDTH);
        stored[10] = row.schemaFingerprint();
        check(row, eventBytes);
    }

    /**
     * Checks one row whose stored derived columns are given (for tests; {@link #acceptColumns} takes them as the scan reads them).
     *
     * @param row the row
     * @param columns the stored values of {@link #CHECKED} from event_id on (event_id, event_type, agent_version,
     *     occurred_at micros, controls, trace_id, session_id, recorded_by_host), strings as Java strings
     */
    void acceptStored(EventRow row, Object... columns) {
        rows++;
        tenant = row.tenant();
        agent = row.agentId();
        log = LogId.of(tenant, agent);
        stored[0] = tenant.getBytes(StandardCharsets.UTF_8);
        stored[1] = agent.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < columns.length; i++) {
            Object v = columns[i];
            stored[2 + i] = v instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
                    : v instanceof List<?> l ? DerivedValues.encodeStrings(l.stream().map(String::valueOf).toList())
                    : v;
        }
        stored[10] = row.schemaFingerprint();
        check(row, row.eventBytes());
    }

    private void check(EventRow row, byte[] bytes) {
        if (row.pruned()) {
            // Nothing to derive from: the retention check judges whether the payload may be gone.
            retention.pruned(log, row.seq(), new String((byte[]) stored[3], StandardCharsets.UTF_8),
                    row.chainedAtMicros(), ((Number) stored[5]).longValue(), findings);
            return;
        }
        EventDecoder decoder = decoder(row);
        if (decoder == null) {
            return;
        }
        EventDecoder.Decoded d;
        try {
            d = decoder.decode(bytes, EventRow.HEADER_SIZE, Math.max(0, bytes.length - EventRow.HEADER_SIZE));
        } catch (AvroCursor.Corrupt e) {
            findings.add(log, row.seq(), FindingKind.UNDECODABLE, "event_bytes do not decode with schema "
                    + row.schemaId() + ": " + e.getMessage() + "; no column derived from them can be checked");
            return;
        }
        derived[0] = d.tenant();
        derived[1] = d.agentId();
        derived[2] = d.eventId();
        derived[3] = d.eventTypeBytes();
        derived[4] = d.agentVersion();
        derived[5] = d.occurredAt();
        derived[6] = d.controls();
        derived[7] = d.traceId();
        derived[8] = d.sessionId();
        derived[9] = d.host();
        derived[10] = fingerprints.get(row.schemaId());
        for (int i = 0; i < CHECKED.size(); i++) {
            if (!DerivedValues.same(stored[i], derived[i])) {
                String given = i == 6 && derived[i] == null ? "no controls, and payload type " + d.eventType()
                        + " has no default controls known to this verifier (docs/events.md)"
                        : DerivedValues.render(derived[i], RENDER[i]);
                findings.add(log, row.seq(), FindingKind.COLUMN_MISMATCH, mismatch("chained_events", CHECKED.get(i),
                        DerivedValues.render(stored[i], RENDER[i]), given));
            }
        }
        if (d.table() != null) {
            expected.add(log, row.seq(), d.table(), d.typedRow(row.chainedAtMicros()), sha);
        } else {
            expected.touch(log, row.seq());
        }
    }

    static String mismatch(String table, String column, String stored, String derived) {
        return table + "." + column + ": stored " + stored + ", event_bytes give " + derived;
    }

    private EventDecoder decoder(EventRow row) {
        // A log's rows nearly always share one schema: skip the map lookup then.
        Object d = lastDecoder != null && lastSchemaId == row.schemaId() ? lastDecoder : decoders.get(row.schemaId());
        if (d == null) {
            Schema s = schemas.get(row.schemaId());
            if (s == null) {
                d = "schema " + row.schemaId() + " is not in the schemas table (or --schemas-table none was given)";
            } else {
                try {
                    d = EventDecoder.of(s);
                } catch (EventDecoder.UnusableSchemaException e) {
                    d = "schema " + row.schemaId() + " is not an AuditEvent schema this verifier can decode: "
                            + e.getMessage();
                }
            }
            decoders.put(row.schemaId(), d);
        }
        lastSchemaId = row.schemaId();
        lastDecoder = d;
        if (d instanceof EventDecoder decoder) {
            return decoder;
        }
        if (reportedSchemaProblems.add(log + "#" + row.schemaId())) {
            findings.add(log, row.seq(), FindingKind.UNDECODABLE, d + ": the columns derived from this agent's "
                    + "event_bytes of that schema (from this seq on) and its typed rows are not checked");
        }
        return null;
    }

    /**
     * Adds findings to the results of their agents (a result with no rows for an agent that has none).
     *
     * @param results results of the chain verification
     * @param extra findings to add
     * @return the results, ordered by tenant then agent, each agent's findings by seq
     */
    public static List<AgentResult> merge(List<AgentResult> results, List<Finding> extra) {
        if (extra.isEmpty()) {
            return results;
        }
        Map<LogId, List<Finding>> byLog = new LinkedHashMap<>();
        for (Finding f : extra) {
            byLog.computeIfAbsent(LogId.of(f.tenant(), f.agentId()), k -> new ArrayList<>()).add(f);
        }
        List<AgentResult> out = new ArrayList<>(results.size() + byLog.size());
        for (AgentResult a : results) {
            List<Finding> more = byLog.remove(LogId.of(a.tenant(), a.agentId()));
            if (more == null) {
                out.add(a);
                continue;
            }
            List<Finding> all = new ArrayList<>(a.findings());
            all.addAll(more);
            all.sort(Comparator.comparingLong(Finding::seq));
            out.add(new AgentResult(a.tenant(), a.agentId(), a.rows(), a.entries(), a.checkpoints(),
                    a.checkpointsVerified(), a.latestVerifiedTreeSize(), a.timestampsVerified(),
                    a.timestampsUnchecked(), all, a.tsaSubjects(), a.newestVerifiedCheckpoint()));
        }
        for (Map.Entry<LogId, List<Finding>> e : byLog.entrySet()) {
            List<Finding> all = new ArrayList<>(e.getValue());
            all.sort(Comparator.comparingLong(Finding::seq));
            out.add(new AgentResult(e.getKey().tenant(), e.getKey().agentId(), 0, 0, 0, 0, 0, 0, 0, all, List.of(), null));
        }
        out.sort(Comparator.comparing(AgentResult::tenant).thenComparing(AgentResult::agentId));
        return out;
    }

    /** Findings by log, at most {@link #MAX_FINDINGS_PER_LOG} listed each, the rest counted. */
    static final class FindingList {
        private final Map<LogId, List<Finding>> byLog = new LinkedHashMap<>();
        private final Map<LogId, long[]> suppressed = new HashMap<>();

        void add(LogId log, long seq, FindingKind kind, String detail) {
            List<Finding> l = byLog.computeIfAbsent(log, k -> new ArrayList<>());
            if (l.size() < MAX_FINDINGS_PER_LOG) {
                l.add(new Finding(log.tenant(), log.agentId(), seq, kind, detail));
            } else {
                long[] s = suppressed.computeIfAbsent(log, k -> new long[2]);
                s[0]++;
                s[1] = Math.max(s[1], seq);
            }
        }

        /** @return every finding, with one closing finding per log whose list was cut */
        List<Finding> all() {
            List<Finding> out = new ArrayList<>();
            for (Map.Entry<LogId, List<Finding>> e : byLog.entrySet()) {
                out.addAll(e.getValue());
                long[] s = suppressed.get(e.getKey());
                if (s != null) {
                    out.add(new Finding(e.getKey().tenant(), e.getKey().agentId(), s[1], FindingKind.COLUMN_MISMATCH,
                            s[0] + " more column, undecodable or typed-row findings of this agent are not listed (the "
                                    + "first " + MAX_FINDINGS_PER_LOG + " are)"));
                }
            }
            return out;
        }
    }

    /**
     * What the typed tables must hold: per log, the seq, table and a 128-bit digest (SHA-256, truncated) of the
     * compared values of every typed row the events give, in scan order (seq order), and the seq range scanned.
     */
    static final class TypedIndex {
        /** Memory per expected typed row. */
        static final int BYTES_PER_ROW = 25;

        private final Map<LogId, PerLog> logs = new HashMap<>();
        private PerLog last;
        private LogId lastLog;

        static final class PerLog {
            long[] seqs = new long[16];
            byte[] tables = new byte[16];
            long[] d0 = new long[16];
            long[] d1 = new long[16];
            int n;
            long minSeq = Long.MAX_VALUE;
            long maxSeq = Long.MIN_VALUE;
            final BitSet matched = new BitSet();

            /** @return the first index whose seq is at least {@code seq} */
            int first(long seq) {
                int lo = 0;
                int hi = n;
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (seqs[mid] < seq) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                return lo;
            }
        }

        private PerLog of(LogId log) {
            if (log != lastLog) {
                last = logs.computeIfAbsent(log, k -> new PerLog());
                lastLog = log;
            }
            return last;
        }

        void touch(LogId log, long seq) {
            PerLog p = of(log);
            p.minSeq = Math.min(p.minSeq, seq);
            p.maxSeq = Math.max(p.maxSeq, seq);
        }

        void add(LogId log, long seq, TypedTable table, Object[] values, MessageDigest sha) {
            touch(log, seq);
            PerLog p = of(log);
            if (p.n == p.seqs.length) {
                int m = p.n * 2;
                p.seqs = Arrays.copyOf(p.seqs, m);
                p.tables = Arrays.copyOf(p.tables, m);
                p.d0 = Arrays.copyOf(p.d0, m);
                p.d1 = Arrays.copyOf(p.d1, m);
            }
            long[] d = digest(sha, values);
            p.seqs[p.n] = seq;
            p.tables[p.n] = (byte) table.ordinal();
            p.d0[p.n] = d[0];
            p.d1[p.n] = d[1];
            p.n++;
        }

        static long[] digest(MessageDigest sha, Object[] values) {
            sha.reset();
            DerivedValues.digest(sha, values);
            byte[] h = sha.digest();
            long a = 0;
            long b = 0;
            for (int i = 0; i < 8; i++) {
                a = (a << 8) | (h[i] & 0xff);
                b = (b << 8) | (h[8 + i] & 0xff);
            }
            return new long[] {a, b};
        }

        PerLog get(LogId log) {
            return logs.get(log);
        }

        Map<LogId, PerLog> all() {
            return logs;
        }
    }
}
