from django.apps import AppConfig
from django.core.signals import request_finished

from paperfeed.web.logs import forget_request_id


class WebConfig(AppConfig):
    """Serving: no models; owns the `serve` command, the page cache and the request middleware."""

    name = "paperfeed.web"

    def ready(self) -> None:
        request_finished.connect(forget_request_id, dispatch_uid="paperfeed.web.forget_request_id")
