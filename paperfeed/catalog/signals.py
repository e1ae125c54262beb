"""What the catalogue tells the layers above it, so that it imports none of them.

``papers_ingested`` is sent by ``paperfeed ingest`` (and every other writer of papers: harvest,
fetch, submissions) after each committed batch with ``final=False``, and once more with
``final=True`` when the run is done. Receivers keep derived data in step (the search app's
keyword index connects in its ``AppConfig.ready()``). A receiver may return one line of text,
which a command prints as a report; ``None`` says nothing happened worth telling.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with keyword arguments ``count`` (papers written in the batch, or in the run when
# ``final``) and ``final`` (bool).
papers_ingested = Signal()


def announce_ingested(*, sender: object, count: int, final: bool) -> list[str]:
    """Send ``papers_ingested`` and return the report lines its receivers gave back."""
    responses = papers_ingested.send(sender=sender, count=count, final=final)
    return [line for _, line in responses if line]
