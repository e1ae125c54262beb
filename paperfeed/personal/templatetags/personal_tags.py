"""Template tags for the personal hooks: {% personal_nav %}, {% personal_item paper %}, {% personal_paper paper %}.

They render nothing personal for anonymous readers, so the anonymous page cache stays intact; on a
page shared by signed-in readers (web/slots.py) the read state and the note are slots.
"""

from __future__ import annotations

from django import template
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from paperfeed.personal import services
from paperfeed.personal.models import FeedProfile, Note, ReadMark
from paperfeed.web import slots

register = template.Library()


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


def _state(request) -> dict:
    """Per request: read ids and whether to hide them (a list page renders many items)."""
    if not hasattr(request, "_personal_state"):
        request._personal_state = {"read": services.read_ids(request.user), "hide": services.hides_seen(request.user),
                                   "csrf": get_token(request)}
    return request._personal_state


def _assets(request) -> SafeString:
    if getattr(request, "_personal_assets", False):
        return SafeString("")
    request._personal_assets = True
    return format_html('<link rel="stylesheet" href="{}">', static("personal/personal.css"))


@register.simple_tag(takes_context=True)
def personal_nav(context) -> SafeString:
    """The For-you link; on the search page, a "save this search" button for signed-in readers."""
    request = context.get("request")
    current = request is not None and request.path.startswith("/for-you")
    link = format_html('<li><a href="/for-you"{}>For you</a></li>', SafeString(' aria-current="page"') if current else "")
    if not _signed_in(request) or request.resolver_match is None or request.resolver_match.view_name != "search:search":
        return link
    params = {k: request.GET.get(k, "") for k in services.SEARCH_KEYS if request.GET.get(k)}
    if not params:
        return link
    return link + SafeString(render_to_string("personal/_save_search.html",
                                              {"params": params, "csrf_token": get_token(request)}))


# Built with f-strings from values escaped once, not from a template or format_html: a For-you page
# holds 50 items of 4–6 forms each, and this tag was the most expensive part of the page.
def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{value}">'


def _form(action: str, token: str, hidden: str, label: str, css: str, pressed: str = "") -> str:
    aria = f' aria-pressed="{pressed}"' if pressed else ""
    return (f'<form method="post" action="{action}" class="pf-inline"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{token}">{hidden}<button type="submit" class="link-button {css}"{aria}>{label}</button></form>')


@register.simple_tag(takes_context=True)
def personal_item(context, paper) -> SafeString:
    """On a list item: its For-you reasons (with drop buttons), read state and "not interested"."""
    request = context.get("request")
    if not _signed_in(request):
        return SafeString("")
    if slots.shared_render(request):
        # A page shared by signed-in readers: the read state is a slot (no query for the stand-in).
        token, assets = get_token(request), _assets(request)  # the assets in every variant of the first item
        return slots.mark(request, "personal:read", paper.pk, (
            _item_html(request, paper, token, assets, read=False, hide=False),
            _item_html(request, paper, token, assets, read=True, hide=False),
            _item_html(request, paper, token, assets, read=True, hide=True),
        ))
    state = _state(request)
    return _item_html(request, paper, state["csrf"], _assets(request), read=paper.pk in state["read"],
                      hide=state["hide"])


def _read_selects(user_id: int, args) -> list[slots.Select]:
    """Slot provider's queries: the reader's read marks among ``args`` and services.hides_seen's question."""
    return [slots.ids_select(ReadMark, user_id=user_id, ids=slots.slot_ids(args)),
            slots.flag_select(FeedProfile, user_id=user_id, flag="hide_seen")]


def _read_slots(rows, args) -> dict[str, int]:
    """Slot provider: 1 for the papers among ``args`` the reader read, 2 when they hide those."""
    variant = 2 if rows[1] else 1
    return {str(pk): variant for pk in slots.ids_in(rows[0], slots.slot_ids(args))}


slots.register_batched("personal:read", selects=_read_selects, answer=_read_slots)


