"""Account pages: sign up with email confirmation, rate-limited log-in and password reset."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import ratelimits
from .emails import PasswordResetForm, read_confirm_token, send_confirmation, site_link_context
from .forms import LoginForm, SignupForm
from .models import Profile


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an inactive account and email a confirmation link."""
    if request.user.is_authenticated:
        return redirect("profile")
    wait = ratelimits.check(request, "signup", account_field="email")
    if wait:
        return ratelimits.too_many(request, "signup", wait)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.is_active = False
            user.save()
            Profile.objects.get_or_create(user=user)
        send_confirmation(user=user, request=request)
        request.session["signup_email"] = user.email
        return redirect("signup_done")
    return render(request, "registration/signup.html", {"form": form})


def signup_done(request: HttpRequest) -> HttpResponse:
    """"Check your inbox"."""
    return render(request, "registration/signup_done.html", {"email": request.session.get("signup_email", "")})


@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """Send the confirmation link again to an account that is not confirmed yet (limited like sign-up)."""
    wait = ratelimits.check(request, "signup", account_field="email")
    if wait:
        return ratelimits.too_many(request, "signup", wait)
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        user = get_user_model().objects.filter(email__iexact=email, is_active=False, last_login__isnull=True).first()
        if user is not None:
            send_confirmation(user=user, request=request)
        # Same answer either way: this page must not reveal which addresses have accounts.
        request.session["signup_email"] = email
        return redirect("signup_done")
    return render(request, "registration/resend.html")


@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (so link scanners do not confirm); POST activates the account."""
    try:
        payload = read_confirm_token(token)
    except signing.SignatureExpired:
        return render(request, "registration/confirm.html", {"error": "This link has expired: sign up again."}, status=400)
    except signing.BadSignature:
        return render(request, "registration/confirm.html", {"error": "This link is not valid."}, status=400)
    user = get_user_model().objects.filter(pk=payload.get("u"), email=payload.get("e")).first()
    if user is None:
        return render(request, "registration/confirm.html", {"error": "This account no longer exists."}, status=400)
    if request.method == "POST":
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        Profile.objects.update_or_create(user=user, defaults={"email_confirmed_at": timezone.now()})
        # The link came to the address's owner: log them in rather than ask for the password again.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your email is confirmed and you are logged in. Welcome!")
        return redirect("catalog:home")
    return render(request, "registration/confirm.html", {"account": user, "active": user.is_active})


class LoginView(auth_views.LoginView):
    """Django's log-in, limited per IP and per username."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = ratelimits.check(request, "login", account_field="username")
        if wait:
            return ratelimits.too_many(request, "login", wait)
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per IP and per email address."""

    form_class = PasswordResetForm  # its mail's subject is plain text, folded per RFC 5322
    @property
    def extra_email_context(self) -> dict:
        # The reset link is built from SITE_URL, not from the request (behind a proxy: http, no port).
        return {"site_name": settings.SITE_NAME, **site_link_context()}

    def post(self, request, *args, **kwargs):
        wait = ratelimits.check(request, "password_reset", account_field="email")
        if wait:
            return ratelimits.too_many(request, "password_reset", wait)
        return super().post(request, *args, **kwargs)

