"""External CLIs described by `flow-tool.toml`: manifests, the registry, installs, running.

Stdlib only, so `aio cli ID` starts fast.
"""
