"""Per-reader slots: how signed-in readers share one cached page.

A page in ``settings.PAGE_CACHE_MEMBER_VIEWS`` is rendered once per cache interval for a stand-in
signed-in reader (``stand_in_user()``: no votes, no notifications, nothing personal). Every tag
whose output depends on the reader calls ``mark()`` during that render instead of asking the
database: it returns a marker and keeps the tag's possible outputs (its *variants*, e.g. a vote
button voted and not voted). Each request then asks the slot's provider, registered under the
slot's name by the app that owns the data, which variant (or which escaped text) this reader gets,
for all of the page's slots of that name at once: the shared bytes never hold anyone's data.

A page is not shared (each reader gets a full render) when its view is not listed, when its render
used a slot without a registered provider, or when something asked the stand-in anything personal
(its id, name, permissions): a tag that is not slot-aware, whose empty answer must not reach anyone.

A tag becomes slot-aware like ``vote_button`` (community_tags) or ``notification_bell``::

    if slots.shared_render(request):   # no query about the stand-in
        return slots.mark(request, "vote", paper.pk, (html_not_voted, html_voted))
    ...                                # the usual per-request render

    slots.register_batched("vote", selects=lambda user_id, args: [slots.ids_select(Vote, ...)],
                           answer=lambda rows, args: {str(pk): 1 for pk in <ids in rows[0]>})

A provider registered with ``register_batched`` gives plain-SQL SELECTs (``ids_select``,
``count_select``, ``flag_select``) and reads their rows: a request runs the SELECTs of all of the
page's batched slots as one statement, so a daily page's votes, read marks and bell cost one query.
``register`` takes a plain function of (user, args) instead, for data no SELECT of two integers
gives (``ids_among`` and ``count_of`` run the same SELECTs alone).

Variants are plain HTML and hold no other slot; the page and its variants are stored cut at their
form tokens, so each response joins in the reader's token without searching the bytes. A provider
returns escaped HTML where the slot has no variants; a form in such HTML puts ``CSRF_TOKEN`` in its
token's value, and the response has the reader's token there.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass

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
    _BATCHED.pop(name, None)


@dataclass(frozen=True)
class Select:
    """One SELECT of two integer columns ``a`` and ``b`` over one reader's rows of ``model``."""

    model: type[Model]
    sql: str
    params: list


Rows = list[tuple[int, int]]


@dataclass(frozen=True)
class Batched:
    """A provider whose data comes from SELECTs run in one statement with the page's other slots'."""

    selects: Callable[[int, Sequence[str]], list[Select]]  # (reader's id, args) -> its SELECTs
    answer: Callable[[list[Rows], Sequence[str]], dict[str, "int | str"]]  # (rows of each SELECT, args)


_BATCHED: dict[str, Batched] = {}


def register_batched(name: str, *, selects: Callable[[int, Sequence[str]], list[Select]],
                     answer: Callable[[list[Rows], Sequence[str]], dict[str, int | str]]) -> None:
    """Make the slots called ``name`` answered from ``selects`` (run with the page's others) by ``answer``."""
    batched = _BATCHED[name] = Batched(selects, answer)
    _PROVIDERS[name] = lambda user, args: batched.answer(run(batched.selects(user.pk, args)), args)


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


# A cut page or variant: static bytes, None where the reader's form token goes, and (pages only)
# slot indexes. Cut once per cache interval, so a request joins pieces instead of searching bytes.
Piece = bytes | None | int


def split(content: bytes, nonce: str, token_mark: bytes = b"") -> list[Piece]:
    """The page cut at its markers: static bytes and slot indexes; None at each ``token_mark``."""
    pieces = re.split(rb"<!--pf-slot:" + nonce.encode() + rb":(\d+)-->", content)
    out: list[Piece] = []
    for i, piece in enumerate(pieces):
        out.extend([int(piece)] if i % 2 else at_tokens(piece, token_mark))
    return out


def at_tokens(content: bytes, token_mark: bytes) -> tuple[bytes | None, ...]:
    """``content`` cut at each ``token_mark``, None in its place (empty pieces dropped)."""
    if not token_mark or token_mark not in content:
        return (content,)
    out: list[bytes | None] = []
    for i, piece in enumerate(content.split(token_mark)):
        if i:
            out.append(None)
        if piece:
            out.append(piece)
    return tuple(out)


def fill(parts: Sequence[Piece], found: Sequence[tuple[str, str, tuple[tuple[bytes | None, ...], ...]]], user,
         token: bytes | Callable[[], bytes] = b"") -> bytes | None:
    """The page for ``user``: each slot's variant (or text) as its provider says; None if one has none.

    The reader's form ``token`` (or a function that makes it, called only when the page has a
    form) goes where ``parts`` and variants hold None and where a provider's HTML says ``CSRF_TOKEN``.
    """
    by_name: dict[str, list[str]] = {}
    for name, arg, _ in found:
        by_name.setdefault(name, []).append(arg)
    answers = _answers(by_name, user)
    if answers is None:
        return None
    out: list[bytes | None] = []
    append, extend = out.append, out.extend
    for part in parts:
        if part.__class__ is not int:
            append(part)
            continue
        name, arg, variants = found[part]
        value = answers[name].get(arg, 0)
        if isinstance(value, str):  # escape() gives SafeString
            extend(at_tokens(value.encode(), _CSRF_BYTES))
        elif variants:
            extend(variants[value])
    if None not in out:
        return b"".join(out)
    mine = token() if callable(token) else token
    return b"".join([mine if piece is None else piece for piece in out])


