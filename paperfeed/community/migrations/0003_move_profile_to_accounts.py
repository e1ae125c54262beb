"""Profile moves to the accounts app: removed from community's state only; the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("community", "0002_vote_time_cover_index"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel("Profile")], database_operations=[]),
    ]
