from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts: who a reader is and whether they confirmed their address."""

    name = "paperfeed.accounts"
    default_auto_field = "django.db.models.BigAutoField"
