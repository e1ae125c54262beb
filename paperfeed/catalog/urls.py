"""Catalogue pages: daily, week, month, paper and author pages."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("date/<str:day>", views.day_page, name="date"),
    path("week/<str:week>", views.week_page, name="week"),
    path("month/<str:month>", views.month_page, name="month"),
    # The same pages in one view, picks or all (the pattern without it shows DAILY_DEFAULT_VIEW).
    path("date/<str:day>/<str:view>", views.day_page, name="date"),
    path("week/<str:week>/<str:view>", views.week_page, name="week"),
    path("month/<str:month>/<str:view>", views.month_page, name="month"),
    path("papers/<path:arxiv_id>", views.paper_detail, name="paper"),
    path("authors/<path:key>", views.author_detail, name="author"),
]
