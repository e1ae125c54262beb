"""The catalogue: papers, their authors, versions and code links; harvest state and code-repository stars."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Paper(models.Model):
    """One arXiv paper, keyed by its arXiv id without version (``2406.07550``, ``hep-th/9901001``)."""

    arxiv_id = models.CharField(max_length=64, unique=True)
    version = models.PositiveIntegerField(default=1, help_text="Latest known version number.")
    title = models.TextField()
    abstract = models.TextField(blank=True, default="")
    # Ordered author names, denormalised for rendering; Authorship rows serve author pages.
    authors = models.JSONField(default=list)
    categories = models.JSONField(default=list, help_text="Primary category first.")
    primary_category = models.CharField(max_length=64, blank=True, default="", db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="First version's date.")
    updated_at = models.DateTimeField(null=True, blank=True, help_text="Latest version's date.")
    # Indexed through paper_listing_idx (listing_date, hidden), which serves listing_date lookups too.
    listing_date = models.DateField(null=True, blank=True, help_text="Day it was listed.")
    comment = models.TextField(blank=True, default="")
    journal_ref = models.TextField(blank=True, default="")
    doi = models.CharField(max_length=255, blank=True, default="")
    license = models.CharField(max_length=255, blank=True, default="")
    # Community signal imported from elsewhere (e.g. Hugging Face upvotes), kept apart from local votes.
    imported_upvotes = models.IntegerField(default=0)
    imported_source = models.CharField(max_length=32, blank=True, default="")
    # Local votes, denormalised from community.Vote (non-banned users) for fast ordering.
    vote_count = models.IntegerField(default=0)
    # Visible comments, denormalised from discussions.Comment so list pages need no count query.
    # db_default: the bulk ingest writes explicit column lists, and a row it inserts starts at 0.
    comment_count = models.IntegerField(default=0, db_default=0)
    # A pick (Hugging Face's "submitted on daily"): who put it on the daily list and when. A local
    # member is ``picked_by``; a submitter known only by name (HF's data) is ``picked_by_name``.
    picked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="picks")
    picked_by_name = models.CharField(max_length=150, blank=True, default="", db_default="")
    picked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    hidden = models.BooleanField(default=False)  # a two-valued column: no index of its own
    # Hash of the ingested metadata: a re-ingest of identical data is detected as "unchanged".
    content_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["listing_date", "hidden"], name="paper_listing_idx"),
            models.Index(fields=["submitted_at"], name="paper_submitted_idx"),
            # The tantivy keyword sync reads "changed since" every 20 s (search/tantivy_index.py).
            models.Index(fields=["modified_at"], name="paper_modified_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:60]}"

    @property
    def upvotes(self) -> int:
        """Votes shown to readers: local votes plus imported community signal."""
        return self.vote_count + self.imported_upvotes

    @property
    def abs_url(self) -> str:
        """The arXiv abstract page."""
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        """The arXiv PDF."""
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:paper", kwargs={"arxiv_id": self.arxiv_id})


class Author(models.Model):
    """A person as named on papers; ``key`` is the normalised name used for lookups."""

    name = models.CharField(max_length=512)
    key = models.CharField(max_length=512, unique=True)

    def __str__(self) -> str:
        return self.name


class Authorship(models.Model):
    """An author's place in a paper's author list."""

    # No single-column FK indexes: the unique (paper, position) and the (author, paper) index cover
    # both directions, and two fewer indexes make bulk ingest markedly faster.
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="authorships", db_index=False)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="authorships", db_index=False)
    position = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "position"], name="authorship_unique_pos")]
        indexes = [models.Index(fields=["author", "paper"], name="authorship_author_idx")]


class PaperVersion(models.Model):
    """One arXiv version (v1, v2, …) with its date."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions", db_index=False)  # see unique
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(null=True, blank=True)
    size = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "version"], name="paperversion_unique")]
        ordering = ["version"]


class CodeLink(models.Model):
    """A link from a paper to code or a project page, and where we learnt it."""

    class Kind(models.TextChoices):
        GITHUB = "github", "GitHub"
        GITLAB = "gitlab", "GitLab"
        HUGGINGFACE = "huggingface", "Hugging Face"
        PROJECT = "project", "Project page"

    class Source(models.TextChoices):
        ABSTRACT = "abstract", "abstract"
        COMMENT = "comment", "comment"
        HF = "hf", "Hugging Face"
        USER = "user", "user"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="code_links", db_index=False)  # see unique
    url = models.URLField(max_length=1000)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    stars = models.IntegerField(null=True, blank=True, help_text="Latest known star count.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "url"], name="codelink_unique")]

    def __str__(self) -> str:
        return self.url


class HarvestState(models.Model):
    """Where an OAI-PMH harvest stands: the watermark, and the resumption token of an unfinished list.

    ``watermark`` is the last day fully harvested; ``from_date``/``until_date``/``resumption_token``
    describe the list in progress and are saved in the same transaction as each page's records.
    """

    key = models.CharField(max_length=128, primary_key=True, help_text="source:set:prefix")
    watermark = models.DateField(null=True, blank=True)
    from_date = models.DateField(null=True, blank=True)
    until_date = models.DateField(null=True, blank=True)
    resumption_token = models.TextField(blank=True, default="")
    pages = models.PositiveIntegerField(default=0, help_text="Pages committed in the list in progress.")
    records = models.PositiveIntegerField(default=0, help_text="Records committed in the list in progress.")
    complete_list_size = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "jobs_harveststate"  # moved from the jobs app; the table kept its name

    def __str__(self) -> str:
        return f"{self.key}: watermark {self.watermark}"


class RepoState(models.Model):
    """A GitHub repository we track: latest stars and the ETag for conditional requests."""

    full_name = models.CharField(max_length=255, unique=True, help_text="owner/name, lower case")
    stars = models.IntegerField(null=True, blank=True)
    etag = models.CharField(max_length=255, blank=True, default="")
    checked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    missing = models.BooleanField(default=False, help_text="GitHub answered 404/451.")

    class Meta:
        db_table = "jobs_repostate"  # moved from the jobs app; the table kept its name

    def __str__(self) -> str:
        return f"{self.full_name} ({self.stars} stars)"


class StarSnapshot(models.Model):
    """A repository's star count at one moment: the history trending uses for velocity."""

    repo = models.ForeignKey(RepoState, on_delete=models.CASCADE, related_name="snapshots")
    stars = models.IntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        db_table = "jobs_starsnapshot"  # moved from the jobs app; the table kept its name
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["repo", "taken_at"], name="starsnap_repo_time_idx")]

    def __str__(self) -> str:
        return f"{self.repo.full_name}: {self.stars} at {self.taken_at:%Y-%m-%d %H:%M}"
