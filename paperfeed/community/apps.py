import math

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.backends.signals import connection_created


def _ensure_sqlite_exp(sender, connection, **kwargs) -> None:
    """Trending sums EXP() in SQL; SQLite builds without math functions get Python's."""
    if connection.vendor != "sqlite":
        return
    try:
        connection.connection.execute("SELECT exp(0)")
    except Exception:  # noqa: BLE001 — sqlite3.OperationalError: no such function
        connection.connection.create_function("exp", 1, math.exp, deterministic=True)


class CommunityConfig(AppConfig):
    name = "paperfeed.community"
    label = "community"

    def ready(self) -> None:
        connection_created.connect(_ensure_sqlite_exp, dispatch_uid="community-sqlite-exp")
        from .receivers import cast_pending_vote  # models are ready only now

        user_logged_in.connect(cast_pending_vote, dispatch_uid="community-pending-vote")
