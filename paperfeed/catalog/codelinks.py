"""Code links in abstracts and comments: GitHub, GitLab, Hugging Face and project pages (pure).

``extract_code_links(text)`` finds them; ``normalise_code_url(url)`` gives the canonical form
(``https://github.com/owner/repo`` with no ``.git``, fragment, sub-path or trailing punctuation)
and the kind, or ``None`` for a URL that is not a code link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

GITHUB, GITLAB, HUGGINGFACE, PROJECT = "github", "gitlab", "huggingface", "project"

_URL_CHARS = r"[^\s<>\"'`{}|\\^]+"
# Two scans, each cheap: URLs with a scheme, and bare code hosts ("see github.com/a/b").
_SCHEME_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://" + _URL_CHARS)
_BARE_HOST = re.compile(r"(?<![\w./@:-])(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/" + _URL_CHARS, re.I)
_BARE_HINTS = ("github.com/", "gitlab.com/", "huggingface.co/")
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "[", "}": "{"}
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_GITHUB_RESERVED = {
    "about", "apps", "collections", "contact", "customer-stories", "enterprise", "events", "explore",
    "features", "login", "marketplace", "new", "notifications", "orgs", "pricing", "search", "settings",
    "site", "sponsors", "topics", "trending", "users",
}
_HF_PREFIXES = {"datasets", "spaces"}
_HF_RESERVED = {
    "api", "blog", "chat", "collections", "docs", "join", "learn", "login", "models", "organizations",
    "papers", "posts", "pricing", "settings", "tasks",
}
_PAGE_HOSTS = (".github.io", ".gitlab.io", ".pages.dev", ".netlify.app", ".vercel.app", ".hf.space")
_PAGE_HINT = re.compile(r"(?:project|home|web)\s*(?:page|site)|website|demo|page\s+at|available\s+at|code", re.I)


def extract_code_links(text: str | None) -> list[tuple[str, str]]:
    """Return ``[(url, kind), …]`` for each distinct code link in ``text``, in order of appearance."""
    if not text:
        return []
    bare = False
    if ".co" in text or ".CO" in text:  # github.com/, gitlab.com/ and huggingface.co/ all hold ".co"
        lowered = text.lower()
        bare = any(h in lowered for h in _BARE_HINTS)
    if not bare and "://" not in text:
        return []
    if "\\" in text:  # LaTeX escapes inside \url{…}
        text = text.replace("\\_", "_").replace("\\%", "%").replace("\\~", "~").replace("\\#", "#")
    matches = list(_SCHEME_URL.finditer(text))
    if bare:
        matches = sorted(matches + list(_BARE_HOST.finditer(text)), key=lambda m: m.start())
    found: dict[str, tuple[str, str]] = {}
    for m in matches:
        hinted = bool(_PAGE_HINT.search(text, max(0, m.start() - 40), m.start()))
        link = normalise_code_url(m.group(0), project_hint=hinted)
        if link and link[0].lower() not in found:
            found[link[0].lower()] = link
    return list(found.values())


def normalise_code_url(url: str, *, project_hint: bool = True) -> tuple[str, str] | None:
    """Canonical ``(url, kind)`` for a code or project-page URL, or ``None``.

    Any http(s) URL counts as a project page only when ``project_hint`` is true (e.g. it follows
    "project page:" in the text, or a source such as Hugging Face labels it so) or its host is a
    static-pages host (``*.github.io`` …).
    """
    url = _strip_trailing(url.strip())
    if not re.match(r"https?://", url, re.I):
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    host = host.removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host == "github.com":
        return _github(segments)
    if host == "gitlab.com" or host.startswith("gitlab."):
        return _gitlab(host, segments)
    if host == "huggingface.co" or host == "hf.co":
        return _huggingface(segments)
    if host.endswith(_PAGE_HOSTS) or project_hint:
        path = "/".join(segments)
        query = f"?{parts.query}" if parts.query else ""
        return f"{parts.scheme.lower()}://{host}/{path}{query}", PROJECT
    return None


def _github(segments: list[str]) -> tuple[str, str] | None:
    if len(segments) < 2 or segments[0].lower() in _GITHUB_RESERVED:
        return None
    owner, repo = segments[0], _repo_name(segments[1])
    if not (_OWNER.fullmatch(owner) and repo and _REPO.fullmatch(repo)):
        return None
    return f"https://github.com/{owner}/{repo}", GITHUB


def _gitlab(host: str, segments: list[str]) -> tuple[str, str] | None:
    if "-" in segments:  # /group/project/-/tree/main: the project path ends before "/-/"
        segments = segments[: segments.index("-")]
    segments = segments[:4]
    if len(segments) < 2 or segments[0] in {"explore", "users", "help", "dashboard"}:
        return None
    segments[-1] = _repo_name(segments[-1])
    if not all(_REPO.fullmatch(s) for s in segments):
        return None
    return f"https://{host}/{'/'.join(segments)}", GITLAB


def _huggingface(segments: list[str]) -> tuple[str, str] | None:
    prefix = []
    if segments and segments[0] in _HF_PREFIXES:
        prefix, segments = [segments[0]], segments[1:]
    if len(segments) < 2 or segments[0] in _HF_RESERVED:
        return None
    owner, name = segments[0], _repo_name(segments[1])
    if not (_REPO.fullmatch(owner) and name and _REPO.fullmatch(name)):
        return None
    return f"https://huggingface.co/{'/'.join([*prefix, owner, name])}", HUGGINGFACE


def _repo_name(name: str) -> str:
    name = _strip_trailing(name)
    return name[:-4] if name.lower().endswith(".git") else name


def _strip_trailing(url: str) -> str:
    """Drop a fragment and trailing punctuation; keep a closing bracket only when it is balanced."""
    url = url.split("#", 1)[0]
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(_PAIRS[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return url
