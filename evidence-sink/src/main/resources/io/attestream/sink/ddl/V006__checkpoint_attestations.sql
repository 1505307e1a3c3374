-- Witness cosignatures on checkpoints (issue 14, docs/integrity.md section 6): one row per record of
-- attestream.checkpoint-cosignatures, whose value is a signed note: the cosigned checkpoint body and exactly one
-- C2SP tlog-cosignature/v1 line. The chainer's note in checkpoints never changes; a verifier appends the
-- cosignature lines of the rows with the same (tenant, agent_id, tree_size, root_hash) to it and verifies them
-- with the witness keys it trusts. Plain MergeTree: every row is evidence, nothing collapses; a witness may
-- cosign one checkpoint twice (after a restart of the submitter), which is two rows with different timestamps.

CREATE TABLE IF NOT EXISTS ${db}.checkpoint_attestations ${on_cluster}
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
