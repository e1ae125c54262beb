"""Typed query parameters shared by the API's endpoints, so the OpenAPI schema says what the server accepts.

Each type carries its pattern, format and bounds; django-ninja validates them and the API answers
400 JSON to anything else (see ``api.invalid_parameters``). The period patterns allow only the
years the catalogue can list (``catalog.services.MIN_YEAR``–``MAX_YEAR``: 1900–2999).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

YEAR = r"(19[0-9]{2}|2[0-9]{3})"
DAY_PATTERN = rf"^{YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
WEEK_PATTERN = rf"^{YEAR}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
MONTH_PATTERN = rf"^{YEAR}-(0[1-9]|1[0-2])$"
CATEGORY_PATTERN = r"^[A-Za-z0-9._-]{0,64}$"
# An arXiv id as paperfeed reads it (catalog.sources.arxiv_ids): new style with the number of
# digits of its month (4 from 2007-04, 5 from 2015-01), or old style; optional version, "arXiv:"
# or abs-URL prefix. [0-9], not \d: \d also matches other scripts' digits. Archive names are
# short (hep-th, cond-mat, q-bio): longer ones would overflow Submission.arxiv_id (64 characters).
ARXIV_ID_PATTERN = (
    r"^(arXiv:|https://arxiv\.org/abs/)?"
    r"((1[5-9]|[2-9][0-9])(0[1-9]|1[0-2])\.[0-9]{5}"
    r"|(07(0[4-9]|1[0-2])|0[89](0[1-9]|1[0-2])|1[0-4](0[1-9]|1[0-2]))\.[0-9]{4}"
    r"|[a-z]{1,8}(-[a-z]{1,8})?(\.[A-Z]{2})?/[0-9]{2}(0[1-9]|1[0-2])[0-9]{3})"
    r"(v[1-9][0-9]{0,5})?$"
)
MAX_QUERY = 250  # Hugging Face's limit on q
MAX_OFFSET = 10_000

DayText = Annotated[
    str,
    Field(pattern=DAY_PATTERN, json_schema_extra={"format": "date", "examples": ["2026-06-15"]},
          description="A listing day, YYYY-MM-DD."),
]
WeekText = Annotated[
    str,
    Field(pattern=WEEK_PATTERN, json_schema_extra={"examples": ["2026-W24"]}, description="An ISO week, YYYY-Www."),
]
MonthText = Annotated[
    str,
    Field(pattern=MONTH_PATTERN, json_schema_extra={"examples": ["2026-06"]}, description="A month, YYYY-MM."),
]
CategoryText = Annotated[
    str, Field(pattern=CATEGORY_PATTERN, description="An arXiv category such as cs.LG (empty: all).")
]
QueryText = Annotated[str, Field(max_length=MAX_QUERY, description=f"Search text, at most {MAX_QUERY} characters.")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description=f"Results to skip, 0 to {MAX_OFFSET}.")]
