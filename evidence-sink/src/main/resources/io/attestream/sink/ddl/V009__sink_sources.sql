-- The source of each topic landed in this database (evidence-sink README "One source per database").
-- ENGINE = MergeTree: plain MergeTree on one server; on a cluster Ddl renders it replicated, with a Distributed table.
--
-- Every landed row carries its Kafka partition and offset, and the sink's recovery takes a row present at a
-- partition and offset as landed. That holds only while every row of a table came from one topic: one Kafka cluster
-- (kafka_cluster_id) and one incarnation of the topic (topic_id; a deleted and re-created topic starts again at
-- offset 0). On assignment the sink reads the rows of its topic here; a row with another cluster or topic id makes it
-- fail instead of skipping the other source's offsets; none makes it record its own. Append-only: never updated.
CREATE TABLE IF NOT EXISTS ${db}.sink_sources ${on_cluster}
(
    topic            LowCardinality(String),
    kafka_cluster_id String,
    topic_id         String,
    consumer_group   String,
    first_seen_at    DateTime64(6, 'UTC')
)
ENGINE = MergeTree
ORDER BY (topic, kafka_cluster_id, topic_id);
