"""Discussions URLs: writing comments (reading is on the paper page) and a paper's comment feed."""

from django.urls import path

from . import feeds, views

app_name = "discussions"

urlpatterns = [
    path("papers/<path:arxiv_id>/comments.atom", feeds.PaperCommentsFeed(), name="feed"),
    path("papers/<path:arxiv_id>/comments", views.post, name="post"),
    path("comments/<int:pk>/edit", views.edit, name="edit"),
    path("comments/<int:pk>/delete", views.delete, name="delete"),
    path("comments/<int:pk>/vote", views.vote, name="vote"),
    path("comments/<int:pk>/reply", views.reply, name="reply"),
    path("comments/<int:pk>/report", views.report, name="report"),
]
