"""Vote tallies computed by the database: one aggregate row per paper instead of one row per vote.

The maths is :mod:`paperfeed.community.ranking`'s (each vote weighs ``0.5 ** (age / half-life)``),
written in SQL so that ranking 100,000 votes does not move 100,000 rows into Python. The results
are the same :class:`~paperfeed.community.ranking.VoteTally` values the pure code computes from
timestamps (tests compare the two). Counted votes only: not by banned accounts, not on hidden papers.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db import connection

from paperfeed.accounts.models import Profile
from paperfeed.catalog.models import Paper

from . import ranking
from .models import Vote


def _seconds_since(column: str) -> str:
    """SQL for ``column`` minus a reference instant, in seconds; the parameter is :func:`_instant`."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM {column}) - %s)"
    # julianday() parses the stored text once per row; the reference is passed as a Julian day number.
    return f"((julianday({column}) - %s) * 86400.0)"


def _instant(value: dt.datetime) -> float:
    """The reference instant in the unit :func:`_seconds_since` subtracts it in."""
    if connection.vendor == "postgresql":
        return value.timestamp()
    return value.timestamp() / 86400.0 + 2440587.5  # Julian day number of a Unix time


def _param(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _parse(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


def _base_sql(paper_ids: list[int] | None) -> tuple[str, list]:
    """FROM/WHERE for counted votes in ``(start, now]`` (two leading datetime parameters).

    Hidden papers and banned accounts are few: excluding them by sub-select keeps the scan on the
    ``(created_at, paper_id, user_id)`` covering index, with no join per vote.
    """
    vote, paper, profile = Vote._meta.db_table, Paper._meta.db_table, Profile._meta.db_table
    sql = (
        f" FROM {vote} v"
        " WHERE v.created_at > %s AND v.created_at <= %s"
        f" AND v.paper_id NOT IN (SELECT id FROM {paper} WHERE hidden = %s)"
        f" AND v.user_id NOT IN (SELECT user_id FROM {profile} WHERE banned = %s)"
    )
    params: list = [True, True]
    if paper_ids is not None:
        sql += f" AND v.paper_id IN ({', '.join(['%s'] * len(paper_ids))})"
        params += list(paper_ids)
    return sql, params


def vote_tallies(
    *, now: dt.datetime, window: str, half_life_hours: float, paper_ids: list[int] | None = None
) -> dict[int, ranking.VoteTally]:
    """``{paper_id: VoteTally}`` for counted votes in the window ending at ``now``."""
    if paper_ids is not None and not paper_ids:
        return {}
    start = now - ranking.window_delta(window)
    rate = -math.log(2) / (half_life_hours * 3600.0)  # negative: each term exp(rate * age) is in (0, 1]
    base, base_params = _base_sql(paper_ids)
    sql = (
        "SELECT v.paper_id, COUNT(*),"
        " SUM(CASE WHEN v.created_at > %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN v.created_at > %s THEN 1 ELSE 0 END),"
        " MAX(v.created_at),"
        f" SUM(EXP(%s * (-1.0 * {_seconds_since('v.created_at')})))"
        + base
        + " GROUP BY v.paper_id"
    )
    params = [
        _param(now - dt.timedelta(days=1)), _param(now - dt.timedelta(hours=1)), rate, _instant(now),
        _param(start), _param(now), *base_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        pid: ranking.VoteTally(decayed=float(decayed or 0.0), count=n, last_day=int(day or 0),
                               last_hour=int(hour or 0), latest=_parse(latest))
        for pid, n, day, hour, latest, decayed in rows
    }


def bucket_sums(
    *, paper_ids: list[int], now: dt.datetime, window: str, points: int, half_life_hours: float
) -> dict[int, list[float]]:
    """Per paper, :func:`ranking.bucket_sums` over counted votes: the input of a score sparkline."""
    if not paper_ids:
        return {}
    start = now - ranking.window_delta(window)
    step = (now - start).total_seconds() / points
    rate = -math.log(2) / (half_life_hours * 3600.0)
    base, base_params = _base_sql(paper_ids)
    # Bucket j holds votes at (j*step, (j+1)*step] seconds after start; terms decay to the bucket's end.
    index = "CAST(FLOOR((since - 0.000001) / %s) AS INTEGER)" if connection.vendor == "postgresql" else (
        "CAST((since - 0.000001) / %s AS INTEGER)"
    )
    sql = (
        "SELECT paper_id, idx, SUM(EXP(%s * ((idx + 1) * %s - since))) FROM ("
        f" SELECT paper_id, since, {index} AS idx FROM ("
        f"  SELECT v.paper_id AS paper_id, {_seconds_since('v.created_at')} AS since" + base
        + " ) a ) b GROUP BY paper_id, idx"
    )
    params = [rate, step, step, _instant(start), _param(start), _param(now), *base_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = {pid: [0.0] * points for pid in paper_ids}
    for pid, j, value in rows:
        out[pid][min(max(int(j), 0), points - 1)] += float(value)
    return out
