"""PostgreSQL full-text and pgvector objects (see search/postgres/ddl.py); a no-op on SQLite."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from paperfeed.search.postgres.ddl import install

    with schema_editor.connection.cursor() as cursor:
        install(cursor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from paperfeed.search.postgres.ddl import uninstall

    with schema_editor.connection.cursor() as cursor:
        uninstall(cursor)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fts5"), ("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
