"""Packaged data: schema migrations, example tasks, default config."""
