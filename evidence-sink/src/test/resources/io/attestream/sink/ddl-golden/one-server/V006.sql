CREATE TABLE IF NOT EXISTS attestream.checkpoint_attestations 
(
    tenant          LowCardinality(String),
    agent_id        String,
    tree_size       UInt64,
    root_hash       FixedString(32),
    witness_name    LowCardinality(String),
    witness_key_id  UInt32,
    cosigned_at     DateTime64(6, 'UTC'),
    cosignature     String,
    record_bytes    String,
    kafka_partition Int32,
    kafka_offset    Int64,
    landed_at       DateTime64(6, 'UTC'),
    INDEX idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
ORDER BY (tenant, agent_id, tree_size, witness_name);

