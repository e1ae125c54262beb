"""Drop the ``LIKE`` indexes PostgreSQL gets beside the unique ``arxiv_id`` and ``Author.key``.

Django adds a ``varchar_pattern_ops`` index to every unique or indexed CharField on PostgreSQL,
for ``startswith`` lookups. Nothing looks these two columns up by prefix, and each costs a
B-tree write per row in a bulk load (an author key per author and paper) and its size on disk.
SQLite has no such index: nothing to do there.
"""

from django.db import migrations

INDEXES = {  # name Django gives the index: table, column
    "catalog_paper_arxiv_id_f56411c4_like": ("catalog_paper", "arxiv_id"),
    "catalog_author_key_c833d694_like": ("catalog_author", "key"),
}


def _run(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in statements:
            schema_editor.execute(sql)


def drop(apps, schema_editor) -> None:
    _run(schema_editor, [f'DROP INDEX IF EXISTS "{name}"' for name in INDEXES])


def restore(apps, schema_editor) -> None:
    _run(schema_editor, [f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" varchar_pattern_ops)'
                         for name, (table, column) in INDEXES.items()])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_paper_picks_and_comment_count")]

    operations = [migrations.RunPython(drop, restore, elidable=False)]
