"""Benchmark of the rfi_cn crawler against a local mirror; see bench/README.md and bench/run.py."""
