"""Follows pages."""

from django.urls import path  # noqa: F401

app_name = "follows"

urlpatterns: list = []
