"""Tiny inline SVG sparklines, built server-side from numbers (formatted, never raw data)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 90, 20


def bars(values: list[int], *, label: str) -> SafeString:
    """Bar sparkline (e.g. votes per day); empty string when every value is zero."""
    if not values or max(values) <= 0:
        return SafeString("")
    top = max(values)
    step = WIDTH / len(values)
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}"></rect>',
        (
            (f"{i * step:.2f}", f"{HEIGHT - h:.2f}", f"{max(step - 1, 0.5):.2f}", f"{h:.2f}")
            for i, v in enumerate(values)
            if v > 0
            for h in [max(HEIGHT * v / top, 1.0)]
        ),
    )
    return format_html(
        '<svg class="pf-spark pf-spark-bars" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}"><title>{}</title>{}</svg>',
        WIDTH, HEIGHT, WIDTH, HEIGHT, label, label, rects,
    )


def line(values: list[float], *, label: str) -> SafeString:
    """Line sparkline (e.g. a score over time); empty string when there is nothing to draw."""
    if len(values) < 2 or max(values) <= 0:
        return SafeString("")
    top = max(values)
    step = WIDTH / (len(values) - 1)
    points = " ".join(f"{i * step:.1f},{HEIGHT - 1 - (HEIGHT - 2) * v / top:.1f}" for i, v in enumerate(values))
    return format_html(
        '<svg class="pf-spark pf-spark-line" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}"><title>{}</title><polyline fill="none" points="{}"></polyline></svg>',
        WIDTH, HEIGHT, WIDTH, HEIGHT, label, label, points,
    )
