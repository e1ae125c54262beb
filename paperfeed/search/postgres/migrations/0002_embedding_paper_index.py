"""Index pgvector rows by paper, for fetching the vectors of keyword hits (a no-op on SQLite)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('search_pg_embedding') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("CREATE INDEX IF NOT EXISTS search_pg_embedding_paper ON search_pg_embedding (paper_id)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS search_pg_embedding_paper")


class Migration(migrations.Migration):
    dependencies = [("search_pg", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
