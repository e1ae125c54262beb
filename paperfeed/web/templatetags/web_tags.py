"""{% reader_name %}: the signed-in reader's name in the header, a slot on shared pages."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from paperfeed.web import slots

register = template.Library()


@register.simple_tag(takes_context=True)
def reader_name(context) -> SafeString:
    """The reader's escaped username (a per-reader slot while a shared page renders)."""
    request = context.get("request")
    if slots.shared_render(request):
        return slots.mark(request, "username")
    user = getattr(request, "user", None) or context.get("user")
    return mark_safe(escape(user.get_username()) if user is not None else "")  # noqa: S308 - escaped
