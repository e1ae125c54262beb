"""An Atom feed of a paper's discussion (visible comments, newest first)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed

from paperfeed.catalog.models import Paper

from .models import Comment


class PaperCommentsFeed(Feed):
    """The newest 50 visible comments on one paper; entries carry plain text, never markup."""

    feed_type = Atom1Feed

    def get_object(self, request, arxiv_id: str) -> Paper:
        paper = Paper.objects.filter(arxiv_id=arxiv_id, hidden=False).first()
        if paper is None:
            raise Http404("No such paper")
        return paper

    def title(self, paper: Paper) -> str:
        return f"Discussion: {paper.title}"

    def link(self, paper: Paper) -> str:
        return f"{paper.get_absolute_url()}#discussion"

    def description(self, paper: Paper) -> str:
        return f"Comments on arXiv:{paper.arxiv_id}"

    def items(self, paper: Paper):
        return (Comment.objects.filter(paper=paper, deleted_at__isnull=True, hidden_at__isnull=True)
                .select_related("author", "paper").order_by("-created_at", "-id")[:50])

    def item_title(self, comment: Comment) -> str:
        return f"{comment.author.get_username() if comment.author else 'someone'} commented"

    def item_description(self, comment: Comment) -> str:
        # The sanitised HTML (Atom type="html"): plain text here would be read back as markup.
        return comment.body_html

    def item_link(self, comment: Comment) -> str:
        return f"{comment.paper.get_absolute_url()}#c-{comment.pk}"

    def item_pubdate(self, comment: Comment):
        return comment.created_at

    def item_author_name(self, comment: Comment) -> str:
        return comment.author.get_username() if comment.author else ""