def _item_html(request, paper, token: str, assets: SafeString, *, read: bool, hide: bool) -> SafeString:
    # The per-request parts (URLs, the token, the next field) are escaped once; per item only its own values.
    fixed = _per_request(request, "_personal_fixed", lambda: _fixed_parts(request, token))
    parts = [assets]
    if read and hide:
        parts.append('<span class="pf-seen-hidden" hidden></span>')
    reasons = getattr(paper, "pf_reasons", ())
    if reasons:
        items = "".join(f'<li class="pf-reason">{escape(r.text)}{_drop_form(fixed, r.key)}</li>' for r in reasons)
        parts.append(f'<ul class="pf-reasons" aria-label="Why this paper">{items}</ul>')
    read_hidden = _hidden("paper", escape(paper.arxiv_id)) + fixed["next"] + (_hidden("unread", "1") if read else "")
    first = (paper.authors or [""])[0]
    nots = _form(fixed["not_interested"], fixed["token"], _hidden("kind", "paper") + _hidden("value", str(paper.pk))
                 + _hidden("label", escape(paper.title[:200])) + fixed["next"], "this paper", "pf-not-paper")
    if first:
        name = escape(first)
        nots += _form(fixed["not_interested"], fixed["token"], _hidden("kind", "author") + _hidden("value", name)
                      + _hidden("label", name) + fixed["next"], f"papers by {name}", "pf-not-author")
    read_form = _form(fixed["read"], fixed["token"], read_hidden, "✓ read" if read else "mark read", "pf-read",
                      "true" if read else "false")
    parts.append(f'<div class="pf-item-actions">{read_form}<details class="pf-more">'
                 f"<summary>not interested…</summary>{nots}</details></div>")
    return SafeString("".join(parts))


def _drop_form(fixed: dict[str, str], key: str) -> str:
    if key == "trending":
        return ""
    return _form(fixed["drop"], fixed["token"], _hidden("key", escape(key)) + fixed["next"], "drop", "pf-drop")


def _fixed_parts(request, token: str) -> dict[str, str]:
    """The escaped parts every item of one page shares."""
    fixed = {name: escape(reverse(f"personal:{name}")) for name in ("drop", "read", "not_interested")}
    return fixed | {"token": escape(token), "next": _hidden("next", escape(request.get_full_path()))}


def _per_request(request, name: str, make):
    if not hasattr(request, name):
        setattr(request, name, make())
    return getattr(request, name)


@register.simple_tag(takes_context=True)
def personal_paper(context, paper) -> SafeString:
    """On a paper page: the reader's private note, read state and "not interested"."""
    request = context.get("request")
    if not _signed_in(request):
        return SafeString("")
    ctx = {"paper": paper, "csrf_token": get_token(request), "next": request.get_full_path(),
           "assets": _assets(request), "authors": (paper.authors or [])[:8]}
    if slots.shared_render(request):
        # A page shared by signed-in readers: read state and note are slots (no query for the stand-in).
        ctx["read_form"] = slots.mark(request, "personal:paper-read", paper.pk, tuple(
            render_to_string("personal/_paper_read.html", {**ctx, "read": read}) for read in (False, True)))
        ctx["note_slot"] = slots.mark(request, "personal:note", paper.pk)
    else:
        ctx |= {"read": services.is_read(request.user, paper), "note": services.note_for(request.user, paper)}
    return SafeString(render_to_string("personal/_paper.html", ctx))


def _paper_read_selects(user_id: int, args) -> list[slots.Select]:
    """Slot provider's query: the reader's read marks among the papers of ``args``."""
    return [slots.ids_select(ReadMark, user_id=user_id, ids=slots.slot_ids(args))]


def _paper_read_slots(rows, args) -> dict[str, int]:
    """Slot provider: 1 (read) for the papers among ``args`` the reader marked read."""
    return {str(pk): 1 for pk in slots.ids_in(rows[0], slots.slot_ids(args))}


def _note_slots(user, args) -> dict[str, str]:
    """Slot provider: the reader's note on each paper among ``args``, escaped for its textarea."""
    rows = Note.objects.filter(user_id=user.pk, paper_id__in=slots.slot_ids(args)).values_list("paper_id", "text")
    return {str(pk): escape(text) for pk, text in rows}


slots.register_batched("personal:paper-read", selects=_paper_read_selects, answer=_paper_read_slots)
slots.register("personal:note", _note_slots)
