"""Todos: the model and its SQLite book, the `t` grammar, the core-side service with reminders,
the API routes and the `aio t` verb."""
