"""The provider's claims: email (verified unless the user name starts with "unverified") and user name."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class EmailClaims(OAuth2Validator):
    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.username.startswith("unverified"),
            "preferred_username": user.username,
        }
