"""Fuzz (hypothesis): whatever a comment says, its notification mail is one plain-text part and
its subject carries no user text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from paperfeed.discussions.services import CommentError
from paperfeed.notifications.emails import notification_email
from paperfeed.notifications.mail import batch
from paperfeed.notifications.models import NotificationMail
from tests.discussions.test_fuzz import BODIES
from tests.factories import make_comment, make_paper, make_user, make_verified_user


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_mail_is_plain_text(django_capture_on_commit_callbacks, body):
    author = make_verified_user()
    with django_capture_on_commit_callbacks(execute=True):
        top = make_comment(user=author, paper=make_paper())
        try:
            make_comment(paper=top.paper, parent=top, user=make_user(is_staff=True), body=body)
        except CommentError:
            return  # nothing left once cleaned (control characters only)
    batch(now=timezone.now() + dt.timedelta(seconds=1))
    mail = NotificationMail.objects.get(user=author)
    message = notification_email(mail).message()
    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    assert message["Subject"] == f"1 new notification on {django_settings.SITE_NAME}"
    assert "\n" not in message["Subject"]
