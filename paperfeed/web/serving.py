"""WSGI entry point of ``paperfeed serve``: Django behind the page cache's fast path.

Any WSGI server can use it: ``gunicorn paperfeed.web.serving:application``. The plain
``paperfeed.wsgi:application`` works too; it serves cached pages through Django's middleware.
"""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from paperfeed.search.embedding import forbid_torch  # noqa: E402

from .pagecache import PageCacheApp  # noqa: E402
from .shedding import ShedGoneClients  # noqa: E402

forbid_torch()  # web workers embed queries with the exported ONNX graph only: torch never loads here
application = ShedGoneClients(PageCacheApp(get_wsgi_application()))

from paperfeed.search.services import warm_up  # noqa: E402  (models: only once Django is set up)

warm_up()  # each worker loads the query model and indexes before its first reader, not during
# Everything loaded so far lives as long as the worker: frozen, no garbage collection walks it again.
# Unfrozen, each full collection of a search worker walked ~160k start-up objects, 50-65 ms during
# which the requests queued behind it waited (bench/web_search.py p99 at 8 connections).
gc.freeze()
