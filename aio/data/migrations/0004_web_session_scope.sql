-- A browser session's scope: the one job its link was for (job_id), or every job (NULL).
-- Sessions from before scopes cannot tell which job their link was for: they are dropped, and
-- their browsers need a new link.
DELETE FROM web_sessions;
ALTER TABLE web_sessions ADD COLUMN job_id INTEGER;
