-- Flows: one row per event (its id is the idempotency key) and one per run. `payload` and the
-- event's `run_ids` (the runs of its first dispatch) and `unmatched` are JSON; a run's whole
-- record (attempts, result, error) is the JSON in `data`, with its columns for lookups. An event
-- and the runs it started are written in one transaction.
CREATE TABLE flow_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    source TEXT,
    occurred_at TEXT,
    received_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_ids TEXT NOT NULL DEFAULT '[]',
    unmatched TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE flow_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX flow_runs_event ON flow_runs (event_id);
