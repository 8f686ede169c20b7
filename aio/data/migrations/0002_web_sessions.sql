-- Browser sessions (the cookie a one-time link is exchanged for), so they survive a core restart.
-- Only a hash of each session id is stored.
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    readonly INTEGER NOT NULL,
    expires_at REAL NOT NULL
);
