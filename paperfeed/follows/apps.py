"""Follows: readers follow authors, users and labs; labs; authorship claims; links beyond code."""
from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class FollowsConfig(AppConfig):
    """Follows: see the package docstring."""

    name = "paperfeed.follows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from paperfeed.follows import claims  # models are ready only now
        from paperfeed.follows.models import AuthorClaim

        post_save.connect(claims.forget_claimed_profiles, sender=AuthorClaim, dispatch_uid="follows-claims-save")
        post_delete.connect(claims.forget_claimed_profiles, sender=AuthorClaim, dispatch_uid="follows-claims-delete")
