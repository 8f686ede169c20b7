"""aio: a terminal workbench for running many shell jobs and coding agents at once."""

__version__ = "0.1.0"
