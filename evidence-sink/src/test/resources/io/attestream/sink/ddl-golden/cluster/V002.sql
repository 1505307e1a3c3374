CREATE TABLE IF NOT EXISTS attestream.evals_local ON CLUSTER audit
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/evals', '{replica}')
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS attestream.evals ON CLUSTER audit AS attestream.evals_local ENGINE = Distributed(audit, attestream, evals_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.overrides_local ON CLUSTER audit
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/overrides', '{replica}')
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS attestream.overrides ON CLUSTER audit AS attestream.overrides_local ENGINE = Distributed(audit, attestream, overrides_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.approvals_local ON CLUSTER audit
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/approvals', '{replica}')
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS attestream.approvals ON CLUSTER audit AS attestream.approvals_local ENGINE = Distributed(audit, attestream, approvals_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.policy_changes_local ON CLUSTER audit
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/policy_changes', '{replica}')
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS attestream.policy_changes ON CLUSTER audit AS attestream.policy_changes_local ENGINE = Distributed(audit, attestream, policy_changes_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.incidents_local ON CLUSTER audit
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/incidents', '{replica}')
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS attestream.incidents ON CLUSTER audit AS attestream.incidents_local ENGINE = Distributed(audit, attestream, incidents_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.risk_decisions_local ON CLUSTER audit
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/risk_decisions', '{replica}')
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS attestream.risk_decisions ON CLUSTER audit AS attestream.risk_decisions_local ENGINE = Distributed(audit, attestream, risk_decisions_local, cityHash64(tenant, agent_id));

