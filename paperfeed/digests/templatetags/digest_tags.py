"""Template tags for digests: {% subscribe_form %} shown on every page."""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def subscribe_form(context) -> str:
    """Email-only subscribe form posting to /subscribe (with the page's CSRF token)."""
    return render_to_string("digests/_subscribe_form.html", {}, request=context.get("request"))
