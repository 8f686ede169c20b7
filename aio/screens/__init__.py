"""The dashboard's screens (one module per domain), their modals, and what they do to the core."""
