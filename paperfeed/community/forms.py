"""Forms for submissions and collections."""

from __future__ import annotations

from django import forms

MAX_IMPORT_BYTES = 256 * 1024


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
