"""Profile moves from community to accounts: state only, the table ``community_profile`` stays."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor) -> None:
    """Keep admin history and the moderators' permissions: the content type changes app in place."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="accounts", model="profile").exists():
        ContentType.objects.filter(app_label="community", model="profile").update(app_label="accounts")


def move_content_type_back(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="community", model="profile").exists():
        ContentType.objects.filter(app_label="accounts", model="profile").update(app_label="community")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("community", "0002_vote_time_cover_index"),  # the table exists (community 0001 made it)
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Profile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("banned", models.BooleanField(db_index=True, default=False)),
                        ("banned_at", models.DateTimeField(blank=True, null=True)),
                        ("ban_reason", models.TextField(blank=True, default="")),
                        ("email_confirmed_at", models.DateTimeField(blank=True, null=True)),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="profile", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "community_profile"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
