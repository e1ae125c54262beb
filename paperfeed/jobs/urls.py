"""Health check and job status."""

from django.urls import path

from paperfeed.jobs import metrics, views

app_name = "jobs"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("status", views.status, name="status"),
    path("metrics", metrics.metrics, name="metrics"),
]
