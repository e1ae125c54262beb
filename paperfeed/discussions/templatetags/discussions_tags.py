"""Template tags: {% comment_count paper %} on list items, {% discussion paper %} on the paper page."""

from __future__ import annotations

from html import escape

from django import template
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from paperfeed.discussions import services
from paperfeed.discussions.html import Viewer, thread_html

register = template.Library()


@register.simple_tag
def comment_count(paper) -> SafeString:
    """A link to the paper's discussion with its count (the denormalised column: no query)."""
    n = int(getattr(paper, "comment_count", 0) or 0)
    url = escape(getattr(paper, "url", None) or paper.get_absolute_url())
    label = "discuss" if n == 0 else f"{n} comment{'s' if n != 1 else ''}"
    # An f-string, not format_html: this runs for every item of every list page.
    return mark_safe(f'<a class="meta-link comment-count" href="{url}#discussion" data-comments="{n}">{label}</a>')  # noqa: S308


@register.simple_tag(takes_context=True)
def discussion(context, paper) -> SafeString:
    """The paper's discussion: the thread (sorted by ?sort=top|new) and, for verified accounts, the form."""
    request = context.get("request")
    user = getattr(request, "user", None)
    sort = request.GET.get("sort", "top") if request is not None else "top"
    sort = sort if sort in services.SORTS else "top"
    problem = services.writer_problem(user)
    paper_url = getattr(paper, "url", None) or paper.get_absolute_url()
    locked = services.is_locked(paper)
    nodes = services.thread(paper=paper, sort=sort, viewer=user)
    viewer = Viewer(paper_url=paper_url, csrf_token=get_token(request) if request is not None else "",
                    can_write=not problem, signed_in=bool(user is not None and user.is_authenticated), locked=locked)
    return get_template("discussions/_thread.html").render({
        "paper": paper, "paper_url": paper_url, "nodes": nodes, "sort": sort, "problem": problem,
        "can_write": viewer.can_write, "locked": locked, "signed_in": viewer.signed_in, "csrf_token": viewer.csrf_token,
        "comments_html": thread_html(nodes, viewer) if nodes else "",
    })
