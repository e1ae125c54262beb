"""Template tags: follow buttons, claimed author names, the paper page's extra links, author and profile panels."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from paperfeed.catalog.templatetags.catalog_tags import author_list
from paperfeed.follows import claims, profiles, services
from paperfeed.follows.models import AuthorClaim, Follow, Lab

register = template.Library()


@register.inclusion_tag("follows/_follow_button.html", takes_context=True)
def follow_button(context, kind: str, target_id: int, label: str = "") -> dict:
    """A follow/unfollow form for an author, user or lab (one query when signed in); a log-in link otherwise."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "kind": kind, "target_id": target_id, "label": label, "request": request,
        "signed_in": bool(user and user.is_authenticated),
        "following": services.is_following(user=user, kind=kind, target_id=target_id),
        "is_self": kind == "user" and user is not None and user.is_authenticated and user.pk == target_id,
    }


@register.simple_tag
def claimed_author_list(links, limit: int = 0) -> SafeString:
    """``author_list`` where a claimed author links to the member's page (one cached map, no query per name)."""
    claimed = claims.claimed_profiles()
    profiles = {url: reverse("follows:user", args=[claimed[url]]) for _, url in links or [] if url in claimed}
    return author_list(links, limit, profiles)


@register.inclusion_tag("follows/_paper_links.html")
def paper_links(paper) -> dict:
    """The paper page's approved project, dataset and model links, and the way to claim or add (one query)."""
    return {"links": services.approved_links([paper.pk]).get(paper.pk, []), "paper": paper,
            "contribute_url": reverse("follows:contribute", args=[paper.arxiv_id])}


@register.inclusion_tag("follows/_author_panel.html", takes_context=True)
def author_panel(context, author) -> dict:
    """The author page's follow button, claimed profile link and the claimants' picks and submissions."""
    return {"panel": profiles.author_panel(author), "request": context.get("request")}


@register.inclusion_tag("follows/_profile_panel.html", takes_context=True)
def profile_panel(context) -> dict:
    """The private profile's follows, claims and links to the public page."""
    user = context["request"].user
    follows = Follow.objects.filter(user=user).select_related("author", "followed_user", "lab").order_by("-created_at")
    return {
        "me": user,
        "follows": list(follows[:200]),
        "claims": list(AuthorClaim.objects.filter(user=user).select_related("paper", "author")[:100]),
        "labs": list(Lab.objects.filter(memberships__user=user).order_by("name")),
    }
