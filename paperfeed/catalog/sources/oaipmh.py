"""arXiv over OAI-PMH 2.0: ListRecords pages in the ``arXiv`` and ``arXivRaw`` formats.

Pure: bytes in, records out (lxml only). The requests are ``paperfeed.catalog.fetch.oaipmh``; the
harvest loop with its stored watermark is ``paperfeed.catalog.harvest``.
Spec: http://www.openarchives.org/OAI/openarchivesprotocol.html and arXiv's OAI help pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import re

from lxml import etree

from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.arxiv_ids import BadArxivId, parse_arxiv_id

OAI = "http://www.openarchives.org/OAI/2.0/"
ARXIV = "http://arxiv.org/OAI/arXiv/"
ARXIV_RAW = "http://arxiv.org/OAI/arXivRaw/"
PREFIXES = {"arXiv": ARXIV, "arXivRaw": ARXIV_RAW}
# A paper first seen within this many days of its creation is "new": its datestamp is its listing day.
NEW_PAPER_DAYS = 7

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)
_WS = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"\n[ \t]+")
_SUFFIX = re.compile(r"(?:Jr|Sr)\.?|I{2,3}|IV", re.I)


class OaiError(Exception):
    """The repository answered with an OAI-PMH ``<error code=…>``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}")
        self.code = code


class BadResumptionToken(OaiError):
    """The resumption token expired or is unknown: restart the list from its ``from`` date."""


class MalformedResponse(Exception):
    """The body is not a complete OAI-PMH document (truncated transfer, HTML error page…)."""


@dataclasses.dataclass
class OaiPage:
    """One ListRecords answer: its records, what was skipped and why, and the resumption token."""

    records: list[PaperRecord]
    skipped: list[str]
    token: str | None
    complete_list_size: int | None = None
    cursor: int | None = None


