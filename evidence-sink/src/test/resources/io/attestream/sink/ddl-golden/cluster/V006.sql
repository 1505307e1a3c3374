CREATE TABLE IF NOT EXISTS attestream.checkpoint_attestations_local ON CLUSTER audit
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
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/checkpoint_attestations', '{replica}')
ORDER BY (tenant, agent_id, tree_size, witness_name);

CREATE TABLE IF NOT EXISTS attestream.checkpoint_attestations ON CLUSTER audit AS attestream.checkpoint_attestations_local ENGINE = Distributed(audit, attestream, checkpoint_attestations_local, cityHash64(tenant, agent_id));

