"""SQLite FTS5 keyword index over catalog_paper, kept in step by triggers (see search/keyword/fts5.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return  # PostgreSQL uses its own keyword backend
    from paperfeed.search.keyword.fts5 import FTS_DDL, FTS_FILL

    for stmt in FTS_DDL:
        schema_editor.execute(stmt)
    schema_editor.execute(FTS_FILL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from paperfeed.search.keyword.fts5 import FTS_DROP

    for stmt in FTS_DROP:
        schema_editor.execute(stmt)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial"), ("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
