"""Keyword retrieval (BM25): the interface (base.py), its backends and the factory that picks one."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .auto import AutoKeywordIndex
from .base import KeywordIndex


def get_keyword_index(using: str = "default") -> KeywordIndex:
    """Return the keyword backend chosen by ``settings.KEYWORD_BACKEND`` (a dotted class path).

    Empty: ``AutoKeywordIndex`` (FTS5, or tantivy past ``KEYWORD_TANTIVY_THRESHOLD`` papers);
    settings.py names the PostgreSQL backend on PostgreSQL.
    """
    if settings.KEYWORD_BACKEND:
        return import_string(settings.KEYWORD_BACKEND)(using)
    return AutoKeywordIndex(using)
