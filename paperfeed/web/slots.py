"""Per-reader slots: how signed-in readers share one cached page.

A page in ``settings.PAGE_CACHE_MEMBER_VIEWS`` is rendered once per cache interval for a stand-in
signed-in reader (``stand_in_user()``: no votes, no notifications, nothing personal). Every tag
whose output depends on the reader calls ``mark()`` during that render instead of asking the
database: it returns a marker and keeps the tag's possible outputs (its *variants*, e.g. a vote
button voted and not voted). Each request then asks the slot's provider, registered under the
slot's name by the app that owns the data, which variant (or which escaped text) this reader gets,
with one query per slot name for the whole page: the shared bytes never hold anyone's data.

A page is not shared (each reader gets a full render) when its view is not listed, when its render
used a slot without a registered provider, or when something asked the stand-in anything personal
(its id, name, permissions): a tag that is not slot-aware, whose empty answer must not reach anyone.

A tag becomes slot-aware like ``vote_button`` (community_tags) or ``notification_bell``::

    if slots.shared_render(request):   # no query about the stand-in
        return slots.mark(request, "vote", paper.pk, (html_not_voted, html_voted))
    ...                                # the usual per-request render

    slots.register("vote", lambda user, args: {arg: 1 for arg in <args the user voted for>})

Variants are plain HTML (form tokens in them are replaced per request like the page's) and hold no
other slot; a provider answers all of a page's args of its name at once (``ids_among`` and
``count_of`` are the cheap queries for it) and returns escaped HTML where the slot has no variants.
A form in such HTML puts ``CSRF_TOKEN`` in its token's value: each response gets the reader's token
there, by the same replace as the page's tokens.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Model
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# provider(user, args) -> {arg: index into the slot's variants, or escaped HTML for that arg}
Provider = Callable[[object, Sequence[str]], dict[str, "int | str"]]

_PROVIDERS: dict[str, Provider] = {}
# The form token in a provider's HTML; "<" cannot come out of escape(), so data cannot forge it.
CSRF_TOKEN = "<pf-csrf-token>"
_ATTR = "_pf_member_slots"  # on the request while a shared page renders: (nonce, [slots])


def register(name: str, provider: Provider) -> None:
    """Make ``provider`` answer the slots called ``name`` (idempotent; the last one wins)."""
    _PROVIDERS[name] = provider


def provider(name: str) -> Provider | None:
    """The provider registered for ``name``, if any."""
    return _PROVIDERS.get(name)


# What a shared page may know of its reader: the same for every signed-in, non-staff reader.
_COMMON = frozenset({"is_authenticated", "is_anonymous", "is_active", "is_staff", "is_superuser"})


class _StandIn(SimpleLazyObject):
    """A signed-in user with no row, that notes when code asks it anything personal (id, name, perms)."""

    def __getattr__(self, name: str):
        if name not in _COMMON:
            self.__dict__["_pf_asked"] = True
        return super().__getattr__(name)


def stand_in_user():
    """The reader a shared page is rendered for: signed in, no row, no data of anyone's.

    A tag that is not slot-aware reads its id (to query the reader's data), name or permissions:
    ``asked_about()`` is then true and the page is not shared (it would show the stand-in's empty
    state to everyone).
    """
    return _StandIn(lambda: get_user_model()(pk=0, username="", is_active=True))


def asked_about(user) -> bool:
    """Whether code asked the stand-in anything beyond "signed in, not staff" during the render."""
    return bool(user.__dict__.get("_pf_asked"))


def shared_render(request: HttpRequest | None) -> bool:
    """True while ``request`` renders a page shared by signed-in readers: tags must ``mark()``."""
    return request is not None and hasattr(request, _ATTR)


def begin(request: HttpRequest) -> str:
    """Start a shared render of ``request``; returns the render's marker nonce."""
    nonce = secrets.token_hex(8)  # data on the page cannot guess it, so cannot forge a marker
    setattr(request, _ATTR, (nonce, []))
    return nonce


def end(request: HttpRequest) -> list[tuple[str, str, tuple[bytes, ...]]]:
    """Finish a shared render; returns its slots (name, arg, variants) in marker order."""
    _, found = request.__dict__.pop(_ATTR)
    return found


def mark(request: HttpRequest, name: str, arg: object = "", variants: Sequence[str] = ()) -> SafeString:
    """A marker for a per-reader part; ``variants`` are its possible outputs (empty: text from the provider)."""
    nonce, found = getattr(request, _ATTR)
    found.append((name, str(arg), tuple(str(v).encode() for v in variants)))
    return mark_safe(f"<!--pf-slot:{nonce}:{len(found) - 1}-->")  # noqa: S308 - nonce and index only


def split(content: bytes, nonce: str) -> list[bytes | int]:
    """The page cut at its markers: static bytes and slot indexes, alternating."""
    pieces = re.split(rb"<!--pf-slot:" + nonce.encode() + rb":(\d+)-->", content)
    return [int(p) if i % 2 else p for i, p in enumerate(pieces)]


def fill(parts: Sequence[bytes | int], found: Sequence[tuple[str, str, tuple[bytes, ...]]], user,
         token_mark: bytes = b"") -> bytes | None:
    """The page for ``user``: each slot's variant (or text) as its provider says; None if one has none.

    ``CSRF_TOKEN`` in a provider's HTML becomes ``token_mark``, the page's own form-token mark.
    """
    by_name: dict[str, list[str]] = {}
    for name, arg, _ in found:
        by_name.setdefault(name, []).append(arg)
    answers: dict[str, dict[str, int | str]] = {}
    for name, args in by_name.items():
        answer = _PROVIDERS.get(name)
        if answer is None:
            return None
        answers[name] = answer(user, args)
    out = []
    for part in parts:
        if isinstance(part, bytes):
            out.append(part)
            continue
        name, arg, variants = found[part]
        value = answers[name].get(arg, 0)
        if isinstance(value, str):
            out.append(value.encode().replace(_CSRF_BYTES, token_mark) if token_mark else value.encode())
        else:
            out.append(variants[value] if variants else b"")
    return b"".join(out)


_CSRF_BYTES = CSRF_TOKEN.encode()


def ids_among(model: type[Model], *, user_id: int, ids: set[int], user_field: str = "user",
              id_field: str = "paper") -> set[int]:
    """Which of ``ids`` have a ``model`` row of the reader's: a range over its (user, id) index.

    Plain SQL from the model's own names, on PostgreSQL and SQLite alike: providers run on every
    signed-in request, and the ORM takes about 20 times as long to build this query as the
    database takes to answer it.
    """
    if not ids:
        return set()
    conn = connections[router.db_for_read(model)]
    quote, meta = conn.ops.quote_name, model._meta
    column = quote(meta.get_field(id_field).column)
    sql = (f"SELECT {column} FROM {quote(meta.db_table)} "
           f"WHERE {quote(meta.get_field(user_field).column)} = %s AND {column} BETWEEN %s AND %s")
    with conn.cursor() as cursor:
        cursor.execute(sql, [user_id, min(ids), max(ids)])
        return {row[0] for row in cursor.fetchall()} & ids


def count_of(model: type[Model], *, user_id: int, user_field: str = "user", unset: str = "") -> int:
    """How many ``model`` rows the reader has (with the field ``unset`` NULL): plain SQL, as ids_among."""
    conn = connections[router.db_for_read(model)]
    quote, meta = conn.ops.quote_name, model._meta
    sql = f"SELECT COUNT(*) FROM {quote(meta.db_table)} WHERE {quote(meta.get_field(user_field).column)} = %s"
    if unset:
        sql += f" AND {quote(meta.get_field(unset).column)} IS NULL"
    with conn.cursor() as cursor:
        cursor.execute(sql, [user_id])
        return cursor.fetchone()[0]


def slot_ids(args: Sequence[str]) -> set[int]:
    """The integer args of a slot name (paper ids, say); others are ignored."""
    return {int(a) for a in args if a.isdigit()}


def _username(user, args: Sequence[str]) -> dict[str, str]:
    return {arg: escape(user.get_username()) for arg in args}


register("username", _username)
