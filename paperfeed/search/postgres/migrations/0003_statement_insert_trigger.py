"""New papers get their keyword documents from one set-based statement trigger, which a bulk load
defers to its end (ddl.py); ASCII text skips the diacritics table. A no-op on SQLite."""

from django.db import migrations

from paperfeed.search.postgres.ddl import DOC_DDL, FUNCTIONS


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for stmt in FUNCTIONS + DOC_DDL:  # idempotent: CREATE OR REPLACE, IF NOT EXISTS, triggers re-created
            cursor.execute(stmt)


class Migration(migrations.Migration):
    dependencies = [("search_pg", "0002_embedding_paper_index")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
