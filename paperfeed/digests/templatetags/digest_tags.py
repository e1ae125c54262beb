"""Template tags for digests: {% subscribe_form %} shown on every page."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def subscribe_form(context) -> str:
    """Email-only subscribe form (stub until the digests work lands)."""
    return ""
