"""Notifications pages."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.index, name="index"),
    path("notifications/<int:pk>", views.open_one, name="open"),
    path("notifications/read", views.read_all, name="read_all"),
    path("notifications/preferences", views.save_preferences, name="preferences"),
]
