"""Benchmarks: the marketplace measured against the machine's own ceiling.

See ``bench/README.md``. Run ``make bench`` or ``python -m bench.run <name>``.
"""
