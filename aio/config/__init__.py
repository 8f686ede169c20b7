"""Settings (`config.toml`), where state lives under `$AIO_HOME`, and control-key names."""
