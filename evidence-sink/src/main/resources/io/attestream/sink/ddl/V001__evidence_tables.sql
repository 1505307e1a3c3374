-- Evidence tables. ${db}: database; ${on_cluster}: empty or ON CLUSTER name;
-- ${replacing(table)}: ReplacingMergeTree, or its Replicated variant on a cluster.
-- Every table carries the Kafka coordinates of the record it came from (kafka_partition,
-- kafka_offset): the sink's exactly-once recovery reads them back (README, "Exactly-once effect").

CREATE TABLE IF NOT EXISTS ${db}.chained_events ${on_cluster}
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
ENGINE = ${replacing(chained_events)}
PARTITION BY toYYYYMM(chained_at)
ORDER BY (tenant, agent_id, seq);

CREATE TABLE IF NOT EXISTS ${db}.checkpoints ${on_cluster}
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
ENGINE = ${replacing(checkpoints)}
PARTITION BY toYYYYMM(created_at)
ORDER BY (tenant, agent_id, tree_size, key_name);

CREATE TABLE IF NOT EXISTS ${db}.dead_letters ${on_cluster}
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
ENGINE = ${replacing(dead_letters)}
PARTITION BY toYYYYMM(record_time)
ORDER BY (tenant, agent_id, kafka_partition, kafka_offset);

CREATE TABLE IF NOT EXISTS ${db}.drift_alerts ${on_cluster}
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
ENGINE = ${replacing(drift_alerts)}
PARTITION BY toYYYYMM(record_time)
ORDER BY (tenant, agent_id, record_time, kafka_partition, kafka_offset);

CREATE TABLE IF NOT EXISTS ${db}.registry_schemas ${on_cluster}
(
    schema_id      UInt32,
    fingerprint    FixedString(32),
    full_name      String,
    schema_text    String,
    canonical_form String,
    registry_url   String,
    landed_at      DateTime64(6, 'UTC')
)
ENGINE = ${replacing(registry_schemas)}
ORDER BY schema_id;

CREATE TABLE IF NOT EXISTS ${db}.sink_offsets ${on_cluster}
(
    consumer_group LowCardinality(String),
    topic          LowCardinality(String),
    kafka_partition Int32,
    next_offset    Int64,
    rows_landed    UInt64,
    committed_at   DateTime64(6, 'UTC')
)
ENGINE = ${replacing(sink_offsets, next_offset)}
ORDER BY (consumer_group, topic, kafka_partition);
