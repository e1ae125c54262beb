"""Talking to the remote sources (arXiv OAI-PMH, arXiv API, GitHub); parsing lives in ``catalog.sources``."""
