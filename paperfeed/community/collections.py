"""Collections: named lists of papers per user, public or private; export and import."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.text import slugify

from paperfeed.catalog.models import Paper

from .arxiv_ids import normalise_arxiv_id, split_ids
from .bibtex import BibPaper, to_bibtex
from .models import Collection, CollectionItem

MAX_IMPORT_IDS = 1000


@dataclass
class ImportReport:
    """What an import did: ids added, already there, not in the catalogue, and tokens that are not ids."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.added)} added"]
        if self.already:
            parts.append(f"{len(self.already)} already in the collection")
        if self.unknown:
            parts.append(f"not in the catalogue: {', '.join(self.unknown[:20])}" + (" …" if len(self.unknown) > 20 else ""))
        if self.invalid:
            parts.append(f"not arXiv ids: {', '.join(self.invalid[:20])}" + (" …" if len(self.invalid) > 20 else ""))
        return "; ".join(parts) + "."


def _unique_slug(owner, name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:180] or "collection"
    taken = set(Collection.objects.filter(owner=owner, slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_collection(*, owner, name: str, public: bool = False, description: str = "") -> Collection:
    """Create a collection for ``owner`` with a slug unique among their collections."""
    name = " ".join(name.split())[:200] or "Untitled"
    for _ in range(3):
        try:
            with transaction.atomic():
                return Collection.objects.create(
                    owner=owner, name=name, slug=_unique_slug(owner, name), public=public, description=description
                )
        except IntegrityError:  # a concurrent create took the slug: pick again
            continue
    raise IntegrityError("could not allocate a unique collection slug")


def update_collection(collection: Collection, *, name: str, public: bool, description: str) -> Collection:
    """Rename / describe / publish or unpublish a collection."""
    name = " ".join(name.split())[:200] or collection.name
    if name != collection.name:
        collection.slug = _unique_slug(collection.owner, name, exclude_pk=collection.pk)
    collection.name, collection.public, collection.description = name, public, description
    collection.save()
    return collection


def add_paper(collection: Collection, paper: Paper) -> bool:
    """Add a paper; returns False when it was already there."""
    _, created = CollectionItem.objects.get_or_create(collection=collection, paper=paper)
    if created:
        collection.save(update_fields=["updated_at"])
    return created


def remove_paper(collection: Collection, paper: Paper) -> bool:
    """Remove a paper; returns False when it was not there."""
    deleted, _ = CollectionItem.objects.filter(collection=collection, paper=paper).delete()
    return bool(deleted)


def import_ids(collection: Collection, text: str) -> ImportReport:
    """Add every arXiv id or URL found in ``text`` that is in the catalogue; report the rest."""
    report = ImportReport()
    wanted: list[str] = []
    for token in split_ids(text)[:MAX_IMPORT_IDS]:
        arxiv_id = normalise_arxiv_id(token)
        if arxiv_id is None:
            report.invalid.append(token[:40])
        elif arxiv_id not in wanted:
            wanted.append(arxiv_id)
    papers = Paper.objects.filter(hidden=False).in_bulk(wanted, field_name="arxiv_id")
    present = set(collection.items.filter(paper__arxiv_id__in=wanted).values_list("paper__arxiv_id", flat=True))
    with transaction.atomic():
        for arxiv_id in wanted:
            if arxiv_id not in papers:
                report.unknown.append(arxiv_id)
            elif arxiv_id in present:
                report.already.append(arxiv_id)
            else:
                CollectionItem.objects.create(collection=collection, paper=papers[arxiv_id])
                report.added.append(arxiv_id)
    if report.added:
        collection.save(update_fields=["updated_at"])
    return report


def visible_collection(pk: int, user) -> Collection:
    """The collection if it is public or ``user`` owns it; raises Http404 otherwise."""
    collection = Collection.objects.select_related("owner").filter(pk=pk).first()
    if collection is None or not (collection.public or collection.owner_id == getattr(user, "pk", None)):
        raise Http404("No such collection.")
    return collection


def owned_collection(pk: int, user) -> Collection:
    """The collection if ``user`` owns it; raises Http404 otherwise."""
    collection = Collection.objects.filter(pk=pk, owner_id=getattr(user, "pk", None)).first()
    if collection is None:
        raise Http404("No such collection.")
    return collection


def collection_papers(collection: Collection) -> list[Paper]:
    """The collection's visible papers, most recently added first; each carries ``added_at``."""
    papers = []
    for item in collection.items.select_related("paper").filter(paper__hidden=False).order_by("-added_at", "-id"):
        item.paper.added_at = item.added_at  # feeds date an item by when it was added
        papers.append(item.paper)
    return papers


def collections_holding(user, paper: Paper) -> set[int]:
    """Ids of ``user``'s collections that already hold ``paper``."""
    return set(CollectionItem.objects.filter(collection__owner=user, paper=paper).values_list("collection_id", flat=True))


def export_bibtex(collection: Collection) -> str:
    """The collection as a ``.bib`` file."""
    return to_bibtex(
        BibPaper(
            arxiv_id=p.arxiv_id,
            title=p.title,
            authors=list(p.authors or []),
            year=(p.submitted_at.year if p.submitted_at else p.listing_date.year if p.listing_date else None),
            primary_category=p.primary_category,
            doi=p.doi,
            journal_ref=p.journal_ref,
        )
        for p in collection_papers(collection)
    )


def export_json(collection: Collection) -> dict:
    """The collection as a JSON-ready dict."""
    items = collection.items.select_related("paper").filter(paper__hidden=False).order_by("-added_at", "-id")
    return {
        "name": collection.name,
        "slug": collection.slug,
        "description": collection.description,
        "public": collection.public,
        "owner": collection.owner.get_username(),
        "papers": [
            {
                "id": it.paper.arxiv_id,
                "title": it.paper.title,
                "authors": list(it.paper.authors or []),
                "url": it.paper.abs_url,
                "addedAt": it.added_at.isoformat(),
            }
            for it in items
        ],
    }
