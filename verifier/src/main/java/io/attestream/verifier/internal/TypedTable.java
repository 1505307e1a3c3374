package io.attestream.verifier.internal;

import java.util.List;

/**
 * The evidence sink's typed tables (evidence-sink README, "Typed tables"; DDL V002) as the verifier derives them
 * from a decoded event: which payload record fills which table, and each payload column's Avro field and
 * encoding. Written from the table contract, independently of the sink's code, so that a bug or a change in the
 * sink shows up as a finding instead of being trusted.
 *
 * <p>Every typed row starts with the key and the columns {@link #PREFIX} (taken from the event envelope and the
 * chained time of the event row), then {@link #columns()}; the sink's bookkeeping columns {@code kafka_partition,
 * kafka_offset} are not evidence and are not checked.
 */
enum TypedTable {
    EVALS("evals", "EvalResult", List.of(
            col("suite", "suite", Kind.STRING), col("eval_name", "evalName", Kind.STRING),
            col("metric", "metric", Kind.STRING), col("value", "value", Kind.DOUBLE),
            col("label", "label", Kind.OPT_STRING), col("dataset_version", "datasetVersion", Kind.OPT_STRING),
            col("evaluator_kind", "evaluatorKind", Kind.ENUM), col("evaluator", "evaluator", Kind.OPT_STRING))),
    OVERRIDES("overrides", "HumanOverride", List.of(
            col("operator", "operator", Kind.STRING), col("action", "action", Kind.ENUM),
            col("reason", "reason", Kind.STRING), col("target_event_id", "targetEventId", Kind.OPT_STRING),
            col("ticket", "ticket", Kind.OPT_STRING))),
    APPROVALS("approvals", "ApprovalDecision", List.of(
            col("request_id", "requestId", Kind.STRING), col("requested_action", "requestedAction", Kind.STRING),
            col("approver", "approver", Kind.STRING), col("decision", "decision", Kind.ENUM),
            col("risk_tier", "riskTier", Kind.ENUM), col("reason", "reason", Kind.OPT_STRING),
            col("shown_digest", "shownDigest", Kind.OPT_DIGEST))),
    POLICY_CHANGES("policy_changes", "PolicyChange", List.of(
            col("kind", "kind", Kind.ENUM), col("object_id", "objectId", Kind.STRING),
            col("from_version", "fromVersion", Kind.OPT_STRING), col("to_version", "toVersion", Kind.STRING),
            col("diff_digest", "diffDigest", Kind.OPT_DIGEST), col("author", "author", Kind.STRING),
            col("approver", "approver", Kind.OPT_STRING), col("change_ticket", "changeTicket", Kind.OPT_STRING),
            col("effective_at", "effectiveAt", Kind.TIME_OR_OCCURRED))),
    INCIDENTS("incidents", "IncidentRecord", List.of(
            col("incident_id", "incidentId", Kind.STRING), col("severity", "severity", Kind.ENUM),
            col("status_from", "statusFrom", Kind.OPT_ENUM), col("status_to", "statusTo", Kind.ENUM),
            col("summary", "summary", Kind.STRING), col("related_event_ids", "relatedEventIds", Kind.STRINGS))),
    RISK_DECISIONS("risk_decisions", "RiskDecision", List.of(
            col("risk_id", "riskId", Kind.STRING), col("treatment", "treatment", Kind.ENUM),
            col("rationale", "rationale", Kind.STRING), col("owner", "owner", Kind.STRING),
            col("linked_change_id", "linkedChangeId", Kind.OPT_STRING))),
    /** Since the sink's migration V008 (schemas v3); the payload's tenant and agentId are hold_tenant, hold_agent_id. */
    LEGAL_HOLDS("legal_holds", "LegalHold", List.of(
            col("hold_id", "holdId", Kind.STRING), col("action", "action", Kind.ENUM),
            col("hold_tenant", "tenant", Kind.STRING), col("hold_agent_id", "agentId", Kind.OPT_STRING),
            col("period_start", "periodStart", Kind.OPT_TIME), col("period_end", "periodEnd", Kind.OPT_TIME),
            col("requested_by", "by", Kind.STRING), col("reason", "reason", Kind.STRING),
            col("reference", "reference", Kind.OPT_STRING)));

    /** Columns every typed row has after its key {@code (tenant, agent_id, seq)}, in this order. */
    static final List<String> PREFIX = List.of("event_id", "agent_version", "occurred_at", "chained_at");

    /** How a column is stored and read back. */
    enum Kind {
        /** Avro string; String / LowCardinality(String). */
        STRING(false),
        /** Avro [null, string]; Nullable(String); null when the writer schema has no such field. */
        OPT_STRING(true),
        /** Avro enum, stored as its symbol name. */
        ENUM(false),
        /** Avro [null, enum], stored as the symbol name or NULL. */
        OPT_ENUM(true),
        /** Avro double; Float64, compared bit for bit. */
        DOUBLE(false),
        /** Avro [null, Sha256]; Nullable(FixedString(32)). */
        OPT_DIGEST(true),
        /** Avro array of string; Array(String); empty when the writer schema has no such field. */
        STRINGS(true),
        /** Avro [null, timestamp-micros]; DateTime64(6), the event's occurredAt when null or absent. */
        TIME_OR_OCCURRED(true),
        /** Avro [null, timestamp-micros]; Nullable(DateTime64(6)), NULL when null or absent. */
        OPT_TIME(true);

