-- Retention and legal holds (issue 20 point 4; evidence-sink README "Retention and legal holds").
-- ENGINE = MergeTree: plain MergeTree on one server; on a cluster Ddl renders it replicated, with a Distributed table.
--
-- Nothing here puts a TTL on chained_events: pruning is an explicit job (`attestream sink prune`,
-- RetentionPruner) that blanks event_bytes, never a chain column (seq, prev_hash, hash, entry_version,
-- chained_at, schema_id, schema_fingerprint) nor a checkpoint, so a pruned entry keeps its hash and the
-- chain, the Merkle tree and every proof stay verifiable. A column TTL cannot see legal holds (a TTL
-- expression sees its own row only) and chdb 26.5 also applies it when a row is inserted, so an old
-- event replayed into the table would lose its payload before anybody verified it.

-- Retention policies, declared per tenant and event type ('*' = any). The row declared last for a
-- (tenant, event_type) is in force; a specific tenant beats '*', then a specific event type beats '*'.
-- min_days: entries younger than this MUST keep their payload; max_days: the job prunes entries chained
-- longer ago than this. Append-only: a policy is changed by declaring a new row.
CREATE TABLE IF NOT EXISTS ${db}.retention_policies ${on_cluster}
(
    tenant      String,
    event_type  String,
    min_days    UInt32,
    max_days    UInt32,
    declared_at DateTime64(6, 'UTC'),
    declared_by String,
    reason      String
)
ENGINE = MergeTree
ORDER BY (tenant, event_type, declared_at);

-- Legal holds: one row per LegalHold event (schemas v3; a typed table landed by the sink like evals, key columns as
-- the other typed tables, so it joins back to chained_events on (tenant, agent_id, seq), where the event itself is
-- chained). Payload columns: the LegalHold fields, snake_case, with hold_tenant / hold_agent_id for its tenant and
-- agentId (the key columns name the log the event is chained in) and requested_by for its by. A hold covers the
-- events of hold_tenant ('*' = every tenant) and hold_agent_id (NULL = every agent of the tenant) that occurred in
-- [period_start, period_end) (NULL = unbounded); it is in force from the chained_at of its PLACED event until the
-- chained_at of a LIFTED event with the same hold_id chained at or after it.
CREATE TABLE IF NOT EXISTS ${db}.legal_holds ${on_cluster}
(
    tenant          LowCardinality(String),
    agent_id        String,
    seq             UInt64,
    event_id        String,
    agent_version   LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    chained_at      DateTime64(6, 'UTC'),
    hold_id         String,
    action          LowCardinality(String),
    hold_tenant     String,
    hold_agent_id   Nullable(String),
    period_start    Nullable(DateTime64(6, 'UTC')),
    period_end      Nullable(DateTime64(6, 'UTC')),
    requested_by    String,
    reason          String,
    reference       Nullable(String),
    kafka_partition Int32,
    kafka_offset    Int64,
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

-- One row per run of the pruning job: what it pruned and under which policies and holds (bookkeeping for
-- auditors; not chained). predicate is the exact WHERE clause of the run's ALTER TABLE ... UPDATE.
CREATE TABLE IF NOT EXISTS ${db}.retention_prunings ${on_cluster}
(
    run_id          String,
    started_at      DateTime64(6, 'UTC'),
    finished_at     DateTime64(6, 'UTC'),
    policies        String,
    holds           String,
    predicate       String,
    events_pruned   UInt64,
    typed_rows      UInt64,
    dry_run         UInt8,
    run_by          String
)
ENGINE = MergeTree
ORDER BY (started_at, run_id);
