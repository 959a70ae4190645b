-- One-time upgrades of stored data that a schema change alone cannot make, each done once, by the first
-- instance that claims it (its row).
CREATE TABLE data_upgrades (
    name TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
);
