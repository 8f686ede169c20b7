"""The `aio` verbs, one module per area; each function takes argv and returns an exit code."""
