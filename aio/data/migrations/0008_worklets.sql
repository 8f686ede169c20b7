-- Worklets: one row per worklet number (AUTOINCREMENT: a number is never given twice). `env`
-- is the user's --env as JSON; `build_job` and `run_job` are the last jobs that built and ran
-- it; `session` the Claude session `aio wl prompt` started, while it runs.
CREATE TABLE worklets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    repo TEXT NOT NULL,
    status TEXT NOT NULL,
    folder TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    branch TEXT,
    env TEXT NOT NULL DEFAULT '{}',
    port INTEGER,
    error TEXT,
    plan TEXT,
    "commit" TEXT,
    build_job INTEGER,
    run_job INTEGER,
    session INTEGER
);
