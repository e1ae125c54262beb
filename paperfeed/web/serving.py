"""WSGI entry point of ``paperfeed serve``: Django behind the page cache's fast path.

Any WSGI server can use it: ``gunicorn paperfeed.web.serving:application``. The plain
``paperfeed.wsgi:application`` works too; it serves cached pages through Django's middleware.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from paperfeed.search.embedding import forbid_torch  # noqa: E402

from .pagecache import PageCacheApp  # noqa: E402
from .shedding import ShedGoneClients  # noqa: E402

forbid_torch()  # web workers embed queries with the exported ONNX graph only: torch never loads here
application = ShedGoneClients(PageCacheApp(get_wsgi_application()))
