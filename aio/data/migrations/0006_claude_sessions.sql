-- Claude Code sessions aio started: one row per aio session number. `session_id` is Claude's
-- own id (chosen by aio at launch, followed when /clear moves the session to a new one); `job`
-- is the job running its process, while one does.
CREATE TABLE claude_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    status TEXT NOT NULL,
    mode TEXT NOT NULL,
    cwd TEXT NOT NULL,
    branch TEXT,
    title TEXT,
    model TEXT,
    job INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    error TEXT
);
CREATE INDEX claude_sessions_by_session_id ON claude_sessions (session_id);
