"""Benchmarks for observable against raw Python and peer libraries; run ``python -m bench``."""
