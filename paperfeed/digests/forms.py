"""Forms: subscribe (email only) and preferences."""

from __future__ import annotations

import re

from django import forms

from .compose import MAX_SIZE, MIN_SIZE
from .models import Subscriber

_CATEGORY = re.compile(r"^[A-Za-z\-]+(\.[A-Za-z\-]*)?$")
WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"), (6, "Sunday")]


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"placeholder": "you@example.org", "autocomplete": "email"}))


def _split(raw: str, *, sep: str = ",") -> list[str]:
    return [p.strip() for p in re.split(rf"[{sep}\n]", raw or "") if p.strip()]


class PreferencesForm(forms.ModelForm):
    """Frequency, size, categories, topics and (account holders) 'use my votes'."""

    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, required=False, help_text="For weekly digests.")
    size = forms.IntegerField(min_value=MIN_SIZE, max_value=MAX_SIZE, help_text=f"{MIN_SIZE}–{MAX_SIZE} papers.")
    include_categories = forms.CharField(
        required=False, help_text="Comma-separated arXiv categories; 'cs.' means all of cs. Empty: all."
    )
    exclude_categories = forms.CharField(required=False, help_text="Comma-separated; never show these.")
    topics = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One topic per line, e.g. 'diffusion for video', 'tensor compilers'.",
    )

    class Meta:
        model = Subscriber
        fields = ["frequency", "weekday", "size", "include_categories", "exclude_categories", "topics", "use_my_votes"]

    def __init__(self, *args, allow_votes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            for name in ("include_categories", "exclude_categories"):
                self.initial[name] = ", ".join(getattr(self.instance, name) or [])
            self.initial["topics"] = "\n".join(self.instance.topics or [])
        if not allow_votes:
            del self.fields["use_my_votes"]

    def _categories(self, name: str) -> list[str]:
        cats = _split(self.cleaned_data.get(name, ""))
        bad = [c for c in cats if not _CATEGORY.match(c)]
        if bad:
            raise forms.ValidationError(f"Not an arXiv category: {', '.join(bad)} (write e.g. cs.LG or cs.)")
        return cats[:50]

    def clean_include_categories(self) -> list[str]:
        return self._categories("include_categories")

    def clean_exclude_categories(self) -> list[str]:
        return self._categories("exclude_categories")

    def clean_topics(self) -> list[str]:
        topics = [t[:100] for t in _split(self.cleaned_data.get("topics", ""), sep="")]
        if len(topics) > 20:
            raise forms.ValidationError("At most 20 topics.")
        return topics

    def clean_weekday(self) -> int:
        value = self.cleaned_data.get("weekday")
        return self.instance.weekday if value in (None, "") else value
