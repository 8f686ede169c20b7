"""Worklets: prototypes cloned from git repositories, run as jobs on a port each."""
