"""Logs, redaction and Prometheus metrics."""
