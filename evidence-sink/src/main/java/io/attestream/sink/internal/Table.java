package io.attestream.sink.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The tables the sink inserts into, with the columns it writes, in the order of the values of a row. Must match
 * the DDL in the table's column order, columns added by {@code ALTER TABLE ... ADD COLUMN} last: clickhouse-jdbc's
 * RowBinary insert path sends values by column position ({@code DdlTest} checks it).
 */
public enum Table {
    REGISTRY_SCHEMAS("registry_schemas", null, List.of("schema_id", "fingerprint", "full_name", "schema_text",
            "canonical_form", "registry_url", "landed_at")),
    CHAINED_EVENTS("chained_events", "attestream.events.chained", List.of("tenant", "agent_id", "seq", "prev_hash",
            "hash", "schema_id", "schema_fingerprint", "event_id", "event_type", "agent_version", "occurred_at",
            "chained_at", "controls", "trace_id", "session_id", "recorded_by_host", "event_bytes", "source_topic",
            "source_partition", "source_offset", "kafka_partition", "kafka_offset", "landed_at", "entry_version")),
    EVALS("evals", "attestream.events.chained", typed("suite", "eval_name", "metric", "value", "label",
            "dataset_version", "evaluator_kind", "evaluator")),
    OVERRIDES("overrides", "attestream.events.chained", typed("operator", "action", "reason", "target_event_id",
            "ticket")),
    APPROVALS("approvals", "attestream.events.chained", typed("request_id", "requested_action", "approver",
            "decision", "risk_tier", "reason", "shown_digest")),
    POLICY_CHANGES("policy_changes", "attestream.events.chained", typed("kind", "object_id", "from_version",
            "to_version", "diff_digest", "author", "approver", "change_ticket", "effective_at")),
    INCIDENTS("incidents", "attestream.events.chained", typed("incident_id", "severity", "status_from", "status_to",
            "summary", "related_event_ids")),
    RISK_DECISIONS("risk_decisions", "attestream.events.chained", typed("risk_id", "treatment", "rationale", "owner",
            "linked_change_id")),
    LEGAL_HOLDS("legal_holds", "attestream.events.chained", typed("hold_id", "action", "hold_tenant", "hold_agent_id",
            "period_start", "period_end", "requested_by", "reason", "reference")),
    CHECKPOINTS("checkpoints", "attestream.checkpoints", List.of("tenant", "agent_id", "tree_size", "root_hash",
            "head_seq", "head_hash", "note", "key_name", "created_at", "trigger", "timestamp_token", "record_bytes",
            "kafka_partition", "kafka_offset", "landed_at")),
    CHECKPOINT_ATTESTATIONS("checkpoint_attestations", "attestream.checkpoint-cosignatures", List.of("tenant",
            "agent_id", "tree_size", "root_hash", "witness_name", "witness_key_id", "cosigned_at", "cosignature",
            "record_bytes", "kafka_partition", "kafka_offset", "landed_at")),
    DEAD_LETTERS("dead_letters", "attestream.events.dlq", List.of("tenant", "agent_id", "record_key",
            "record_value", "headers", "reason", "record_time", "kafka_partition", "kafka_offset", "landed_at")),
    DRIFT_ALERTS("drift_alerts", "attestream.drift-alerts", List.of("tenant", "agent_id", "schema_id", "alert_json",
            "record_value", "record_time", "kafka_partition", "kafka_offset", "landed_at")),
    SINK_OFFSETS("sink_offsets", null, List.of("consumer_group", "topic", "kafka_partition", "next_offset",
            "rows_landed", "committed_at")),
    SINK_SOURCES("sink_sources", null, List.of("topic", "kafka_cluster_id", "topic_id", "consumer_group",
            "first_seen_at"));

    /** Columns every typed table starts with. */
    static final List<String> TYPED_PREFIX = List.of("tenant", "agent_id", "seq", "event_id", "agent_version",
            "occurred_at", "chained_at");

    private final String tableName;
    private final String sourceTopic;
    private final List<String> columns;

    Table(String tableName, String sourceTopic, List<String> columns) {
        this.tableName = tableName;
        this.sourceTopic = sourceTopic;
        this.columns = columns;
    }

    private static List<String> typed(String... specific) {
        // Not TYPED_PREFIX: enum constants are built before static fields are initialised.
        ArrayList<String> all = new ArrayList<>(List.of("tenant", "agent_id", "seq", "event_id", "agent_version",
                "occurred_at", "chained_at"));
        all.addAll(List.of(specific));
        all.add("kafka_partition");
        all.add("kafka_offset");
        return List.copyOf(all);
    }

    /** Name in ClickHouse, without database. */
    public String tableName() {
        return tableName;
    }

    /** The topic whose records fill this table, or null for the sink's own bookkeeping tables. */
    public String sourceTopic() {
        return sourceTopic;
    }

    /** Insert columns in row-value order. */
    public List<String> columns() {
        return columns;
    }

    /** The parameterised INSERT for {@code database}. */
    public String insertSql(String database) {
        return "INSERT INTO " + database + "." + tableName + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
    }
}
