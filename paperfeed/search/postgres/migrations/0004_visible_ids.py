"""The index of visible papers' ids that search confirms its candidates with (ddl.VISIBLE_DDL); a no-op on SQLite."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from paperfeed.search.postgres.ddl import VISIBLE_DDL

    with schema_editor.connection.cursor() as cursor:
        for stmt in VISIBLE_DDL:
            cursor.execute(stmt)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS search_pg_visible_ids")


class Migration(migrations.Migration):
    dependencies = [("search_pg", "0003_statement_insert_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]
