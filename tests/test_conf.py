"""The one settings table (paperfeed/conf.py): parsing, the documented table, and the names the code reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import global_settings

from paperfeed import conf

REPO = Path(__file__).resolve().parent.parent
SETTINGS_DOC = REPO / "docs" / "settings.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"

# `settings.NAME` and `getattr(settings, "NAME"...)`: the two ways code reads a Django setting.
READ = re.compile(r"\bsettings\.([A-Z][A-Z0-9_]*)\b|getattr\(\s*settings\s*,\s*[\"']([A-Z][A-Z0-9_]*)[\"']")


def documented_table() -> str:
    """The table between the markers of docs/settings.md."""
    text = SETTINGS_DOC.read_text(encoding="utf-8")
    assert START in text and END in text, f"{SETTINGS_DOC} lacks the {START} / {END} markers"
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def test_docs_settings_table_matches_conf():
    assert documented_table() == conf.markdown_table().strip(), (
        "docs/settings.md is out of date: regenerate the table between its markers with "
        "`python -m paperfeed.conf`"
    )


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("DEBUG", "1", True),
        ("DEBUG", "yes", True),
        ("DEBUG", " On ", True),
        ("DEBUG", "0", False),
        ("DEBUG", "false", False),
        ("DEBUG", "", False),
        ("PORT", "8080", 8080),
        ("PAGE_CACHE_SECONDS", "0.5", 0.5),
        ("PAGE_CACHE_SECONDS", "3", 3.0),
        ("ALLOWED_HOSTS", "a.example, b.example,,", ["a.example", "b.example"]),
        ("ALLOWED_HOSTS", "", []),
        ("SITE_NAME", "  papers  ", "papers"),
    ],
)
def test_load_parses_each_type(name, raw, expected):
    values = conf.load({conf.BY_NAME[name].variable: raw})
    assert values[name] == expected
    assert type(values[name]) is type(expected)


@pytest.mark.parametrize(
    ("name", "raw"),
    [("DEBUG", "maybe"), ("PORT", "eighty"), ("PORT", "8.5"), ("PAGE_CACHE_SECONDS", "soon")],
)
def test_load_rejects_garbage_naming_the_variable(name, raw):
    variable = conf.BY_NAME[name].variable
    with pytest.raises(conf.SettingError, match=variable):
        conf.load({variable: raw})


def test_load_gives_defaults_and_never_shares_lists():
    first, second = conf.load({}), conf.load({})
    assert first.keys() == {s.name for s in conf.SETTINGS}
    assert first["PORT"] == conf.BY_NAME["PORT"].default
    first["ALLOWED_HOSTS"].append("evil.example")
    assert "evil.example" not in second["ALLOWED_HOSTS"]
    assert "evil.example" not in conf.BY_NAME["ALLOWED_HOSTS"].default


def test_database_url_keeps_its_usual_name():
    assert conf.BY_NAME["DATABASE_URL"].variable == "DATABASE_URL"
    assert conf.load({"DATABASE_URL": "postgres://x/y"})["DATABASE_URL"] == "postgres://x/y"


def test_every_setting_read_by_the_code_is_in_the_table():
    known = {s.name for s in conf.SETTINGS} | {n for n in dir(global_settings) if n.isupper()}
    unknown = []
    for path in sorted((REPO / "paperfeed").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in READ.finditer(line):
                name = match.group(1) or match.group(2)
                if name not in known:
                    unknown.append(f"{path.relative_to(REPO)}:{lineno}: settings.{name}")
    assert not unknown, "settings read but not in paperfeed/conf.py (add a row there):\n" + "\n".join(unknown)
