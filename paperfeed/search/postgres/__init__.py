"""PostgreSQL search backends: weighted full-text (tsvector + GIN) and pgvector HNSW.

Installed on every database; its migration and objects exist only on PostgreSQL (a no-op on SQLite).
"""
