from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_fts(using: str = "default", **kwargs) -> None:
    """Re-create the FTS5 triggers if a migration dropped them (SQLite rebuilds altered tables).

    When any trigger is missing, the keyword index is rebuilt from ``catalog_paper`` — unless FTS5
    is retired (``keyword.retire_fts``), when only the embedding-staleness trigger is re-created.
    """
    from django.db import connections

    from .keyword import FTS_DDL, FTS_TRIGGERS, RETIRED_TABLE, Fts5KeywordIndex

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'search_%' OR name LIKE 'search_paper_fts%'")
        present = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'catalog_paper'")
        has_papers = cursor.fetchone() is not None
        if has_papers and RETIRED_TABLE in present and "search_paperembedding" in present:
            # FTS5 is retired on purpose (tantivy serves): only the embedding trigger must exist.
            cursor.execute(FTS_DDL[-1])
            return
    wanted = {"search_paper_fts", "search_paper_fts_vocab", *FTS_TRIGGERS}
    if has_papers and not wanted <= present:
        Fts5KeywordIndex(using).rebuild()


class SearchConfig(AppConfig):
    name = "paperfeed.search"
    label = "search"

    def ready(self) -> None:
        post_migrate.connect(ensure_fts, dispatch_uid="paperfeed.search.ensure_fts")
