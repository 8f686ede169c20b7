-- Todos: a real deadline (when it is truly due) and a virtual one (self-imposed, never later).
-- *_fired record that a deadline's reminder went off, so each fires exactly once.
CREATE TABLE todos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    deadline REAL,
    virtual_deadline REAL,
    created_at REAL NOT NULL,
    completed_at REAL,
    deadline_fired INTEGER NOT NULL DEFAULT 0,
    virtual_fired INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX todos_open ON todos (completed_at, deadline);
