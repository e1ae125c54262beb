"""Measuring search apart from serving it: BEIR datasets, metrics, the eval runner (SQLite and PostgreSQL)."""
