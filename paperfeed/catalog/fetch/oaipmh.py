"""Requests to an OAI-PMH repository: one ListRecords page, a repository's description, a count.

Parsing the answers is ``paperfeed.catalog.sources.oaipmh``; the harvest loop is
``paperfeed.catalog.harvest``.
"""

from __future__ import annotations

from collections.abc import Mapping

from paperfeed.catalog.fetch.http import FetchError, PoliteClient
from paperfeed.catalog.sources.oaipmh import (
    MalformedResponse,
    OaiPage,
    parse_identifiers,
    parse_identify,
    parse_metadata_formats,
    parse_page,
    parse_sets,
)


def fetch_page(client: PoliteClient, base_url: str, params: Mapping[str, str], *, attempts: int = 3) -> OaiPage:
    """GET one ListRecords page and parse it; a truncated or garbled body is fetched again.

    Raises FetchError when the server keeps failing or the body stays malformed.
    """
    last: Exception | None = None
    for attempt in range(attempts):
        response = client.get(base_url, params=params)
        if response.status_code != 200:
            raise FetchError(f"{base_url}: HTTP {response.status_code}", status=response.status_code, url=base_url)
        try:
            return parse_page(response.content)
        except MalformedResponse as exc:
            last = exc
            client.retries += 1
            client.sleep(client.backoff * (2**attempt))
    raise FetchError(f"{base_url}: malformed response after {attempts} attempts: {last}", url=base_url)


def _get(client: PoliteClient, base_url: str, params: Mapping[str, str]) -> bytes:
    response = client.get(base_url, params=params)
    if response.status_code != 200:
        raise FetchError(f"{base_url}: HTTP {response.status_code}", status=response.status_code, url=base_url)
    return response.content


def describe_repository(client: PoliteClient, base_url: str) -> dict:
    """Identify, ListMetadataFormats and every page of ListSets: what an operator checks first."""
    info = parse_identify(_get(client, base_url, {"verb": "Identify"}))
    formats = parse_metadata_formats(_get(client, base_url, {"verb": "ListMetadataFormats"}))
    sets, token = parse_sets(_get(client, base_url, {"verb": "ListSets"}))
    while token:
        more, token = parse_sets(_get(client, base_url, {"verb": "ListSets", "resumptionToken": token}))
        sets.extend(more)
    return {"info": info, "formats": formats, "sets": sets}


def count_identifiers(client: PoliteClient, base_url: str, params: Mapping[str, str]) -> dict[str, int]:
    """Page through ListIdentifiers for a harvest's range: how many records, how many deleted."""
    query = {**params, "verb": "ListIdentifiers"}
    counts = {"records": 0, "deleted": 0, "pages": 0}
    while True:
        headers, token = parse_identifiers(_get(client, base_url, query))
        counts["pages"] += 1
        counts["records"] += len(headers)
        counts["deleted"] += sum(1 for h in headers if h.deleted)
        if not token:
            return counts
        query = {"verb": "ListIdentifiers", "resumptionToken": token}
