"""The mail-preferences form."""

from __future__ import annotations

from django import forms

from .models import Preferences


class PreferencesForm(forms.ModelForm):
    """Which notifications also come by email."""

    class Meta:
        model = Preferences
        fields = ["email_reply", "email_mention", "email_submitted", "email_followed"]