def _verb_element(body: bytes, verb: str) -> etree._Element | None:
    """Parse an OAI-PMH answer and return its ``<verb>`` element (None for ``noRecordsMatch``)."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedResponse(f"not well-formed XML ({exc})") from exc
    if root is None or root.tag != f"{{{OAI}}}OAI-PMH":
        raise MalformedResponse(f"not an OAI-PMH document (root element {getattr(root, 'tag', None)!r})")
    for error in root.iterfind(f"{{{OAI}}}error"):
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return None
        cls = BadResumptionToken if code == "badResumptionToken" else OaiError
        raise cls(code, (error.text or "").strip())
    element = root.find(f"{{{OAI}}}{verb}")
    if element is None:
        raise MalformedResponse(f"OAI-PMH document without {verb}")
    return element


def parse_page(body: bytes) -> OaiPage:
    """Parse a ListRecords response body; malformed records are skipped and reported, not fatal.

    Raises MalformedResponse for a broken document, BadResumptionToken / OaiError for protocol
    errors; ``noRecordsMatch`` is an empty, final page.
    """
    listing = _verb_element(body, "ListRecords")
    if listing is None:
        return OaiPage([], [], None)
    records, skipped = [], []
    for element in listing.iterfind(f"{{{OAI}}}record"):
        try:
            records.append(parse_record(element))
        except (ValueError, BadArxivId) as exc:
            ident = element.findtext(f"{{{OAI}}}header/{{{OAI}}}identifier") or "?"
            skipped.append(f"{ident.strip()}: {exc}")
    return _with_token(listing, records, skipped)


def _with_token(listing: etree._Element, records: list, skipped: list) -> OaiPage:
    token_el = listing.find(f"{{{OAI}}}resumptionToken")
    if token_el is None:
        return OaiPage(records, skipped, None)
    # An empty token element marks the last page of a list.
    token = (token_el.text or "").strip() or None
    return OaiPage(records, skipped, token, _int(token_el.get("completeListSize")), _int(token_el.get("cursor")))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_record(element: etree._Element) -> PaperRecord:
    """Turn one OAI ``<record>`` into a PaperRecord (deleted records keep only the id)."""
    header = element.find(f"{{{OAI}}}header")
    if header is None:
        raise ValueError("record without header")
    identifier = (header.findtext(f"{{{OAI}}}identifier") or "").strip()
    arxiv_id, _ = parse_arxiv_id(identifier.rsplit(":", 1)[-1] if identifier.startswith("oai:") else identifier)
    datestamp = _date(header.findtext(f"{{{OAI}}}datestamp"))
    if header.get("status") == "deleted":
        return PaperRecord(arxiv_id=arxiv_id, title="", deleted=True)
    metadata = element.find(f"{{{OAI}}}metadata")
    if metadata is None or len(metadata) == 0:
        raise ValueError("record without metadata")
    payload = metadata[0]
    if payload.tag == f"{{{ARXIV_RAW}}}arXivRaw":
        record = _parse_raw(payload, arxiv_id)
    elif payload.tag == f"{{{ARXIV}}}arXiv":
        record = _parse_arxiv(payload, arxiv_id)
    else:
        raise ValueError(f"unsupported metadata format {payload.tag!r}")
    if not record.title:
        raise ValueError("record without title")
    record.listing_date = _listing_date(record, datestamp)
    return record


def _parse_arxiv(meta: etree._Element, arxiv_id: str) -> PaperRecord:
    def text(tag: str) -> str | None:
        return _text(meta.find(f"{{{ARXIV}}}{tag}"))

    authors = []
    for author in meta.iterfind(f"{{{ARXIV}}}authors/{{{ARXIV}}}author"):
        parts = [author.findtext(f"{{{ARXIV}}}{t}") or "" for t in ("forenames", "keyname", "suffix")]
        name = _clean(" ".join(p for p in parts if p.strip()))
        if name:
            authors.append(name)
    created = _date(text("created"))
    updated = _date(text("updated"))
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=_clean(text("title") or ""),
        abstract=clean_abstract(text("abstract") or ""),
        authors=authors,
        categories=(text("categories") or "").split(),
        submitted_at=_midnight(created),
        updated_at=_midnight(updated or created),
        comment=text("comments"),
        journal_ref=text("journal-ref"),
        doi=text("doi"),
        license=text("license"),
    )


def _parse_raw(meta: etree._Element, arxiv_id: str) -> PaperRecord:
    def text(tag: str) -> str | None:
        return _text(meta.find(f"{{{ARXIV_RAW}}}{tag}"))

    versions: list[tuple[int, dt.datetime | None]] = []
    for v in meta.iterfind(f"{{{ARXIV_RAW}}}version"):
        label = (v.get("version") or "").lstrip("v")
        if not label.isdigit():
            raise ValueError(f"bad version label {v.get('version')!r}")
        versions.append((int(label), _http_date(v.findtext(f"{{{ARXIV_RAW}}}date"))))
    versions.sort()
    latest = versions[-1] if versions else (None, None)
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=_clean(text("title") or ""),
        abstract=clean_abstract(text("abstract") or ""),
        authors=split_authors(text("authors") or ""),
        categories=(text("categories") or "").split(),
        version=latest[0],
        versions=versions,
        submitted_at=versions[0][1] if versions else None,
        updated_at=latest[1],
        comment=text("comments"),
        journal_ref=text("journal-ref"),
        doi=text("doi"),
        license=text("license"),
    )


def _listing_date(record: PaperRecord, datestamp: dt.date | None) -> dt.date | None:
    """A new paper is listed on its datestamp; an old paper's update must not move its listing."""
    if datestamp is None or record.submitted_at is None:
        return None
    if record.version not in (None, 1) or len(record.versions) > 1:
        return None
    if record.version is None and record.updated_at and record.updated_at != record.submitted_at:
        return None
    if 0 <= (datestamp - record.submitted_at.date()).days <= NEW_PAPER_DAYS:
        return datestamp
    return None


def split_authors(text: str) -> list[str]:
    """Split arXivRaw's free-text author list ("A, B and C") into names."""
    text = _clean(re.sub(r"\([^()]*\)", " ", text))  # drop affiliations in parentheses
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if p.strip()]
    names: list[str] = []
    for part in parts:
        if names and _SUFFIX.fullmatch(part):
            names[-1] = f"{names[-1]} {part}"  # "John Smith, Jr." is one author
        else:
            names.append(part)
    return names


