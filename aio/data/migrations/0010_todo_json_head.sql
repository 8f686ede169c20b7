-- Each todo's JSON fields that do not change with the time (all but the id, which opens the
-- object), kept by SQLite itself as a stored generated column, so `aio t --json` only adds
-- what does change (urgency, colour, relative times). The keys and their order are
-- Todo.to_dict's; numbers have 17 significant digits (the same doubles as Python reads back).
-- SQLite cannot add a stored column to a table, so the table is built afresh, its ids and
-- AUTOINCREMENT counter kept.
CREATE TABLE todos_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    deadline REAL,
    virtual_deadline REAL,
    created_at REAL NOT NULL,
    completed_at REAL,
    deadline_fired INTEGER NOT NULL DEFAULT 0,
    virtual_fired INTEGER NOT NULL DEFAULT 0,
    json_head TEXT GENERATED ALWAYS AS (
        ', "title": ' || json_quote(title)
        || ', "deadline": '
        || CASE WHEN deadline IS NULL THEN 'null' ELSE printf('%!.17g', deadline) END
        || ', "virtual_deadline": '
        || CASE WHEN virtual_deadline IS NULL THEN 'null'
           ELSE printf('%!.17g', virtual_deadline) END
        || ', "created_at": ' || printf('%!.17g', created_at)
        || ', "completed_at": '
        || CASE WHEN completed_at IS NULL THEN 'null' ELSE printf('%!.17g', completed_at) END
    ) STORED
);
INSERT INTO todos_new (
    id, title, deadline, virtual_deadline, created_at, completed_at, deadline_fired,
    virtual_fired
)
SELECT id, title, deadline, virtual_deadline, created_at, completed_at, deadline_fired,
    virtual_fired
FROM todos;
DELETE FROM sqlite_sequence WHERE name = 'todos_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'todos_new', seq FROM sqlite_sequence
WHERE name = 'todos';
DROP TABLE todos;
ALTER TABLE todos_new RENAME TO todos;
CREATE INDEX todos_open ON todos (completed_at, deadline);
