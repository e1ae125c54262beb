"""A paper as Markdown: ``GET /papers/{id}.md`` (what huggingface_hub's ``read_paper`` and ``hf papers read`` ask for).

The text carries the title, authors, links, the abstract with its math left as TeX (``$…$``
stays as written, nothing is escaped: clients render or read it as they like), the listing facts
(votes, pick) and the discussion as readers see it (top comments first, each with its replies,
bodies in the Markdown their authors wrote). The catalogue holds no full text, so none is
served. ``/papers/{id}`` with ``Accept: text/markdown`` is redirected here by the paper page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from paperfeed.catalog import services
from paperfeed.catalog.models import Paper
from paperfeed.discussions.services import ThreadComment, thread

CONTENT_TYPE = "text/markdown; charset=utf-8"


def _one_line(text: str) -> str:
    """Collapse the line breaks arXiv leaves in titles and names."""
    return " ".join(text.split())


def _link_lines(paper: Paper) -> list[str]:
    lines = [f"- arXiv: [{paper.arxiv_id}]({paper.abs_url})", f"- PDF: {paper.pdf_url}"]
    for link in paper.all_code_links:
        stars = f" (★ {link.stars})" if link.stars is not None else ""
        lines.append(f"- {link.get_kind_display()}: {link.url}{stars}")
    return lines


def _fact_lines(paper: Paper) -> list[str]:
    facts = []
    if paper.submitted_at:
        facts.append(f"- Published: {paper.submitted_at:%Y-%m-%d}")
    if paper.listing_date:
        facts.append(f"- Listed: {paper.listing_date:%Y-%m-%d}")
    if paper.picked_at:
        by = f" by {paper.picker}" if paper.picker else ""
        facts.append(f"- Picked{by} for the daily list of {paper.picked_at:%Y-%m-%d}")
    facts.append(f"- Upvotes: {paper.upvotes}")
    if paper.categories:
        facts.append(f"- Categories: {', '.join(paper.categories)}")
    for label, value in (("Comment", paper.comment), ("Journal reference", paper.journal_ref), ("DOI", paper.doi)):
        if value:
            facts.append(f"- {label}: {_one_line(value)}")
    return facts


def _comment_lines(node: ThreadComment, indent: str) -> list[str]:
    comment = node.comment
    if node.placeholder:
        return [f"{indent}- {node.placeholder}"]
    author = comment.author.username if comment.author_id and comment.author else "[deleted account]"
    edited = ", edited" if node.edited else ""
    head = f"{indent}- **{author}** ({comment.created_at:%Y-%m-%d %H:%M} UTC, {comment.score} upvotes{edited}):"
    # The body's own lines, indented under the list item so that its Markdown stays inside it.
    body = [f"{indent}  {line}" if line else "" for line in comment.body.splitlines()]
    return [head, "", *body, ""]


def _discussion_lines(paper: Paper) -> list[str]:
    nodes = thread(paper=paper, sort="top")
    if not nodes:
        return []
    lines = [f"## Discussion ({paper.comment_count} comment{'' if paper.comment_count == 1 else 's'})", ""]
    for node in nodes:
        lines += _comment_lines(node, "")
        for reply in node.replies:
            lines += _comment_lines(reply, "  ")
    return lines


def paper_markdown_text(paper: Paper) -> str:
    """A paper (from ``catalog.services.paper_detail``) as a Markdown document, with its discussion."""
    parts = [
        f"# {_one_line(paper.title)}",
        "",
        f"**Authors:** {', '.join(_one_line(name) for name, _ in paper.author_links)}",
        "",
        "## Links",
        "",
        *_link_lines(paper),
        "",
        "## About",
        "",
        *_fact_lines(paper),
        "",
        "## Abstract",
        "",
        paper.abstract.strip() or "(no abstract)",
        "",
        *_discussion_lines(paper),
    ]
    return "\n".join(parts)


def paper_markdown(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """``/papers/{id}.md``: the paper as Markdown; a plain-text 404 for an unknown id."""
    paper = services.paper_detail(arxiv_id=services.canonical_arxiv_id(arxiv_id))
    if paper is None:
        return HttpResponse(f"No paper with id {arxiv_id!r}.\n", status=404, content_type="text/plain; charset=utf-8")
    return HttpResponse(paper_markdown_text(paper), content_type=CONTENT_TYPE)
