"""Benchmark scenarios: each takes a running deployment and returns a result dict."""
