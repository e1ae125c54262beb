"""Catalogue pages: daily, week, month, paper and author pages."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("date/<str:day>", views.day_page, name="date"),
    path("week/<str:week>", views.week_page, name="week"),
    path("month/<str:month>", views.month_page, name="month"),
    path("papers/<path:arxiv_id>", views.paper_detail, name="paper"),
    path("authors/<path:key>", views.author_detail, name="author"),
]
