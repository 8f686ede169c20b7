-- Jobs and the watch folder's memory of which file contents it has already queued.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    steps TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    exit_code INTEGER,
    current_step INTEGER,
    folder TEXT NOT NULL,
    source TEXT,
    repo TEXT,
    branch TEXT,
    workdir TEXT,
    timeout REAL,
    error TEXT,
    folder_removed INTEGER NOT NULL DEFAULT 0,
    variables TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX jobs_by_status ON jobs (status);
CREATE INDEX jobs_by_name ON jobs (name);

CREATE TABLE watched_files (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    queued_at REAL NOT NULL
);
