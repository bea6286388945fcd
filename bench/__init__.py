"""Benchmarks: scripts that print a table and write JSON to bench/results/ (docs/performance.md).

Run one with `python -m bench.<name> [--quick]`, or all of them (and regenerate the document)
with `python -m bench.run_all [--quick]`.
"""
