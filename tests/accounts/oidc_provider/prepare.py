"""Set up the test provider's database: `python -m tests.accounts.oidc_provider.prepare REDIRECT_URI CLIENT_ID SECRET`.

Creates its tables, the client (paperfeed, confidential, RS256, no consent screen) and three
users with the password "pw": ada (ada@uni.example), grace (grace@uni.example), unverified-bob.
"""

import os
import sys

import django


def main(redirect_uri: str, client_id: str, secret: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.accounts.oidc_provider.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    for name, email in (("ada", "ada@uni.example"), ("grace", "Grace@Uni.example"), ("unverified-bob", "bob@uni.example")):
        get_user_model().objects.create_user(name, email=email, password="pw")
    Application.objects.create(
        name="paperfeed", client_id=client_id, client_secret=secret, redirect_uris=redirect_uri,
        client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM, skip_authorization=True,
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
