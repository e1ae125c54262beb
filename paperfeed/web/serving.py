"""WSGI entry point of ``paperfeed serve``: Django behind the page cache's fast path.

Any WSGI server can use it: ``gunicorn paperfeed.web.serving:application``. The plain
``paperfeed.wsgi:application`` works too; it serves cached pages through Django's middleware.
"""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from paperfeed.search.embedding import forbid_torch  # noqa: E402

forbid_torch()  # web workers embed queries with the exported ONNX graph only: torch never loads here
django_application = get_wsgi_application()

# Models are importable only once Django is set up (the page cache reads the search watermark).
from paperfeed.search.services import warm_up  # noqa: E402
from paperfeed.search.sharedcache import write_in_background  # noqa: E402

from .freezing import FreezeWhenWarm  # noqa: E402
from .pagecache import PageCacheApp  # noqa: E402
from .shedding import ShedGoneClients  # noqa: E402

application = FreezeWhenWarm(ShedGoneClients(PageCacheApp(django_application)))

warm_up()  # each worker loads the query model and indexes before its first reader, not during
write_in_background()  # no reader waits while a shared-cache write waits for the disk (search/sharedcache.py)
gc.freeze()  # what lives as long as the worker, out of the collector's way (freezing.py); again when warm
