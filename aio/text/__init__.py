"""Text for terminals: tables for the CLI."""
