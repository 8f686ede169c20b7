-- The worklets' key-value store (its own database file, kv.sqlite3, apart from aio.db).
-- Values are JSON text; keys and namespaces compare bytewise (BINARY), so `list` orders them
-- the way the Postgres backend (COLLATE "C") does.
CREATE TABLE kv_store (
    worklet_id INTEGER NOT NULL,
    namespace TEXT NOT NULL DEFAULT 'default',
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    CONSTRAINT unique_worklet_namespace_key PRIMARY KEY (worklet_id, namespace, key)
) WITHOUT ROWID;

-- One token per worklet, kept only as its SHA-256.
CREATE TABLE kv_tokens (
    worklet_id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    issued_at REAL NOT NULL
);
