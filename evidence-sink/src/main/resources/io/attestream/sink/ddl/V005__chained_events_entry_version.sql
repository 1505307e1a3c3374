-- Chain entry format version of each row (docs/integrity.md section 2.2): ChainedEvent.entryVersion.
-- Rows landed before this column existed were chained as version 1, its default. ADD COLUMN IF NOT EXISTS
-- keeps this migration correct whether or not an earlier migration already created the column.
-- ${alter(table)}: the table, or on a cluster both its _local table and its Distributed table, ON CLUSTER.
-- The column goes last: the sink's RowBinary insert path sends values in the table's column order, which
-- Table.CHAINED_EVENTS follows (entry_version is its last column).

ALTER TABLE ${alter(chained_events)} ADD COLUMN IF NOT EXISTS entry_version UInt8 DEFAULT 1;
