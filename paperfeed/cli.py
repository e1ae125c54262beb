"""The ``paperfeed`` command: every Django management command, with paperfeed's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command: ``paperfeed migrate``, ``paperfeed ingest FILE``, ``paperfeed serve``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not sys.stderr.isatty():
        # A log file, a pipe or the journal gets no progress bars (tqdm, and Hugging Face's through it).
        os.environ.setdefault("TQDM_DISABLE", "1")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings: a refusal is a message, not a traceback)
    except ImproperlyConfigured as exc:
        sys.exit(f"paperfeed: {exc}")
    args = list(sys.argv if argv is None else ["paperfeed", *argv])
    args[0] = "paperfeed"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
