ALTER TABLE attestream.chained_events_local ON CLUSTER audit ADD COLUMN IF NOT EXISTS entry_version UInt8 DEFAULT 1;

ALTER TABLE attestream.chained_events ON CLUSTER audit ADD COLUMN IF NOT EXISTS entry_version UInt8 DEFAULT 1;

