-- Typed columns per payload type, written by the sink in the same batch as chained_events.
-- Key and partitioning as chained_events: (tenant, agent_id, seq) joins back to the evidence row.

CREATE TABLE IF NOT EXISTS ${db}.evals ${on_cluster}
(
    tenant          LowCardinality(String),
    agent_id        String,
    seq             UInt64,
    event_id        String,
    agent_version   LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    chained_at      DateTime64(6, 'UTC'),
    suite           LowCardinality(String),
    eval_name       String,
    metric          LowCardinality(String),
    value           Float64,
    label           Nullable(String),
    dataset_version Nullable(String),
    evaluator_kind  LowCardinality(String),
    evaluator       Nullable(String),
    kafka_partition Int32,
    kafka_offset    Int64,
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ${replacing(evals)}
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS ${db}.overrides ${on_cluster}
(
    tenant          LowCardinality(String),
    agent_id        String,
    seq             UInt64,
    event_id        String,
    agent_version   LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    chained_at      DateTime64(6, 'UTC'),
    operator        String,
    action          LowCardinality(String),
    reason          String,
    target_event_id Nullable(String),
    ticket          Nullable(String),
    kafka_partition Int32,
    kafka_offset    Int64,
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ${replacing(overrides)}
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS ${db}.approvals ${on_cluster}
(
    tenant          LowCardinality(String),
    agent_id        String,
    seq             UInt64,
    event_id        String,
    agent_version   LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    chained_at      DateTime64(6, 'UTC'),
    request_id       String,
    requested_action LowCardinality(String),
    approver         String,
    decision         LowCardinality(String),
    risk_tier        LowCardinality(String),
    reason           Nullable(String),
    shown_digest     Nullable(FixedString(32)),
    kafka_partition Int32,
    kafka_offset    Int64,
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ${replacing(approvals)}
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS ${db}.policy_changes ${on_cluster}
(
    tenant          LowCardinality(String),
    agent_id        String,
    seq             UInt64,
    event_id        String,
    agent_version   LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    chained_at      DateTime64(6, 'UTC'),
    kind            LowCardinality(String),
    object_id       String,
    from_version    Nullable(String),
    to_version      String,
    diff_digest     Nullable(FixedString(32)),
    author          String,
    approver        Nullable(String),
    change_ticket   Nullable(String),
    effective_at    DateTime64(6, 'UTC'),
    kafka_partition Int32,
    kafka_offset    Int64,
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ${replacing(policy_changes)}
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS ${db}.incidents ${on_cluster}
(
    tenant          LowCardinality(String),
    agent_id        String,
    seq             UInt64,
    event_id        String,
    agent_version   LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    chained_at      DateTime64(6, 'UTC'),
    incident_id       String,
    severity          LowCardinality(String),
    status_from       Nullable(String),
    status_to         LowCardinality(String),
    summary           String,
    related_event_ids Array(String),
    kafka_partition Int32,
    kafka_offset    Int64,
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ${replacing(incidents)}
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS ${db}.risk_decisions ${on_cluster}
(
    tenant          LowCardinality(String),
    agent_id        String,
    seq             UInt64,
    event_id        String,
    agent_version   LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    chained_at      DateTime64(6, 'UTC'),
    risk_id          String,
    treatment        LowCardinality(String),
    rationale        String,
    owner            String,
    linked_change_id Nullable(String),
    kafka_partition Int32,
    kafka_offset    Int64,
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ${replacing(risk_decisions)}
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);
