"""Template tags for community widgets: {% vote_button paper %}, {% vote_sparkline paper %}."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def vote_button(context, paper) -> str:
    """Upvote button for a paper (stub: renders nothing until the community work lands)."""
    return ""


@register.simple_tag
def vote_sparkline(paper) -> str:
    """Small SVG of the paper's vote history (stub)."""
    return ""


@register.simple_tag(takes_context=True)
def paper_actions(context, paper) -> str:
    """Vote button, add-to-collection and submit actions for a paper page (stub)."""
    return ""
