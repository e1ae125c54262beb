"""HarvestState, RepoState and StarSnapshot move here from the jobs app: state only, no data moves.

The tables keep their names (``jobs_…``, set by each model's ``Meta.db_table``); jobs' migration
0001 created them and jobs' 0002 drops the models from its own state after this one.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("harveststate", "repostate", "starsnapshot")


def move_content_types(apps, schema_editor) -> None:
    """Keep admin history and permissions: the content types of the moved models change app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="catalog", model=model).exists():
            ContentType.objects.filter(app_label="jobs", model=model).update(app_label="catalog")


def move_content_types_back(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="jobs", model=model).exists():
            ContentType.objects.filter(app_label="catalog", model=model).update(app_label="jobs")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_paper_modified_index"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("jobs", "0001_initial"),  # created the tables
    ]

    state_operations = [
        migrations.CreateModel(
            name="HarvestState",
            fields=[
                ("key", models.CharField(help_text="source:set:prefix", max_length=128, primary_key=True, serialize=False)),
                ("watermark", models.DateField(blank=True, null=True)),
                ("from_date", models.DateField(blank=True, null=True)),
                ("until_date", models.DateField(blank=True, null=True)),
                ("resumption_token", models.TextField(blank=True, default="")),
                ("pages", models.PositiveIntegerField(default=0, help_text="Pages committed in the list in progress.")),
                ("records", models.PositiveIntegerField(default=0, help_text="Records committed in the list in progress.")),
                ("complete_list_size", models.IntegerField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"db_table": "jobs_harveststate"},
        ),
        migrations.CreateModel(
            name="RepoState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("full_name", models.CharField(help_text="owner/name, lower case", max_length=255, unique=True)),
                ("stars", models.IntegerField(blank=True, null=True)),
                ("etag", models.CharField(blank=True, default="", max_length=255)),
                ("checked_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                ("missing", models.BooleanField(default=False, help_text="GitHub answered 404/451.")),
            ],
            options={"db_table": "jobs_repostate"},
        ),
        migrations.CreateModel(
            name="StarSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stars", models.IntegerField()),
                ("taken_at", models.DateTimeField()),
                ("repo", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="snapshots",
                                           to="catalog.repostate")),
            ],
            options={
                "db_table": "jobs_starsnapshot",
                "ordering": ["-taken_at"],
                "indexes": [models.Index(fields=["repo", "taken_at"], name="starsnap_repo_time_idx")],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
