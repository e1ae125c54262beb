"""{% notification_bell %}: the header's bell with the unread count (one indexed count query)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from paperfeed.notifications.models import Notification
from paperfeed.notifications.services import unread_count
from paperfeed.web import slots

register = template.Library()


def bell_html(n: int) -> SafeString:
    """The bell's list item for ``n`` unread notifications."""
    label = f"Notifications, {n} unread" if n else "Notifications"
    badge = format_html(' <span class="bell-count">{}</span>', n) if n else ""
    return format_html('<li><a class="bell" href="/notifications/" aria-label="{}" data-unread="{}">🔔{}</a></li>',
                       label, n, badge)


@register.simple_tag(takes_context=True)
def notification_bell(context) -> SafeString:
    """A list item linking to /notifications/ with the signed-in reader's unread count."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return SafeString("")
    if slots.shared_render(request):
        return slots.mark(request, "bell")
    return bell_html(unread_count(user))


def _bell_selects(user_id: int, args) -> list[slots.Select]:
    """Slot provider's query: the reader's unread count over the (user, read_at) index, as unread_count."""
    return [slots.count_select(Notification, user_id=user_id, unset="read_at")]


def _bell_slots(rows, args) -> dict[str, str]:
    """Slot provider: the reader's bell."""
    html = str(bell_html(rows[0][0][0]))
    return {arg: html for arg in args}


slots.register_batched("bell", selects=_bell_selects, answer=_bell_slots)
