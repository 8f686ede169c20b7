"""Jobs: task files, the PTY execution of their steps, the job manager, worktrees, the watch
folder, the jobs API routes and the CLI verbs (run, ls, log, a, kill, rm)."""
