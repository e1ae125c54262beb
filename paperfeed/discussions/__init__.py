"""Discussions: threaded comments on papers (Markdown with math, sanitised), comment votes, reports, locks."""
