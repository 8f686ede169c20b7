"""The core: the long-lived local server that owns jobs, PTYs, logs and state.

Nothing under `aio.core` imports Textual; a test proves it.
"""
