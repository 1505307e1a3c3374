ALTER TABLE attestream.chained_events ADD COLUMN IF NOT EXISTS entry_version UInt8 DEFAULT 1;

