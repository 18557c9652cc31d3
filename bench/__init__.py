"""Benchmarks: workloads, timing harnesses and the results table in bench/README.md.

Run one with `.venv/bin/python -m bench.<name>` (e.g. `bench.engine`); `python -m bench`
(`make bench`) runs the engine benchmark.
"""
