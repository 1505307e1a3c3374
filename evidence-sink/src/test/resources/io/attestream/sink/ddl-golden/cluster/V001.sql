CREATE TABLE IF NOT EXISTS attestream.chained_events_local ON CLUSTER audit
(
    tenant             LowCardinality(String),
    agent_id           String,
    seq                UInt64,
    prev_hash          FixedString(32),
    hash               FixedString(32),
    schema_id          UInt32,
    schema_fingerprint FixedString(32),
    event_id           String,
    event_type         LowCardinality(String),
    agent_version      LowCardinality(String),
    occurred_at        DateTime64(6, 'UTC'),
    chained_at         DateTime64(6, 'UTC'),
    controls           Array(LowCardinality(String)),
    trace_id           Nullable(String),
    session_id         Nullable(String),
    recorded_by_host   LowCardinality(String),
    event_bytes        String CODEC(ZSTD(3)),
    source_topic       LowCardinality(String),
    source_partition   Int32,
    source_offset      Int64,
    kafka_partition    Int32,
    kafka_offset       Int64,
    landed_at          DateTime64(6, 'UTC'),
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1,
    INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/chained_events', '{replica}')
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS attestream.chained_events ON CLUSTER audit AS attestream.chained_events_local ENGINE = Distributed(audit, attestream, chained_events_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.checkpoints_local ON CLUSTER audit
(
    tenant          LowCardinality(String),
    agent_id        String,
    tree_size       UInt64,
    root_hash       FixedString(32),
    head_seq        Int64,
    head_hash       FixedString(32),
    note            String,
    key_name        LowCardinality(String),
    created_at      DateTime64(6, 'UTC'),
    trigger         LowCardinality(String),
    timestamp_token Nullable(String),
    record_bytes    String,
    kafka_partition Int32,
    kafka_offset    Int64,
    landed_at       DateTime64(6, 'UTC'),
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/checkpoints', '{replica}')
PARTITION BY toYYYYMM(created_at)
ORDER BY (tenant, agent_id, tree_size, key_name);

CREATE TABLE IF NOT EXISTS attestream.checkpoints ON CLUSTER audit AS attestream.checkpoints_local ENGINE = Distributed(audit, attestream, checkpoints_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.dead_letters_local ON CLUSTER audit
(
    tenant          LowCardinality(String),
    agent_id        String,
    record_key      Nullable(String),
    record_value    Nullable(String),
    headers         Map(String, String),
    reason          String,
    record_time     DateTime64(3, 'UTC'),
    kafka_partition Int32,
    kafka_offset    Int64,
    landed_at       DateTime64(6, 'UTC'),
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/dead_letters', '{replica}')
PARTITION BY toYYYYMM(record_time)
ORDER BY (tenant, agent_id, kafka_partition, kafka_offset);

CREATE TABLE IF NOT EXISTS attestream.dead_letters ON CLUSTER audit AS attestream.dead_letters_local ENGINE = Distributed(audit, attestream, dead_letters_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.drift_alerts_local ON CLUSTER audit
(
    tenant          LowCardinality(String),
    agent_id        String,
    schema_id       Nullable(UInt32),
    alert_json      String,
    record_value    String,
    record_time     DateTime64(3, 'UTC'),
    kafka_partition Int32,
    kafka_offset    Int64,
    landed_at       DateTime64(6, 'UTC'),
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/drift_alerts', '{replica}')
PARTITION BY toYYYYMM(record_time)
ORDER BY (tenant, agent_id, record_time, kafka_partition, kafka_offset);

CREATE TABLE IF NOT EXISTS attestream.drift_alerts ON CLUSTER audit AS attestream.drift_alerts_local ENGINE = Distributed(audit, attestream, drift_alerts_local, cityHash64(tenant, agent_id));

CREATE TABLE IF NOT EXISTS attestream.registry_schemas_local ON CLUSTER audit
(
    schema_id      UInt32,
    fingerprint    FixedString(32),
    full_name      String,
    schema_text    String,
    canonical_form String,
    registry_url   String,
    landed_at      DateTime64(6, 'UTC')
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/registry_schemas', '{replica}')
ORDER BY schema_id;

CREATE TABLE IF NOT EXISTS attestream.registry_schemas ON CLUSTER audit AS attestream.registry_schemas_local ENGINE = Distributed(audit, attestream, registry_schemas_local, schema_id);

CREATE TABLE IF NOT EXISTS attestream.sink_offsets_local ON CLUSTER audit
(
    consumer_group LowCardinality(String),
    topic          LowCardinality(String),
    kafka_partition Int32,
    next_offset    Int64,
    rows_landed    UInt64,
    committed_at   DateTime64(6, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/attestream/sink_offsets', '{replica}', next_offset)
ORDER BY (consumer_group, topic, kafka_partition);

CREATE TABLE IF NOT EXISTS attestream.sink_offsets ON CLUSTER audit AS attestream.sink_offsets_local ENGINE = Distributed(audit, attestream, sink_offsets_local, cityHash64(consumer_group, topic, kafka_partition));

