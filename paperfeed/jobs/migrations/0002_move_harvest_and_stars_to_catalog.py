"""HarvestState, RepoState and StarSnapshot now belong to the catalog app (its migration 0005).

State only: the tables stay where they are, under their old names, and keep every row.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0001_initial"),
        ("catalog", "0005_harveststate_repostate_starsnapshot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="StarSnapshot"),
                migrations.DeleteModel(name="RepoState"),
                migrations.DeleteModel(name="HarvestState"),
            ],
            database_operations=[],
        ),
    ]
