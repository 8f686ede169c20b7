"""Claude Code sessions: the `claude` CLI run by aio, headless or in a job's PTY, and listed."""
