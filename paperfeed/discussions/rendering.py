"""Comment bodies: Markdown (markdown-it-py) with math kept as text, sanitised by nh3.

Pure: no Django. Math between ``$…$`` or ``$$…$$`` is left as escaped text, so the KaTeX
auto-render on every page typesets it and nothing inside it is read as Markdown. Raw HTML in a
body is never passed through (markdown-it's ``html`` option is off, so it shows as text), and
the result goes through nh3 with a short allow-list as a second line of defence.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

ALLOWED_TAGS = frozenset({
    "p", "br", "em", "strong", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
ALLOWED_CLASSES = {"a": {"mention"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Django usernames: letters, digits and @.+-_; a mention stops before a trailing dot ("thanks @ada.").
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]{1,150})", re.UNICODE)
LINK = re.compile(r"(?:https?://|www\.|mailto:)", re.IGNORECASE)


def mentioned_names(body: str) -> list[str]:
    """Usernames written as ``@name`` in ``body`` (as typed, in order, without duplicates)."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body):
        seen.setdefault(match.group(1).rstrip("."), None)
    return [name for name in seen if name]


def count_links(body: str) -> int:
    """How many links a body carries (absolute URLs, ``www.`` and ``mailto:``), for spam limits."""
    return len(LINK.findall(body))


def mention_url(username: str) -> str:
    """Where a mention of ``username`` links to: the user's public page."""
    return f"/users/{quote(username, safe='')}"


def _math_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``$…$`` or ``$$…$$`` becomes one text token (escaped, never parsed as Markdown)."""
    src, start = state.src, state.pos
    if src[start] != "$":
        return False
    delim = "$$" if src.startswith("$$", start) else "$"
    end = start + len(delim)
    while True:
        end = src.find(delim, end)
        if end == -1:
            return False
        if src[end - 1] != "\\":
            break
        end += 1
    if end == start + len(delim):
        return False  # "$$" alone, or "$$$$": not math
    if not silent:
        token = state.push("math_text", "", 0)
        token.content = src[start:end + len(delim)]
    state.pos = end + len(delim)
    return True


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``@name`` of a known user becomes a mention token."""
    src, start = state.src, state.pos
    if src[start] != "@" or (start > 0 and re.match(r"[\w@.+-]", src[start - 1])):
        return False
    match = MENTION.match(src, start)
    if not match:
        return False
    name = match.group(1).rstrip(".")
    known = state.env.get("mentions", {})
    canonical = known.get(name.lower())
    if canonical is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = canonical
    state.pos = start + 1 + len(name)
    return True


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["strikethrough", "table"])
    md.inline.ruler.before("escape", "math_text", _math_rule)
    md.inline.ruler.before("escape", "mention", _mention_rule)
    md.add_render_rule("math_text", lambda self, tokens, idx, options, env: escapeHtml(tokens[idx].content))
    md.add_render_rule(
        "mention",
        lambda self, tokens, idx, options, env: (
            f'<a class="mention" href="{escapeHtml(mention_url(tokens[idx].content))}">@{escapeHtml(tokens[idx].content)}</a>'
        ),
    )
    return md


_MD = _parser()


def sanitise(html: str) -> str:
    """Keep only the allow-listed tags and attributes; links get ``rel="nofollow noopener ugc"``."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        allowed_classes={k: set(v) for k, v in ALLOWED_CLASSES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener ugc",
        strip_comments=True,
    )


def render(body: str, *, mentions: Mapping[str, str] | Iterable[str] = ()) -> str:
    """Safe HTML for a comment body; ``mentions`` are the known usernames (``@name`` links to them)."""
    known = dict(mentions) if isinstance(mentions, Mapping) else {n.lower(): n for n in mentions}
    return sanitise(_MD.render(body, {"mentions": known}))


def plain_text(html: str) -> str:
    """The text of rendered HTML, no tags (for mail and feed summaries)."""
    return html_lib.unescape(nh3.clean(html, tags=set())).strip()
