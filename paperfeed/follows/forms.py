"""Forms: claim an author of a paper, add a link, add a lab member."""

from __future__ import annotations

from django import forms

from paperfeed.follows.models import PaperLink


class ClaimForm(forms.Form):
    """Which of the paper's authors you are."""

    author = forms.TypedChoiceField(coerce=int, label="I am", choices=())

    def __init__(self, *args, authors: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["author"].choices = authors


class LinkForm(forms.Form):
    """A project page, dataset or model link (checked again by the service)."""

    kind = forms.ChoiceField(choices=PaperLink.Kind.choices)
    url = forms.CharField(max_length=1000, label="URL",
                          widget=forms.URLInput(attrs={"placeholder": "https://…"}))
    title = forms.CharField(max_length=200, required=False, label="Title (optional)")


class MemberForm(forms.Form):
    """Add an account to a lab."""

    username = forms.CharField(max_length=150)
    is_admin = forms.BooleanField(required=False, label="lab admin")
