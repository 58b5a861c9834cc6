-- Per-user skill state: one JSON document per user (keyed by an HMAC of the Alexa userId),
-- versioned for optimistic concurrency. Portable SQL: SQLite and PostgreSQL both accept it.
-- Every table with a user_key column holds per-user data: SqlStore.delete() empties all of them.
CREATE TABLE user_state (
    user_key TEXT PRIMARY KEY,
    attributes TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