def clean_abstract(text: str) -> str:
    """Unwrap arXiv's hard line breaks; an indented line starts a new paragraph."""
    paragraphs = _PARAGRAPH.split(text.strip())
    return "\n\n".join(_clean(p) for p in paragraphs if p.strip())


def _text(element: etree._Element | None) -> str | None:
    """All text inside an element (stray markup in an abstract keeps its words), or None."""
    return "".join(element.itertext()).strip() if element is not None else None


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise ValueError(f"bad date {text!r}") from exc


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None


def _http_date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"bad version date {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- the other verbs: Identify, ListMetadataFormats, ListSets, ListIdentifiers -------------------


@dataclasses.dataclass
class RepositoryInfo:
    """What ``Identify`` says about a repository."""

    name: str
    base_url: str
    protocol_version: str
    earliest_datestamp: str
    granularity: str
    deleted_record: str


@dataclasses.dataclass
class Header:
    """A record header from ``ListIdentifiers``."""

    arxiv_id: str
    datestamp: dt.date | None
    deleted: bool
    sets: list[str]


def parse_identify(body: bytes) -> RepositoryInfo:
    """Parse an ``Identify`` answer."""
    element = _verb_element(body, "Identify")
    if element is None:
        raise MalformedResponse("empty Identify answer")

    def text(tag: str) -> str:
        return (element.findtext(f"{{{OAI}}}{tag}") or "").strip()

    return RepositoryInfo(text("repositoryName"), text("baseURL"), text("protocolVersion"),
                          text("earliestDatestamp"), text("granularity"), text("deletedRecord"))


def parse_metadata_formats(body: bytes) -> list[str]:
    """Parse a ``ListMetadataFormats`` answer: the metadataPrefix values offered."""
    element = _verb_element(body, "ListMetadataFormats")
    if element is None:
        return []
    return [(f.findtext(f"{{{OAI}}}metadataPrefix") or "").strip() for f in element.iterfind(f"{{{OAI}}}metadataFormat")]


def parse_sets(body: bytes) -> tuple[list[tuple[str, str]], str | None]:
    """Parse a ``ListSets`` page: ``([(setSpec, setName)], resumption token or None)``."""
    element = _verb_element(body, "ListSets")
    if element is None:
        return [], None
    sets = [((s.findtext(f"{{{OAI}}}setSpec") or "").strip(), (s.findtext(f"{{{OAI}}}setName") or "").strip())
            for s in element.iterfind(f"{{{OAI}}}set")]
    return sets, _with_token(element, [], []).token


def parse_identifiers(body: bytes) -> tuple[list[Header], str | None]:
    """Parse a ``ListIdentifiers`` page: ``([Header], resumption token or None)``."""
    element = _verb_element(body, "ListIdentifiers")
    if element is None:
        return [], None
    headers = []
    for h in element.iterfind(f"{{{OAI}}}header"):
        identifier = (h.findtext(f"{{{OAI}}}identifier") or "").strip()
        try:
            arxiv_id = parse_arxiv_id(identifier.rsplit(":", 1)[-1])[0]
            datestamp = _date(h.findtext(f"{{{OAI}}}datestamp"))
        except (ValueError, BadArxivId):
            continue
        sets = [(s.text or "").strip() for s in h.iterfind(f"{{{OAI}}}setSpec")]
        headers.append(Header(arxiv_id, datestamp, h.get("status") == "deleted", sets))
    return headers, _with_token(element, [], []).token


# --- requests -----------------------------------------------------------------------------------


def list_records_params(
    *, prefix: str, from_date: dt.date | None, until_date: dt.date | None, set_spec: str | None
) -> dict[str, str]:
    """Query parameters of the first ListRecords request of a list."""
    if prefix not in PREFIXES:
        raise ValueError(f"unsupported metadataPrefix {prefix!r}; use one of {', '.join(PREFIXES)}")
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    if from_date:
        params["from"] = from_date.isoformat()
    if until_date:
        params["until"] = until_date.isoformat()
    if set_spec:
        params["set"] = set_spec
    return params
