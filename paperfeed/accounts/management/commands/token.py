"""``paperfeed token create|list|revoke``: personal access tokens for the API, from the shell."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from paperfeed.accounts import tokens


class Command(BaseCommand):
    help = "Create, list or revoke an account's API tokens. `create` prints the new token alone on its last line."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a token (shown once).")
        create.add_argument("--user", required=True, help="The account's email address.")
        create.add_argument("--scope", required=True, choices=tokens.Scope.values)
        create.add_argument("--name", default="", help="A label, e.g. the machine that uses it.")
        listing = sub.add_parser("list", help="The account's live tokens.")
        listing.add_argument("--user", required=True, help="The account's email address.")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id (see `list`).")
        revoke.add_argument("--user", required=True, help="The account's email address.")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "create":
                token, secret = tokens.create_token_for_email(
                    email=options["user"], scope=options["scope"], name=options["name"]
                )
                self.stdout.write(f"Token {token.pk} ({token.scope}) for {token.user.email}; it is shown only once:")
                self.stdout.write(secret)
                return
            user = self._user(options["user"])
            if options["action"] == "list":
                for token in tokens.user_tokens(user=user):
                    used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                    self.stdout.write(f"{token.pk}\t{token.prefix}…\t{token.scope}\tlast used {used}\t{token.name}")
            elif not tokens.revoke_token(user=user, token_id=options["id"]):
                raise CommandError(f"{user.email} has no live token {options['id']}.")
            else:
                self.stdout.write(f"Revoked token {options['id']}.")
        except tokens.TokenError as exc:
            raise CommandError(str(exc)) from None

    def _user(self, email: str):
        user = get_user_model().objects.filter(email__iexact=email.strip()).order_by("pk").first()
        if user is None:
            raise CommandError(f"No account with the email address {email!r}.")
        return user
