"""API documentation served without any CDN: Swagger UI from django-ninja's own bundled assets.

django-ninja loads Swagger UI from a CDN unless ``ninja`` is an installed app; this page and the
asset view below serve the copy that ships inside the ninja package instead, so /api/docs works
on a machine with no internet access.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.cache import cache_control
from ninja.openapi.docs import DocsBase

ASSETS_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.png", "favicon.svg"}

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}swagger-ui.css">
<link rel="icon" href="{assets}favicon.svg" type="image/svg+xml">
</head>
<body data-csrf-token="" data-api-csrf="">
<script type="application/json" id="swagger-settings">{settings}</script>
<div id="swagger-ui"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script src="{assets}swagger-ui-init.js"></script>
</body>
</html>
"""


class OfflineSwagger(DocsBase):
    """Swagger UI whose scripts and styles come from this server."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        """The Swagger UI page, pointing at this API's openapi.json."""
        settings = {"layout": "BaseLayout", "deepLinking": True, "url": self.get_openapi_url(api, kwargs)}
        # "</" cannot appear in the JSON island, so it cannot close the script element.
        payload = json.dumps(settings).replace("</", "<\\/")
        assets = reverse("api-docs-asset", args=["x"])[:-1]  # the folder of the asset URLs
        html = _PAGE.format(title=escape(api.title), assets=assets, settings=payload)
        return HttpResponse(html)


@cache_control(public=True, max_age=86400)
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    """One of Swagger UI's files from the ninja package (a fixed list; nothing else is served)."""
    if name not in ASSETS:
        raise Http404("No such asset")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse((ASSETS_DIR / name).open("rb"), content_type=content_type)
