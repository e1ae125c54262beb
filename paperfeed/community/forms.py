"""Forms for accounts, submissions and collections."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

MAX_IMPORT_BYTES = 256 * 1024


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
    """Django's login form, telling unconfirmed accounts what to do instead of "wrong password"."""

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


class SubmitForm(forms.Form):
    """An arXiv id or URL."""

    paper = forms.CharField(
        max_length=500,
        label="arXiv id or URL",
        widget=forms.TextInput(attrs={"placeholder": "2406.07550 or https://arxiv.org/abs/2406.07550", "autofocus": True}),
    )


class CollectionForm(forms.Form):
    """Create or edit a collection."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    public = forms.BooleanField(required=False, help_text="Anyone with the link can see it, and it has an RSS feed.")


class ImportForm(forms.Form):
    """A pasted list of arXiv ids or URLs, or a text file of them."""

    ids = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), label="arXiv ids or URLs")
    file = forms.FileField(required=False, label="…or a text file")

    def clean(self):
        data = super().clean()
        text = data.get("ids") or ""
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // 1024} KiB.")
            try:
                text += "\n" + upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text: save it as plain text and retry.") from None
        if not text.strip():
            raise forms.ValidationError("Paste some arXiv ids or choose a file.")
        data["text"] = text
        return data
