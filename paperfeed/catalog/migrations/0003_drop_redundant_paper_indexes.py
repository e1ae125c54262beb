"""Drop two Paper indexes that only slow ingest: ``hidden`` (two values) and ``listing_date``
(served by paper_listing_idx on (listing_date, hidden)).

Plain DROP INDEX rather than AlterField: on SQLite, AlterField rebuilds the table, which would
drop the triggers other apps (search's FTS5) keep on catalog_paper.
"""

from django.db import migrations, models

INDEXES = {
    "catalog_paper_hidden_44fd25cb": "hidden",
    "catalog_paper_listing_date_230c65ca": "listing_date",
}


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_lean_fk_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="paper", name="hidden", field=models.BooleanField(default=False)),
                migrations.AlterField(
                    model_name="paper", name="listing_date",
                    field=models.DateField(blank=True, help_text="Day it was listed.", null=True),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"', reverse_sql=f'CREATE INDEX "{name}" ON "catalog_paper" ("{column}")'
                )
                for name, column in INDEXES.items()
            ],
        )
    ]
