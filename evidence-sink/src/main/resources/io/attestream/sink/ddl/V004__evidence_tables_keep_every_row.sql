-- Evidence tables keep every row (issue 13): ReplacingMergeTree collapsed rows of one key in background merges,
-- so a forged second row for an existing (tenant, agent_id, seq) could erase the genuine one for good. From
-- this version on, no evidence table collapses rows: every table V001 and V002 created as ReplacingMergeTree,
-- except the sink's own bookkeeping (sink_offsets; README, "Bookkeeping"), becomes a plain MergeTree with the
-- same columns (in the same order: entry_version stays last), partition key and sorting key.
--
-- CONVERT TABLE is not ClickHouse SQL: Ddl turns it into the steps below, which ClickHouseStore runs one by
-- one, checking the state before each, so that a crash at any point is repaired by the next start and no row
-- is lost (README, "Migration V004"):
--   CREATE TABLE X__v004 AS X ENGINE = <engine> ...   the new, empty table (same columns and indexes)
--   ALTER TABLE X__v004 ATTACH PARTITION ALL FROM X     every part of X, as it is: no merge, no collapsing
--   (row counts of X and X__v004 compared)
--   EXCHANGE TABLES X AND X__v004                       atomic: readers see the old or the new table
--   (row count of the old table compared again), DROP TABLE X__v004
-- ${merge_tree(table)}: MergeTree, or ReplicatedMergeTree on a cluster (there the table must be empty).
-- The PARTITION BY and ORDER BY clauses MUST equal those of V001/V002 (ATTACH PARTITION FROM needs them;
-- DdlTest checks it). Then chain_status is redefined for tables that keep every row.

CONVERT TABLE ${db}.chained_events ${on_cluster} TO ${merge_tree(chained_events)}
PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

CONVERT TABLE ${db}.checkpoints ${on_cluster} TO ${merge_tree(checkpoints)}
PARTITION BY toYYYYMM(created_at) ORDER BY (tenant, agent_id, tree_size, key_name);

CONVERT TABLE ${db}.dead_letters ${on_cluster} TO ${merge_tree(dead_letters)}
PARTITION BY toYYYYMM(record_time) ORDER BY (tenant, agent_id, kafka_partition, kafka_offset);

CONVERT TABLE ${db}.drift_alerts ${on_cluster} TO ${merge_tree(drift_alerts)}
PARTITION BY toYYYYMM(record_time) ORDER BY (tenant, agent_id, record_time, kafka_partition, kafka_offset);

CONVERT TABLE ${db}.registry_schemas ${on_cluster} TO ${merge_tree(registry_schemas)}
ORDER BY schema_id;

CONVERT TABLE ${db}.evals ${on_cluster} TO ${merge_tree(evals)}
PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

CONVERT TABLE ${db}.overrides ${on_cluster} TO ${merge_tree(overrides)}
PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

CONVERT TABLE ${db}.approvals ${on_cluster} TO ${merge_tree(approvals)}
PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

CONVERT TABLE ${db}.policy_changes ${on_cluster} TO ${merge_tree(policy_changes)}
PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

CONVERT TABLE ${db}.incidents ${on_cluster} TO ${merge_tree(incidents)}
PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

CONVERT TABLE ${db}.risk_decisions ${on_cluster} TO ${merge_tree(risk_decisions)}
PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

-- chain_status counts gaps correctly now that a key can have more than one row: events = distinct seqs stored,
-- missing_seqs = (latest_seq + 1) - events, duplicate_rows = rows beyond the first of a seq (forged or
-- replayed; `attestream verify` says which is which), stored_rows = every row. New columns go last.
CREATE OR REPLACE VIEW ${db}.chain_status ${on_cluster} AS
SELECT
    e.tenant, e.agent_id, e.events, e.latest_seq, e.missing_seqs, e.latest_chained_at,
    c.checkpoint_size, c.checkpoint_at,
    if(c.checkpoint_size = 0, NULL, dateDiff('second', c.checkpoint_at, now64(6, 'UTC'))) AS checkpoint_age_s,
    toInt64(e.latest_seq) + 1 - toInt64(c.checkpoint_size) AS events_after_checkpoint,
    e.duplicate_rows, e.stored_rows
FROM
(
    SELECT tenant, agent_id, uniqExact(seq) AS events, max(seq) AS latest_seq,
           toInt64(max(seq)) + 1 - toInt64(uniqExact(seq)) AS missing_seqs,
           toInt64(count()) - toInt64(uniqExact(seq)) AS duplicate_rows, count() AS stored_rows,
           max(chained_at) AS latest_chained_at
    FROM ${db}.chained_events
    GROUP BY tenant, agent_id
) AS e
LEFT JOIN
(
    SELECT tenant, agent_id, max(tree_size) AS checkpoint_size, argMax(created_at, tree_size) AS checkpoint_at
    FROM ${db}.checkpoints
    GROUP BY tenant, agent_id
) AS c ON e.tenant = c.tenant AND e.agent_id = c.agent_id;
