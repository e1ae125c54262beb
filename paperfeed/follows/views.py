"""Follows pages: follow/unfollow, labs, public user pages, claims and links (thin: parse, call, render)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import get_usage

from paperfeed.catalog.models import Author, Authorship, Paper
from paperfeed.follows import claims, labs, links, profiles, services
from paperfeed.follows.forms import ClaimForm, LinkForm, MemberForm
from paperfeed.follows.models import AuthorClaim, Lab


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Redirect to ``next`` (or the referring page) when it is on this site, else to ``fallback``."""
    for target in (request.POST.get("next"), request.headers.get("Referer")):
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)
    return redirect(fallback)


def _limited(request: HttpRequest) -> HttpResponse | None:
    """Count this write against RATELIMIT_FOLLOW per account; the 429 page when over it."""
    usage = get_usage(request, group="follows.write", key="user_or_ip", rate=settings.RATELIMIT_FOLLOW,
                      method="POST", increment=True)
    if not usage or not usage["should_limit"]:
        return None
    wait = max(usage["time_left"], 1)
    response = render(request, "accounts/ratelimited.html", {"action": "follow", "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _target_exists(kind: str, target_id: int) -> bool:
    model = {"author": Author, "user": get_user_model(), "lab": Lab}[kind]
    filters = {"pk": target_id} | ({"is_active": True} if kind == "user" else {})
    return model.objects.filter(**filters).exists()


@require_POST
@login_required
def follow(request: HttpRequest) -> HttpResponse:
    """Follow or unfollow an author, user or lab (POST kind, id, action=follow|unfollow), then go back."""
    if (limited := _limited(request)) is not None:
        return limited
    kind, action = request.POST.get("kind", ""), request.POST.get("action", "follow")
    try:
        target_id = int(request.POST.get("id", ""))
    except ValueError:
        return HttpResponse("Say what to follow: a numeric id.", status=400, content_type="text/plain")
    if kind not in services.KINDS or action not in ("follow", "unfollow"):
        return HttpResponse("Unknown kind or action.", status=400, content_type="text/plain")
    if not _target_exists(kind, target_id):
        raise Http404("Nothing to follow there.")
    try:
        if action == "follow":
            services.follow(user=request.user, kind=kind, target_id=target_id)
        else:
            services.unfollow(user=request.user, kind=kind, target_id=target_id)
    except services.FollowError as exc:
        messages.error(request, str(exc))
    return _back(request, "/")


@require_GET
def lab_list(request: HttpRequest) -> HttpResponse:
    """Every lab."""
    return render(request, "follows/labs.html", {"labs": Lab.objects.all()})


@require_GET
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A lab: members, their papers and their picks; admins see the member form."""
    lab = get_object_or_404(Lab, slug=slug)
    context = {"page": labs.lab_page(lab), "can_manage": labs.is_lab_admin(lab, request.user),
               "form": MemberForm()}
    return render(request, "follows/lab.html", context)


@require_POST
@login_required
def lab_members(request: HttpRequest, slug: str) -> HttpResponse:
    """Add (username, is_admin) or remove (remove=<user id>) a member; lab admins and staff only."""
    lab = get_object_or_404(Lab, slug=slug)
    if not labs.is_lab_admin(lab, request.user):
        raise PermissionDenied("Only this lab's admins manage its members.")
    try:
        if request.POST.get("remove"):
            labs.remove_member(lab=lab, user_id=int(request.POST["remove"]))
            messages.success(request, "Member removed.")
        else:
            form = MemberForm(request.POST)
            if not form.is_valid():
                raise labs.LabError("Give an account name.")
            labs.add_member(lab=lab, username=form.cleaned_data["username"], is_admin=form.cleaned_data["is_admin"])
            messages.success(request, "Member saved.")
    except (labs.LabError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, labs.LabError) else "Unknown member.")
    return redirect(lab.get_absolute_url())


@require_GET
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    """A member's public page: picks, submissions, claimed papers and labs."""
    user = get_object_or_404(get_user_model(), username=username, is_active=True)
    return render(request, "follows/user.html", {"shown": profiles.public_profile(user)})


def _paper_authors(paper: Paper) -> list[tuple[int, str]]:
    rows = Authorship.objects.filter(paper=paper).order_by("position").values_list("author_id", "author__name")
    return list(rows)


@require_http_methods(["GET", "POST"])
@login_required
def contribute(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """Claim authorship of a paper or add a link to it (POST form=claim|link)."""
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id, hidden=False)
    authors = _paper_authors(paper)
    claim_form, link_form = ClaimForm(authors=authors), LinkForm()
    if request.method == "POST":
        if (limited := _limited(request)) is not None:
            return limited
        if request.POST.get("form") == "claim":
            claim_form = ClaimForm(request.POST, authors=authors)
            if claim_form.is_valid() and _claim(request, paper, claim_form.cleaned_data["author"]):
                return redirect(request.path)
        else:
            link_form = LinkForm(request.POST)
            if link_form.is_valid() and _add_link(request, paper, link_form.cleaned_data):
                return redirect(request.path)
    context = {
        "paper": paper, "authors": authors, "claim_form": claim_form, "link_form": link_form,
        "my_claim": AuthorClaim.objects.filter(user=request.user, paper=paper).select_related("author").first(),
        "may_add_links": links.may_add_links(request.user, paper),
        "my_links": paper.extra_links.filter(added_by=request.user),
    }
    return render(request, "follows/contribute.html", context)


def _claim(request: HttpRequest, paper: Paper, author_id: int) -> bool:
    try:
        claim = claims.claim_authorship(user=request.user, paper=paper, author_id=author_id, now=timezone.now())
    except claims.ClaimError as exc:
        messages.error(request, str(exc))
        return False
    if claim.status == claim.Status.APPROVED:
        messages.success(request, f"You are now shown as {claim.author.name} on this paper.")
    else:
        messages.success(request, "Claim sent: staff will review it.")
    return True


def _add_link(request: HttpRequest, paper: Paper, data: dict) -> bool:
    try:
        link = links.add_link(user=request.user, paper=paper, kind=data["kind"], url=data["url"],
                              title=data["title"], now=timezone.now())
    except links.LinkError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, "Link added." if link.status == link.Status.APPROVED
                     else "Link sent: it shows once staff approve it.")
    return True