_CSRF_BYTES = CSRF_TOKEN.encode()


def _answers(by_name: dict[str, list[str]], user) -> dict[str, dict[str, int | str]] | None:
    """Each slot name's answers: the batched providers' SELECTs in one statement; None if one has no provider."""
    answers: dict[str, dict[str, int | str]] = {}
    batched = [(name, _BATCHED[name], args) for name, args in by_name.items() if name in _BATCHED]
    if batched:
        selects = [b.selects(user.pk, args) for _, b, args in batched]
        rows = iter(run([select for group in selects for select in group]))
        for (name, b, args), group in zip(batched, selects, strict=True):
            answers[name] = b.answer([next(rows) for _ in group], args)
    for name, args in by_name.items():
        if name in answers:
            continue
        answer = _PROVIDERS.get(name)
        if answer is None:
            return None
        answers[name] = answer(user, args)
    return answers


def run(selects: Sequence[Select]) -> list[Rows]:
    """The rows of each SELECT: one statement (a UNION ALL) per database they read."""
    by_alias: dict[str, list[int]] = {}
    for i, select in enumerate(selects):
        by_alias.setdefault(router.db_for_read(select.model), []).append(i)
    out: list[Rows] = [[] for _ in selects]
    for alias, indexes in by_alias.items():
        if len(indexes) == 1:
            sql, params = selects[indexes[0]].sql, selects[indexes[0]].params
        else:
            sql = " UNION ALL ".join(f"SELECT {n} AS pf_part, q.a, q.b FROM ({selects[i].sql}) q"
                                     for n, i in enumerate(indexes))
            params = [p for i in indexes for p in selects[i].params]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        if len(indexes) == 1:
            out[indexes[0]] = [tuple(row) for row in found]
        else:
            for part, a, b in found:
                out[indexes[part]].append((a, b))
    return out


def _quoted(model: type[Model]) -> tuple[str, Callable[[str], str]]:
    """The quoted table name of ``model`` and a function that quotes its fields' columns."""
    return _names(model, connections[router.db_for_read(model)].vendor)


@functools.lru_cache(maxsize=64)
def _names(model: type[Model], vendor: str) -> tuple[str, Callable[[str], str]]:
    quote, meta = connections[router.db_for_read(model)].ops.quote_name, model._meta
    return quote(meta.db_table), functools.cache(lambda name: quote(meta.get_field(name).column))


def ids_select(model: type[Model], *, user_id: int, ids: Set[int], user_field: str = "user",
               id_field: str = "paper") -> Select:
    """The reader's ``model`` rows with an id in the range of ``ids`` (a = the id): over its (user, id) index.

    Plain SQL from the model's own names, on PostgreSQL and SQLite alike: providers run on every
    signed-in request, and the ORM takes about 20 times as long to build this query as the
    database takes to answer it. Keep only ``ids`` of the answer (``ids_in``): it is a range.
    """
    table, column = _quoted(model)
    return Select(model, f"SELECT {column(id_field)} AS a, 0 AS b FROM {table} "
                         f"WHERE {column(user_field)} = %s AND {column(id_field)} BETWEEN %s AND %s",
                  [user_id, min(ids, default=1), max(ids, default=0)])


def ids_in(rows: Rows, ids: Set[int]) -> set[int]:
    """The ids of an ``ids_select`` that are among ``ids``."""
    return {a for a, _ in rows} & ids


def count_select(model: type[Model], *, user_id: int, user_field: str = "user", unset: str = "") -> Select:
    """How many ``model`` rows the reader has, with the field ``unset`` NULL if given (a = the count)."""
    table, column = _quoted(model)
    sql = f"SELECT COUNT(*) AS a, 0 AS b FROM {table} WHERE {column(user_field)} = %s"
    if unset:
        sql += f" AND {column(unset)} IS NULL"
    return Select(model, sql, [user_id])


def flag_select(model: type[Model], *, user_id: int, flag: str, user_field: str = "user") -> Select:
    """A row (1, 0) when the reader has a ``model`` row with the boolean field ``flag`` set."""
    table, column = _quoted(model)
    return Select(model, f"SELECT 1 AS a, 0 AS b FROM {table} WHERE {column(user_field)} = %s AND {column(flag)} = %s",
                  [user_id, True])


def ids_among(model: type[Model], *, user_id: int, ids: Set[int], user_field: str = "user",
              id_field: str = "paper") -> set[int]:
    """Which of ``ids`` have a ``model`` row of the reader's (``ids_select`` run alone)."""
    if not ids:
        return set()
    return ids_in(run([ids_select(model, user_id=user_id, ids=ids, user_field=user_field, id_field=id_field)])[0], ids)


def count_of(model: type[Model], *, user_id: int, user_field: str = "user", unset: str = "") -> int:
    """How many ``model`` rows the reader has (``count_select`` run alone)."""
    return run([count_select(model, user_id=user_id, user_field=user_field, unset=unset)])[0][0][0]


def slot_ids(args: Sequence[str]) -> frozenset[int]:
    """The integer args of a slot name (paper ids, say); others are ignored."""
    return _slot_ids(tuple(args))


@functools.lru_cache(maxsize=256)  # the same page's args on every request: parsed once per worker
def _slot_ids(args: tuple[str, ...]) -> frozenset[int]:
    return frozenset(int(a) for a in args if a.isdigit())


def _username(user, args: Sequence[str]) -> dict[str, str]:
    return {arg: escape(user.get_username()) for arg in args}


register("username", _username)