        private final boolean optional;

        Kind(boolean optional) {
            this.optional = optional;
        }

        /** @return whether a writer schema may lack the field (it then has its documented default) */
        boolean optional() {
            return optional;
        }

        /**
         * The SELECT expression that reads {@code column} in the form {@link DerivedValues} compares.
         *
         * @param column the column name
         * @return the expression
         */
        String select(String column) {
            return switch (this) {
                case TIME_OR_OCCURRED, OPT_TIME -> "toUnixTimestamp64Micro(" + column + ")";
                case STRINGS -> DerivedValues.encodedListSql(column);
                default -> column;
            };
        }
    }

    /**
     * One payload column.
     *
     * @param name the ClickHouse column
     * @param field the Avro field of the payload record
     * @param kind its type
     */
    record Column(String name, String field, Kind kind) {
    }

    private final String tableName;
    private final String payload;
    private final List<Column> columns;

    TypedTable(String tableName, String payload, List<Column> columns) {
        this.tableName = tableName;
        this.payload = payload;
        this.columns = columns;
    }

    private static Column col(String name, String field, Kind kind) {
        return new Column(name, field, kind);
    }

    /** @return the ClickHouse table name, without database */
    String tableName() {
        return tableName;
    }

    /** @return the payload record name (AuditEvent.payload branch) whose events fill this table */
    String payload() {
        return payload;
    }

    /** @return the payload columns, in table order */
    List<Column> columns() {
        return columns;
    }

    /**
     * The SELECT expression that computes, in ClickHouse, the row digest {@link DerivedColumns.TypedIndex#digest}
     * computes in Java from the derived values: the first 16 bytes of SHA-256 over the values in
     * {@link DerivedValues#digest}'s tagged encoding. The typed tables are then read as keys and digests only; the
     * columns of a row are read only when its digest does not match.
     *
     * @return the expression (a 16-byte String)
     */
    String digestSql() {
        StringBuilder sb = new StringBuilder("substring(SHA256(concat(");
        sb.append(bytesSql("event_id")).append(", ").append(bytesSql("agent_version")).append(", ")
                .append(longSql("toUnixTimestamp64Micro(occurred_at)")).append(", ")
                .append(longSql("toUnixTimestamp64Micro(chained_at)"));
        for (Column c : columns) {
            sb.append(", ").append(switch (c.kind()) {
                case STRING, ENUM -> bytesSql(c.name());
                case OPT_STRING, OPT_ENUM, OPT_DIGEST -> "if(isNull(" + c.name() + "), '\\x00', "
                        + bytesSql("assumeNotNull(" + c.name() + ")") + ")";
                case DOUBLE -> "concat('\\x03', " + be64("reinterpretAsUInt64(" + c.name() + ")") + ")";
                case STRINGS -> bytesSql(DerivedValues.encodedListSql(c.name()));
                case TIME_OR_OCCURRED -> longSql("toUnixTimestamp64Micro(" + c.name() + ")");
                case OPT_TIME -> "if(isNull(" + c.name() + "), '\\x00', "
                        + longSql("toUnixTimestamp64Micro(assumeNotNull(" + c.name() + "))") + ")";
            });
        }
        return sb.append(")), 1, 16)").toString();
    }

    /** Tag 1, the length as 8 bytes big-endian, the bytes ({@link DerivedValues#digest}). */
    private static String bytesSql(String expr) {
        return "concat('\\x01', " + be64("length(" + expr + ")") + ", " + expr + ")";
    }

    /** Tag 2, the value as 8 bytes big-endian. */
    private static String longSql(String expr) {
        return "concat('\\x02', " + be64(expr) + ")";
    }

    /**
     * 8 bytes big-endian: the byte-swapped value as its 8 little-endian bytes ({@code reinterpretAsFixedString} of a
     * UInt64 is always 8 bytes; {@code reinterpretAsString} would drop trailing zero bytes). The same bytes as
     * {@code unhex(leftPad(hex(x), 16, '0'))}, without the text round trip, which cost most of the engine's work
     * on the typed scans (docs/performance.md, "Verifier").
     */
    private static String be64(String expr) {
        return "reinterpretAsFixedString(byteSwap(toUInt64(" + expr + ")))";
    }

    /** @return the number of compared values of a row: {@link #PREFIX} then {@link #columns()} */
    int width() {
        return PREFIX.size() + columns.size();
    }

    /**
     * The name of compared value {@code i}.
     *
     * @param i index into a row's values
     * @return the column name
     */
    String columnName(int i) {
        return i < PREFIX.size() ? PREFIX.get(i) : columns.get(i - PREFIX.size()).name();
    }

    /**
     * The table a payload record fills.
     *
     * @param payloadName the payload record name
     * @return the table, or null when that payload type has no typed table
     */
    static TypedTable ofPayload(String payloadName) {
        for (TypedTable t : values()) {
            if (t.payload.equals(payloadName)) {
                return t;
            }
        }
        return null;
    }
}
