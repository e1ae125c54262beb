"""Digest URLs: /subscribe and /digests/…"""

from django.urls import path

from . import views

app_name = "digests"

urlpatterns = [
    path("subscribe", views.subscribe, name="subscribe"),
    path("digests/confirm/<str:token>", views.confirm, name="confirm"),
    path("digests/unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("digests/resubscribe/<str:token>", views.resubscribe, name="resubscribe"),
    path("digests/preferences/", views.account_preferences, name="account_preferences"),
    path("digests/preferences/<str:token>", views.preferences, name="preferences"),
    path("digests/view/<str:token>", views.view, name="view"),
    path("digests/preview/", views.account_preview, name="account_preview"),
    path("digests/preview/<str:token>", views.preview, name="preview"),
]
