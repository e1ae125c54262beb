"""An fts5vocab view of the keyword index: document frequencies for term pruning (search/bm25.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from paperfeed.search.keyword.fts5 import FTS_TABLE, VOCAB_TABLE

    schema_editor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB_TABLE} USING fts5vocab({FTS_TABLE}, 'row')")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from paperfeed.search.keyword.fts5 import VOCAB_TABLE

    schema_editor.execute(f"DROP TABLE IF EXISTS {VOCAB_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fts5")]
    operations = [migrations.RunPython(forwards, backwards)]
