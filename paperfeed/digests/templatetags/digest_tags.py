"""Template tags for digests: {% subscribe_form %} shown on every page."""

from django import template

register = template.Library()


@register.inclusion_tag("digests/_subscribe_form.html", takes_context=True)
def subscribe_form(context) -> dict:
    """Email-only subscribe form posting to /subscribe (with the page's CSRF token).

    Rendered inside the page's context: ``render_to_string`` with the request ran every context
    processor a second time, for each page.
    """
    return {"csrf_token": context.get("csrf_token")}
