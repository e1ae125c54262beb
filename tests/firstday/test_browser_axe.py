"""Every main page passes axe-core's WCAG 2 A/AA rules with no serious or critical violation.

axe-core comes from npm (``make browser`` installs it into node_modules/); the test skips without it.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from paperfeed.search.services import embed_pending
from tests.conftest import REPO
from tests.factories import add_authors, make_collection, make_paper, make_user, make_vote
from tests.browser import PASSWORD
from tests.firstday.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")), count: v.nodes.length}));
}"""


def _audit(page, url: str) -> list[dict]:
    page.goto(url)
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN)


@pytest.fixture
def site():
    day = dt.date(2026, 6, 15)
    ada = make_user(username="ada", password=PASSWORD)
    papers = [
        make_paper(title=f"Diffusion paper {i} with $\\alpha$ maths", listing_date=day, imported_upvotes=10 * i,
                   abstract="We study diffusion models for planning; see arXiv:2401.00001 for details.",
                   authors=[f"Author Number{j}" for j in range(3 + i)])
        for i in range(1, 6)
    ]
    for paper in papers:
        add_authors(paper)
    now = dt.datetime.now(dt.UTC)
    for i in range(3):
        make_vote(user=make_user(), paper=papers[0], at=now - dt.timedelta(hours=i + 1))
    make_collection(owner=ada, papers=papers[:2], name="Reading list", public=True)
    embed_pending()
    return {"ada": ada, "papers": papers, "day": day}


def test_main_pages_have_no_serious_violations(live_server, page, site):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `make browser` (npm install axe-core)")
    base = live_server.url
    paper = site["papers"][0]
    anonymous = ["/", f"/date/{site['day']}", "/week/2026-W25", "/month/2026-06", "/trending?window=day",
                 "/trending?window=week", "/trending?window=month", "/search?q=diffusion+planning",
                 "/search?q=qwertyuiop", paper.get_absolute_url(), "/accounts/login/", "/accounts/signup/",
                 "/subscribe", "/no/such/page"]
    signed_in = ["/", paper.get_absolute_url(), "/submit", "/collections/",
                 f"/collections/{site['ada'].collections.first().pk}/", "/accounts/profile/", "/digests/preferences/"]
    found = {}
    for path in anonymous:
        found[path] = _audit(page, base + path)
    author = page.goto(base + paper.get_absolute_url()) and page.locator(".authors a").first.get_attribute("href")
    found[author] = _audit(page, base + author)
    log_in(page, base, "ada")
    for path in signed_in:
        found[f"{path} (signed in)"] = _audit(page, base + path)
    bad = {path: v for path, v in found.items() if v}
    assert not bad, json.dumps(bad, indent=1)
