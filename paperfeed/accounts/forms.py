"""Account forms: sign-up and log-in."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm


class SignupForm(UserCreationForm):
    """Username, email (required, unique) and password twice."""

    email = forms.EmailField(required=True, help_text="We send a confirmation link to this address.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this email already exists: log in, reset your password, "
                "or ask for the confirmation link again if you have not confirmed it yet."
            )
        return email


class LoginForm(AuthenticationForm):
    """Django's login form, by username or email, telling unconfirmed accounts what to do instead of "wrong password"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username or email"

    def clean_username(self) -> str:
        """An email address stands for the account it belongs to (a username that is one wins)."""
        name = (self.cleaned_data.get("username") or "").strip()
        users = get_user_model().objects
        if "@" in name and not users.filter(username=name).exists():
            user = users.filter(email__iexact=name).order_by("-is_active", "pk").first()
            if user is not None:
                return user.get_username()
        return name

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            user = get_user_model().objects.filter(username=self.cleaned_data.get("username")).first()
            password = self.cleaned_data.get("password") or ""
            if user is not None and not user.is_active and user.check_password(password):
                raise forms.ValidationError(
                    "This account is not confirmed yet: follow the link in the email we sent you "
                    "(or ask for it again below).",
                    code="inactive",
                ) from None
            raise
