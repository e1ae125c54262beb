"""Author keys: normalised, URL-safe, stable."""

import pytest

from paperfeed.catalog.authors import author_key, author_slug


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Ada Lovelace", "ada-lovelace"),
        ("  Ada   LOVELACE ", "ada-lovelace"),
        ("C. Balázs", "c-balazs"),
        ("Émilie du Châtelet", "emilie-du-chatelet"),
        ("Jean-Pierre  Serre", "jean-pierre-serre"),
        ("O'Brien, J.", "o-brien-j"),
        ("王 伟", "王-伟"),
        ("Ａｄａ", "ada"),
        ("a/b?c#d", "a-b-c-d"),
        ("...", ""),
    ],
)
def test_author_key(name, key):
    assert author_key(name) == key
    assert author_slug(name) == key


def test_key_is_bounded():
    assert len(author_key("x" * 1000)) == 200


def test_casefold_accents_are_stripped_too():
    assert author_key("İlker Öztürk") == "ilker-ozturk"


try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the test extras
    given = None

if given:

    @given(st.text(max_size=60))
    def test_key_is_idempotent_and_url_safe(name):
        key = author_key(name)
        assert author_key(key) == key
        assert "/" not in key and "?" not in key and "#" not in key and " " not in key
        assert not key.startswith("-") and not key.endswith("-")
