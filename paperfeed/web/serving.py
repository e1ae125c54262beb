"""WSGI entry point of ``paperfeed serve``: Django behind the page cache's fast path.

Any WSGI server can use it: ``gunicorn paperfeed.web.serving:application``. The plain
``paperfeed.wsgi:application`` works too; it serves cached pages through Django's middleware.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from .pagecache import PageCacheApp  # noqa: E402

application = PageCacheApp(get_wsgi_application())
