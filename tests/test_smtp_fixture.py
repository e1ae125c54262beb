from django.core.mail import send_mail


def test_smtp_fixture_receives(smtp):
    send_mail("hi", "body", "a@example.org", ["b@example.org"])
    assert len(smtp.to("b@example.org")) == 1
