package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Decodes the Avro body of one stored event under its writer schema (the registry schema its {@code schema_id}
 * names, checked against the hashed fingerprint) into the values the evidence sink derives from it: the
 * {@code chained_events} descriptive columns and, for payload types with a typed table, that row's columns.
 *
 * <p>One decoder per writer schema, compiled once: field positions, union branches and enum symbols are resolved
 * up front, so decoding a row is a single bounded pass over its bytes ({@link AvroCursor}) that skips what is not
 * compared. Immutable and thread-safe.
 *
 * <p>The derivation follows the table contract (evidence-sink README), not the sink's code: {@code event_type} is
 * the payload record's name, {@code controls} the event's own control ids or, when it has none, its payload type's
 * defaults ({@link #DEFAULT_CONTROLS}, docs/events.md), {@code recorded_by_host} is {@code recordedBy.host}, and a
 * typed row's {@code effective_at} is the event's {@code occurredAt} when the payload has none.
 */
final class EventDecoder {
    /**
     * The default ISO/IEC 27001:2022 controls of each payload type (docs/events.md, "default controls"); a unit test
     * keeps it equal to the schemas module's {@code EventType}.
     */
    static final Map<String, List<String>> DEFAULT_CONTROLS = Map.ofEntries(
            Map.entry("AgentAction", List.of("A.8.15", "A.8.16")),
            Map.entry("EvalResult", List.of("A.8.29", "A.8.16")),
            Map.entry("HumanOverride", List.of("A.8.15", "A.8.16", "A.5.26")),
            Map.entry("ApprovalDecision", List.of("A.5.3", "A.8.15", "A.8.32")),
            Map.entry("PolicyChange", List.of("A.8.32", "A.8.9", "A.5.37")),
            Map.entry("IncidentRecord", List.of("A.5.24", "A.5.25", "A.5.26", "A.5.27", "A.5.28")),
            Map.entry("RiskDecision", List.of("6.1.3", "8.3")),
            Map.entry("DriftAlert", List.of("A.8.16", "A.8.29")),
            Map.entry("DriftRecovered", List.of("A.8.16", "A.8.29")),
            Map.entry("BaselinePinned", List.of("A.8.29", "A.8.32")),
            Map.entry("ErasureRecord", List.of("A.5.34", "A.8.10", "A.8.15")),
            Map.entry("LegalHold", List.of("A.5.33", "A.5.28", "A.5.31")));

    /** The writer schema cannot be decoded into the compared values (a field has an unexpected type). */
    static final class UnusableSchemaException extends Exception {
        private static final long serialVersionUID = 1L;

        UnusableSchemaException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * What one event's bytes say.
     *
     * @param eventId eventId
     * @param tenant tenant
     * @param agentId agentId
     * @param agentVersion agentVersion
     * @param occurredAt occurredAt, microseconds
     * @param host recordedBy.host
     * @param traceId traceId or null
     * @param sessionId sessionId or null
     * @param controls the effective controls in the list encoding (shared when they are the defaults: do not
     *     modify), or null when the event has none and its payload type's defaults are unknown to this verifier
     * @param eventType the payload record name
     * @param eventTypeBytes its UTF-8 bytes (shared: do not modify)
     * @param table the typed table its payload fills, or null
     * @param typed the payload columns of that table ({@link TypedTable#columns()} order), or null
     */
    record Decoded(byte[] eventId, byte[] tenant, byte[] agentId, byte[] agentVersion, long occurredAt, byte[] host,
            byte[] traceId, byte[] sessionId, byte[] controls, String eventType, byte[] eventTypeBytes,
            TypedTable table, Object[] typed) {

        /**
         * The compared values of the typed row this event gives.
         *
         * @param chainedAtMicros the event row's chained time
         * @return {@link TypedTable#PREFIX} then the payload columns
         */
        Object[] typedRow(long chainedAtMicros) {
            Object[] out = new Object[table.width()];
            out[0] = eventId;
            out[1] = agentVersion;
            out[2] = occurredAt;
            out[3] = chainedAtMicros;
            System.arraycopy(typed, 0, out, TypedTable.PREFIX.size(), typed.length);
            return out;
        }
    }

    private interface Reader {
        Object read(AvroCursor c) throws AvroCursor.Corrupt;
    }

    private static final int F_SKIP = 0;
    private static final int F_EVENT_ID = 1;
    private static final int F_TENANT = 2;
    private static final int F_AGENT_ID = 3;
    private static final int F_AGENT_VERSION = 4;
    private static final int F_OCCURRED_AT = 5;
    private static final int F_RECORDED_BY = 6;
    private static final int F_TRACE_ID = 7;
    private static final int F_SESSION_ID = 8;
    private static final int F_CONTROLS = 9;
    private static final int F_PAYLOAD = 10;
    private static final List<String> REQUIRED = List.of("eventId", "tenant", "agentId", "agentVersion", "occurredAt",
            "recordedBy", "payload");

    private final AvroCursor.Skip[] fieldSkips;
    private final int[] fieldRole;
    private final Reader[] fieldReaders;
    private final int hostIndex;
    private final AvroCursor.Skip[] recordedByFields;
    private final Branch[] branches;

    /** A payload union branch: its record name, typed table and per-field column readers. */
    private record Branch(AvroCursor.Skip skip, String name, byte[] nameBytes, byte[] defaultControls,
            TypedTable table, int[] column, Reader[] readers, AvroCursor.Skip[] fieldSkips) {
    }

    private EventDecoder(Schema writer) throws UnusableSchemaException {
        if (writer.getType() != Schema.Type.RECORD) {
            throw new UnusableSchemaException("the writer schema is a " + writer.getType() + ", not a record");
        }
        List<Schema.Field> fields = writer.getFields();
        fieldSkips = new AvroCursor.Skip[fields.size()];
        fieldRole = new int[fields.size()];
        fieldReaders = new Reader[fields.size()];
        List<String> seen = new ArrayList<>();
        int host = -1;
        AvroCursor.Skip[] rb = null;
        Branch[] br = null;
        for (int i = 0; i < fields.size(); i++) {
            Schema.Field f = fields.get(i);
            Schema s = f.schema();
            fieldSkips[i] = AvroCursor.compile(s);
            seen.add(f.name());
            switch (f.name()) {
                case "eventId" -> role(i, F_EVENT_ID, reader(s, TypedTable.Kind.STRING, f.name()));
                case "tenant" -> role(i, F_TENANT, reader(s, TypedTable.Kind.STRING, f.name()));
                case "agentId" -> role(i, F_AGENT_ID, reader(s, TypedTable.Kind.STRING, f.name()));
                case "agentVersion" -> role(i, F_AGENT_VERSION, reader(s, TypedTable.Kind.STRING, f.name()));
                case "occurredAt" -> role(i, F_OCCURRED_AT, longReader(s, f.name()));
                case "traceId" -> role(i, F_TRACE_ID, reader(s, TypedTable.Kind.OPT_STRING, f.name()));
                case "sessionId" -> role(i, F_SESSION_ID, reader(s, TypedTable.Kind.OPT_STRING, f.name()));
                case "controls" -> role(i, F_CONTROLS, reader(s, TypedTable.Kind.STRINGS, f.name()));
                case "recordedBy" -> {
                    if (s.getType() != Schema.Type.RECORD || s.getField("host") == null) {
                        throw new UnusableSchemaException("field recordedBy is not a record with a host field");
                    }
                    fieldRole[i] = F_RECORDED_BY;
                    host = s.getField("host").pos();
                    reader(s.getField("host").schema(), TypedTable.Kind.STRING, "recordedBy.host");
                    rb = s.getFields().stream().map(x -> AvroCursor.compile(x.schema())).toArray(AvroCursor.Skip[]::new);
                }
                case "payload" -> {
                    fieldRole[i] = F_PAYLOAD;
                    br = branches(s);
                }
                default -> fieldRole[i] = F_SKIP;
            }
        }
        for (String r : REQUIRED) {
            if (!seen.contains(r)) {
                throw new UnusableSchemaException("the writer schema has no field " + r);
            }
        }
        hostIndex = host;
        recordedByFields = rb;
        branches = br;
    }

    private void role(int i, int role, Reader r) {
        fieldRole[i] = role;
        fieldReaders[i] = r;
    }

    /**
     * Compiles the decoder of a writer schema.
     *
     * @param writer the AuditEvent writer schema
     * @return the decoder
     * @throws UnusableSchemaException when a compared field is missing or has an unexpected type
     */
    static EventDecoder of(Schema writer) throws UnusableSchemaException {
        return new EventDecoder(requireNonNull(writer, "writer"));
    }

    /**
     * Decodes one body.
     *
     * @param buf bytes
     * @param off where the Avro body starts (after the 5-byte wire header)
     * @param len body length
     * @return the values
     * @throws AvroCursor.Corrupt when the bytes are not a datum of the writer schema
     */
    Decoded decode(byte[] buf, int off, int len) throws AvroCursor.Corrupt {
        AvroCursor c = new AvroCursor(buf, off, len);
        byte[] eventId = null;
        byte[] tenant = null;
        byte[] agentId = null;
        byte[] agentVersion = null;
        long occurredAt = 0;
        byte[] host = null;
        byte[] traceId = null;
        byte[] sessionId = null;
        byte[] controls = DerivedValues.encodeList(List.of());
        Branch branch = null;
        Object[] typed = null;
        for (int i = 0; i < fieldRole.length; i++) {
            switch (fieldRole[i]) {
                case F_EVENT_ID -> eventId = (byte[]) fieldReaders[i].read(c);
                case F_TENANT -> tenant = (byte[]) fieldReaders[i].read(c);
                case F_AGENT_ID -> agentId = (byte[]) fieldReaders[i].read(c);
                case F_AGENT_VERSION -> agentVersion = (byte[]) fieldReaders[i].read(c);
                case F_OCCURRED_AT -> occurredAt = (Long) fieldReaders[i].read(c);
                case F_TRACE_ID -> traceId = (byte[]) fieldReaders[i].read(c);
                case F_SESSION_ID -> sessionId = (byte[]) fieldReaders[i].read(c);
                case F_CONTROLS -> controls = (byte[]) fieldReaders[i].read(c);
                case F_RECORDED_BY -> {
                    for (int j = 0; j < recordedByFields.length; j++) {
                        if (j == hostIndex) {
                            host = c.readBytes();
                        } else {
                            recordedByFields[j].skip(c);
                        }
                    }
                }
                case F_PAYLOAD -> {
                    branch = branches[c.readIndex(branches.length, "payload union")];
                    if (branch.table() == null) {
                        branch.skip().skip(c);
                    } else {
                        typed = payload(branch, c);
                    }
                }
                default -> fieldSkips[i].skip(c);
            }
        }
        if (branch == null) {
            throw c.corrupt("no payload");
        }
        if (c.remaining() != 0) {
            // The chainer decodes every event before chaining it and refuses trailing bytes: such bytes were never
            // accepted by it.
            throw c.corrupt(c.remaining() + " trailing bytes after the event");
        }
        if (controls.length == 0) {
            controls = branch.defaultControls();
        }
        if (typed != null) {
            for (int k = 0; k < typed.length; k++) {
                if (typed[k] == null && branch.table().columns().get(k).kind() == TypedTable.Kind.TIME_OR_OCCURRED) {
                    typed[k] = occurredAt;
                }
            }
        }
        return new Decoded(eventId, tenant, agentId, agentVersion, occurredAt, host, traceId, sessionId, controls,
                branch.name(), branch.nameBytes(), branch.table(), typed);
    }

    private static Object[] payload(Branch b, AvroCursor c) throws AvroCursor.Corrupt {
        List<TypedTable.Column> cols = b.table().columns();
        Object[] out = new Object[cols.size()];
        for (int k = 0; k < cols.size(); k++) {
            // Fields the writer schema does not have: their documented defaults.
            if (cols.get(k).kind() == TypedTable.Kind.STRINGS) {
                out[k] = DerivedValues.encodeList(List.of());
            }
        }
        for (int j = 0; j < b.column().length; j++) {
            int k = b.column()[j];
            if (k < 0) {
                b.fieldSkips()[j].skip(c);
            } else {
                out[k] = b.readers()[j].read(c);
            }
        }
        return out;
    }

    private static Branch[] branches(Schema union) throws UnusableSchemaException {
        if (union.getType() != Schema.Type.UNION) {
            throw new UnusableSchemaException("field payload is not a union");
        }
        List<Schema> types = union.getTypes();
        Branch[] out = new Branch[types.size()];
        for (int i = 0; i < types.size(); i++) {
            Schema s = types.get(i);
            if (s.getType() != Schema.Type.RECORD) {
                throw new UnusableSchemaException("payload branch " + i + " is a " + s.getType() + ", not a record");
            }
            TypedTable table = TypedTable.ofPayload(s.getName());
            int[] column = new int[s.getFields().size()];
            Reader[] readers = new Reader[column.length];
            if (table != null) {
                List<TypedTable.Column> cols = table.columns();
                for (int k = 0; k < cols.size(); k++) {
                    Schema.Field f = s.getField(cols.get(k).field());
                    if (f == null && !cols.get(k).kind().optional()) {
                        throw new UnusableSchemaException("payload " + s.getName() + " has no field "
                                + cols.get(k).field() + " (column " + table.tableName() + "." + cols.get(k).name() + ")");
                    }
                }
                for (int j = 0; j < column.length; j++) {
                    Schema.Field f = s.getFields().get(j);
                    column[j] = -1;
                    for (int k = 0; k < cols.size(); k++) {
                        if (cols.get(k).field().equals(f.name())) {
                            column[j] = k;
                            readers[j] = reader(f.schema(), cols.get(k).kind(), s.getName() + "." + f.name());
                        }
                    }
                }
            }
            List<String> defaults = DEFAULT_CONTROLS.get(s.getName());
            AvroCursor.Skip[] skips = new AvroCursor.Skip[column.length];
            for (int j = 0; j < column.length; j++) {
                skips[j] = column[j] < 0 ? AvroCursor.compile(s.getFields().get(j).schema()) : null;
            }
            out[i] = new Branch(AvroCursor.compile(s), s.getName(), s.getName().getBytes(StandardCharsets.UTF_8),
                    defaults == null ? null : DerivedValues.encodeStrings(defaults), table, column, readers, skips);
        }
        return out;
    }

    private static Reader longReader(Schema s, String field) throws UnusableSchemaException {
        if (s.getType() == Schema.Type.LONG || s.getType() == Schema.Type.INT) {
            return AvroCursor::readLong;
        }
        throw new UnusableSchemaException("field " + field + " is a " + s.getType() + ", not a long");
    }

    /** A reader of a value of {@code kind} stored under writer schema {@code s} (unions with null allowed). */
    private static Reader reader(Schema s, TypedTable.Kind kind, String field) throws UnusableSchemaException {
        if (s.getType() == Schema.Type.UNION) {
            List<Schema> types = s.getTypes();
            Reader[] rs = new Reader[types.size()];
            for (int i = 0; i < rs.length; i++) {
                Schema t = types.get(i);
                if (t.getType() == Schema.Type.NULL) {
                    if (!kind.optional() || kind == TypedTable.Kind.STRINGS) {
                        throw new UnusableSchemaException("field " + field + " may be null, its column may not");
                    }
                    rs[i] = c -> null;
                } else {
                    rs[i] = base(t, kind, field);
                }
            }
            // Built once: a concatenation inside the lambda cost one String per optional field of every row.
            String what = field + " union";
            return c -> rs[c.readIndex(rs.length, what)].read(c);
        }
        return base(s, kind, field);
    }

    private static Reader base(Schema s, TypedTable.Kind kind, String field) throws UnusableSchemaException {
        Schema.Type t = s.getType();
        switch (kind) {
            case STRING, OPT_STRING -> {
                if (t == Schema.Type.STRING) {
                    return AvroCursor::readBytes;
                }
            }
            case ENUM, OPT_ENUM -> {
                if (t == Schema.Type.ENUM) {
                    byte[][] symbols = s.getEnumSymbols().stream().map(x -> x.getBytes(StandardCharsets.UTF_8))
                            .toArray(byte[][]::new);
                    String what = "enum " + s.getFullName();
                    return c -> symbols[c.readIndex(symbols.length, what)];
                }
            }
            case DOUBLE -> {
                switch (t) {
                    case DOUBLE -> {
                        return AvroCursor::readDouble;
                    }
                    case FLOAT -> {
                        return c -> (double) c.readFloat();
                    }
                    case INT, LONG -> {
                        return c -> (double) c.readLong();
                    }
                    default -> {
                    }
                }
            }
            case OPT_DIGEST -> {
                if (t == Schema.Type.FIXED && s.getFixedSize() == 32) {
                    return c -> c.readFixed(32);
                }
            }
            case STRINGS -> {
                if (t == Schema.Type.ARRAY && s.getElementType().getType() == Schema.Type.STRING) {
                    return EventDecoder::readStrings;
                }
            }
            case TIME_OR_OCCURRED, OPT_TIME -> {
                if (t == Schema.Type.LONG) {
                    return AvroCursor::readLong;
                }
            }
            default -> {
            }
        }
        throw new UnusableSchemaException("field " + field + " is a " + t + ", expected " + kind);
    }

    private static byte[] readStrings(AvroCursor c) throws AvroCursor.Corrupt {
        List<byte[]> items = new ArrayList<>();
        for (long n = c.readBlockCount(); n != 0; n = c.readBlockCount()) {
            for (long i = 0; i < n; i++) {
                items.add(c.readBytes());
            }
        }
        return DerivedValues.encodeList(items);
    }
}
