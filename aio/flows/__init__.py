"""Flows: flow.toml manifests, typed events that run their steps as jobs, runs and attempts."""
