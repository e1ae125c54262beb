"""/api/…: the django-ninja API (its 405s made JSON), its docs' assets, and a JSON 404 for the rest."""

from django.urls import URLPattern, path, re_path

from .api import api, json_errors, not_found
from .docs import docs_asset

_patterns, _app_name, _namespace = api.urls
_json_patterns = [
    URLPattern(p.pattern, json_errors(p.callback), p.default_args, p.name) if isinstance(p, URLPattern) else p
    for p in _patterns
]

urlpatterns = [
    path("docs/assets/<str:name>", docs_asset, name="api-docs-asset"),
    path("", (_json_patterns, _app_name, _namespace)),
    # Last: any other path (newlines included) gets a JSON 404, not the site's HTML page.
    re_path(r"^(?P<rest>[\s\S]*)$", not_found),
]
