from django.apps import AppConfig


class WebConfig(AppConfig):
    """Serving: no models; owns the `serve` command and the page-cache middleware."""

    name = "paperfeed.web"
