"""Catalogue pages: daily, week, month, paper and author pages."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.daily, name="home"),
    path("papers/<path:arxiv_id>", views.paper_detail, name="paper"),
]
