-- A Claude session started with --worktree: `worktree` is its git worktree (its cwd), `repo`
-- the repository it was made from, `dirty` whether it held uncommitted changes when last looked
-- at (after its Stop and PostToolUse hooks), so listing never runs git.
ALTER TABLE claude_sessions ADD COLUMN worktree TEXT;
ALTER TABLE claude_sessions ADD COLUMN repo TEXT;
ALTER TABLE claude_sessions ADD COLUMN dirty INTEGER;
