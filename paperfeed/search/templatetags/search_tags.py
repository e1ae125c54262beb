"""Template tags for search widgets: {% similar_papers paper %}."""

from __future__ import annotations

import logging

from django import template
from django.db import InterfaceError, OperationalError
from django.template.loader import render_to_string

from paperfeed.search.services import similar_papers as find_similar

register = template.Library()
log = logging.getLogger(__name__)


@register.simple_tag
def similar_papers(paper, limit: int = 6) -> str:
    """"Similar papers" block: nearest neighbours of the paper's embedding; empty if it has none yet."""
    try:
        papers = find_similar(paper, limit=int(limit))
    except (OperationalError, InterfaceError) as exc:  # the database went away mid-page: no traceback per page
        log.warning("similar papers unavailable for %s: database unavailable (%s)", paper.pk, type(exc).__name__)
        return ""
    except Exception:  # a search failure must never break the paper page
        log.exception("similar papers failed for %s", paper.pk)
        return ""
    if not papers:
        return ""
    return render_to_string("search/similar_papers.html", {"papers": papers})
