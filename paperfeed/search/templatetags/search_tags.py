"""Template tags for search widgets: {% similar_papers paper %}."""

from django import template

register = template.Library()


@register.simple_tag
def similar_papers(paper, limit: int = 6) -> str:
    """"Similar papers" block for a paper page (stub until the search work lands)."""
    return ""
