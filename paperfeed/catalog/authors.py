"""Author identity: the normalised key behind ``/authors/<key>`` (pure)."""

from __future__ import annotations

import functools
import re

from paperfeed.catalog.sources.reading import strip_accents

MAX_KEY_CHARS = 200
_NON_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=200_000)
def author_key(name: str) -> str:
    """The lookup key for an author name, safe in a URL path segment.

    Accents stripped, case folded, every run of spaces or punctuation turned into one hyphen:
    ``"C. Balázs"`` -> ``"c-balazs"``, ``"Jean-Pierre  Serre"`` -> ``"jean-pierre-serre"``. Letters of
    other scripts are kept (``"王 伟"`` -> ``"王-伟"``). Returns ``""`` for a name with no letters
    or digits. ``Author.key`` holds this value and the author page is ``/authors/<key>``.
    """
    if name.isascii():
        folded = name.casefold()
    else:
        # Decompose first (NFKD turns "𝑨" into "A"), fold case, strip again: folding can itself
        # produce combining marks ("İ" -> "i̇").
        folded = strip_accents(strip_accents(name).casefold())
    return _NON_WORD.sub("-", folded).strip("-")[:MAX_KEY_CHARS].strip("-")


# The key is already slug-safe; the alias names that promise for callers building URLs.
author_slug = author_key
