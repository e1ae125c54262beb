"""Follows pages: follow, labs, public user pages, claims and links."""

from django.urls import path

from paperfeed.follows import views

app_name = "follows"

urlpatterns = [
    path("follow", views.follow, name="follow"),
    path("labs/", views.lab_list, name="labs"),
    path("labs/<slug:slug>", views.lab_detail, name="lab"),
    path("labs/<slug:slug>/members", views.lab_members, name="lab_members"),
    path("users/<str:username>", views.user_detail, name="user"),
    # Before catalog's papers/<path:arxiv_id> (see paperfeed/urls.py).
    path("papers/<path:arxiv_id>/contribute", views.contribute, name="contribute"),
]
