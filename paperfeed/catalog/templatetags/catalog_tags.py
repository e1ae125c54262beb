"""Template filters for catalogue pages."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def http_url(value: object) -> str:
    """``value`` if it is an http(s) URL, else ``#``: data never gets a ``javascript:`` link."""
    text = str(value or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return "#"
    return text if scheme in ("http", "https") else "#"


@register.simple_tag
def author_list(links, limit: int = 0, profiles: dict[str, str] | None = None) -> str:
    """Comma-separated author names, linked where they have a page; ``limit`` > 0 adds "+N more".

    ``profiles`` maps an author page's URL to a member's page (a claimed authorship, given by the
    follows app's ``claimed_author_list``); those names link to the member instead.
    One tag instead of a template loop: a listing renders hundreds of names.
    """
    links = list(links or [])
    shown = links[:limit] if limit > 0 else links
    profiles = profiles or {}
    parts = []
    for name, url in shown:
        if url and url in profiles:
            parts.append(format_html('<a class="claimed-author" href="{}">{}</a>', profiles[url], name))
        elif url:
            parts.append(format_html('<a href="{}">{}</a>', url, name))
        else:
            parts.append(format_html("<span>{}</span>", name))
    html = mark_safe(", ".join(conditional_escape(part) for part in parts))  # every part escaped above
    if len(links) > len(shown):
        html += format_html(', <span class="more">+{} more</span>', len(links) - len(shown))
    return html


@register.simple_tag
def picked_by(paper) -> str:
    """The "Picked by NAME" note of a decorated pick (an HF user name links to its HF profile); "" otherwise.

    A tag rather than an include: every list item renders it.
    """
    if not getattr(paper, "picked_at", None):
        return ""
    name = getattr(paper, "picker", "")
    if not name:
        return format_html('<span class="picked-by">Picked</span>')
    if paper.picker_is_member:
        return format_html('<span class="picked-by">Picked by <span class="picker">{}</span></span>', name)
    return format_html(
        '<span class="picked-by">Picked by <a class="picker" href="https://huggingface.co/{}" rel="nofollow noopener" '
        'title="{} on Hugging Face">{}</a></span>', quote(name, safe=""), name, name,
    )
