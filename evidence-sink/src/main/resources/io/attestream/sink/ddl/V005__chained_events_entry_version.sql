-- Chain entry format version of each row (docs/integrity.md section 2.2): ChainedEvent.entryVersion.
-- Rows landed before this column existed were chained as version 1, its default. ADD COLUMN IF NOT EXISTS
-- keeps this migration correct whether or not an earlier migration already created the column.
-- ${alter(table)}: the table, or on a cluster both its _local table and its Distributed table, ON CLUSTER.

ALTER TABLE ${alter(chained_events)} ADD COLUMN IF NOT EXISTS entry_version UInt8 DEFAULT 1 AFTER chained_at;
