"""Digest benchmark: compose for 100,000 subscribers with topics (target ≤ 60 s) and deliver
10,000 messages to a local aiosmtpd (target ≤ 60 s), each next to a baseline measured in the
same run (naive per-subscriber composition; one SMTP connection per message), with the ratio.

    .venv/bin/python bench/digest.py [--subscribers 100000] [--messages 10000] [--senders 2] [--only-deliver]

Candidates are real arXiv abstracts from ../shared/data/arxiv_abstracts when present (synthetic
text otherwise). Delivery runs against a throw-away SQLite database under a temporary
PAPERFEED_DATA_DIR, with `paperfeed digest send` processes claiming from one outbox concurrently
(which also checks that no message goes out twice) and an aiosmtpd server in its own process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("PAPERFEED_SHARED_DATA", REPO.parent / "shared" / "data"))
NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
CATS = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "cs.RO", "stat.ML", "cs.PL", "quant-ph", "math.OC", "eess.AS"]

SERVER = r"""
import asyncio, sys
from aiosmtpd.controller import Controller
class Count:
    def __init__(self): self.n = 0; self.rcpts = set(); self.dupes = 0
    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        for r in envelope.rcpt_tos:
            if r in self.rcpts: self.dupes += 1
            self.rcpts.add(r)
        return "250 OK"
h = Count()
c = Controller(h, hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
for line in sys.stdin:
    print(f"{h.n} {len(h.rcpts)} {h.dupes}", flush=True)
"""


def load_texts(n: int) -> list[tuple[str, str, list[str]]]:
    """(title, abstract, categories) of ``n`` real papers, or synthetic ones without shared data."""
    out = []
    folder = SHARED / "arxiv_abstracts"
    for shard in sorted(folder.glob("*.jsonl.gz")) if folder.is_dir() else []:
        with gzip.open(shard, "rt") as f:
            for line in f:
                r = json.loads(line)
                out.append((r["title"], r["summary"], r["categories"]))
                if len(out) == n:
                    return out
    rng = random.Random(1)
    words = "model learning neural diffusion video tensor compiler graph robot language agent quantum sparse attention".split()
    while len(out) < n:
        title = " ".join(rng.choices(words, k=6))
        out.append((title, " ".join(rng.choices(words, k=120)), [rng.choice(CATS)]))
    return out


def make_candidates(n: int = 200):
    from paperfeed.digests.compose import Candidate

    rows = load_texts(n)
    return [
        Candidate(i + 1, t, f"{t}\n{a}", tuple(c), float(n - i), f"trending: {n - i} votes")
        for i, (t, a, c) in enumerate(rows)
    ]


def make_prefs(candidates, count: int, seed: int = 7):
    """``count`` subscribers' (prefs, history): 1–3 topics each, some category filters, some history."""
    from paperfeed.digests.compose import Prefs, analyze

    rng = random.Random(seed)
    words = sorted({w for c in candidates for w in analyze(c.text) if " " not in w and len(w) > 3})
    phrases = sorted({w for c in candidates for w in analyze(c.title) if " " in w})
    topics = [rng.choice(phrases) if rng.random() < 0.5 else f"{rng.choice(words)} {rng.choice(words)}" for _ in range(30_000)]
    ids = [c.paper_id for c in candidates]
    out = []
    for _ in range(count):
        include = tuple(rng.sample(CATS, 2)) if rng.random() < 0.3 else ()
        exclude = (rng.choice(CATS),) if rng.random() < 0.1 else ()
        prefs = Prefs(size=rng.choice([5, 10, 10, 20, 50]), include_categories=include, exclude_categories=exclude,
                      topics=tuple(rng.sample(topics, rng.randint(1, 3))))
        history = set(rng.sample(ids, rng.randint(0, 20)))
        out.append((prefs, history))
    return out


def bench_compose(subscribers: int) -> None:
    from paperfeed.digests.compose import CandidatePool, compose

    candidates = make_candidates()
    population = make_prefs(candidates, subscribers)
    t0 = time.perf_counter()
    pool = CandidatePool(candidates)
    pool.prime_topics(t for p, _ in population for t in p.topics)
    t_prep = time.perf_counter() - t0
    sent = sum(1 for p, h in population if compose(pool, p, h, NOW) is not None)
    fast = time.perf_counter() - t0
    sample = population[:30]
    t0 = time.perf_counter()
    for p, h in sample:  # naive: vectorise the candidates again for every subscriber
        compose(candidates, p, h, NOW)
    naive = (time.perf_counter() - t0) / len(sample) * subscribers
    distinct = len({t for p, _ in population for t in p.topics})
    print(f"compose: {subscribers:,} subscribers ({distinct:,} distinct topics, {len(candidates)} candidates) "
          f"in {fast:.1f} s (of which pool + topic vectors {t_prep:.1f} s), {sent:,} digests "
          f"[target ≤ 60 s: {'OK' if fast <= 60 else 'MISSED'}]")
    print(f"compose baseline (per-subscriber vectorising, {len(sample)} measured, extrapolated): {naive:.0f} s; "
          f"ratio {naive / fast:.0f}x")


THEMES = ["segmentation", "reinforcement", "diffusion", "retrieval", "agent", "speech", "graph", "robot", "medical",
          "translation", "3d", "video", "reasoning", "detection", "federated"]


def bench_profile() -> None:
    """The per-user model (centroid of liked papers): precision@10 for simulated users, vs trending only."""
    from paperfeed.digests import compose as C

    if not (SHARED / "arxiv_abstracts").is_dir():
        print("profile: skipped (needs ../shared/data/arxiv_abstracts)")
        return
    rows = load_texts(6000)
    random.Random(1).shuffle(rows)
    cands = [C.Candidate(i, t, f"{t}\n{a}", tuple(c), float(200 - i), "t") for i, (t, a, c) in enumerate(rows[:200])]
    pool = C.CandidatePool(cands)
    rng = random.Random(0)
    users = []  # a user likes 5 papers (outside the pool) about one theme; relevant: pool papers on it
    for theme in THEMES:
        liked = [f"{t}\n{a}" for t, a, _ in rows[200:] if theme in t.lower()]
        relevant = {c.paper_id for c in cands if theme in c.text.lower()}
        if len(liked) >= 5 and relevant:
            users += [(C.profile_vector(pool, rng.sample(liked, 5)), relevant) for _ in range(5)]
    base = C.PROFILE_WEIGHT
    results = []
    for weight in (0.0, base):
        C.PROFILE_WEIGHT = weight
        hits = [len(set(C.compose(pool, C.Prefs(size=10, profile=p), set(), NOW).paper_ids) & rel) / 10 for p, rel in users]
        results.append(sum(hits) / len(hits))
    C.PROFILE_WEIGHT = base
    print(f"profile: precision@10 of {len(users)} simulated users (5 liked papers on a theme): trending only "
          f"{results[0]:.2f}, with the vote/collection centroid {results[1]:.2f}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_deliver(messages: int, senders: int, connections: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="paperfeed-bench-digest-"))
    port = free_port()
    env = {**os.environ, "PAPERFEED_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
           "PAPERFEED_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "PAPERFEED_EMAIL_HOST": "127.0.0.1", "PAPERFEED_EMAIL_PORT": str(port), "PYTHONPATH": str(REPO),
           "PAPERFEED_DIGEST_CANDIDATES_FUNCTION": "tests.digests.helpers.trending_by_upvotes",
           "PAPERFEED_SITE_URL": "https://papers.example.org", "PAPERFEED_FROM_EMAIL": "papers@example.org"}
    os.environ.update({k: v for k, v in env.items() if k.startswith(("PAPERFEED_", "DJANGO_"))})
    import django

    django.setup()
    from django.conf import settings
    from django.core.mail import get_connection

    from paperfeed.digests.emails import digest_email
    from paperfeed.digests.models import Delivery
    from paperfeed.digests.outbox import enqueue
    from paperfeed.catalog.models import Paper
    from tests.digests.crash_setup import main as setup

    setup(messages)
    t0 = time.perf_counter()
    enqueue(frequency="daily", now=NOW)
    print(f"deliver: setup {messages:,} subscribers; enqueue (compose + outbox rows) {time.perf_counter() - t0:.1f} s")
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    try:
        # Baseline: a fresh connection per message (what send_mail() in a loop does), on a sample.
        sample = list(Delivery.objects.select_related("subscriber")[:300])
        papers = Paper.objects.in_bulk({p for d in sample for p in d.paper_ids})
        settings.EMAIL_PORT = port
        t0 = time.perf_counter()
        for d in sample:
            get_connection().send_messages([digest_email(d, d.subscriber, papers)])
        naive = (time.perf_counter() - t0) / len(sample) * messages
        t0 = time.perf_counter()
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cmd = [sys.executable, "-m", "paperfeed.cli", "digest", "send", "--now", NOW.isoformat(), "--no-progress",
               "--connections", str(connections)]
        procs = [subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True) for _ in range(senders)]
        outs = [p.communicate()[0] for p in procs]
        took = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        server.stdin.write("?\n")
        server.stdin.flush()
        total, rcpts, dupes = map(int, server.stdout.readline().split())
    finally:
        server.kill()
    sent_now = total - len(sample)
    assert all(p.returncode == 0 for p in procs), outs
    print(f"deliver: {sent_now:,} messages by {senders} concurrent `digest send` processes × {connections} reused SMTP "
          f"connection(s) in {took:.1f} s = {sent_now / took:.0f} msg/s; recipients {rcpts:,}; "
          f"duplicates beyond the baseline sample {dupes - len(sample)} [target ≤ 60 s: {'OK' if took <= 60 else 'MISSED'}]")
    print(f"deliver: sender CPU {cpu:.1f} s = {cpu / sent_now * 1000:.1f} ms per message (wall time depends on how "
          f"busy the machine is; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"deliver baseline (connection per message, {len(sample)} measured, extrapolated): {naive:.0f} s; "
          f"ratio {naive / took:.1f}x")


def bench_enqueue(subscribers: int) -> None:
    """Compose *and store* (the real `enqueue`) for ``subscribers`` weekly subscribers with topics."""
    from paperfeed.digests.models import Subscriber
    from paperfeed.digests.outbox import enqueue

    rng = random.Random(3)
    words = "diffusion video tensor compiler graph neural robot language model agent quantum sparse attention".split()
    Subscriber.objects.bulk_create(
        (Subscriber(email=f"w{i:06d}@example.org", status="active", frequency="weekly", weekday=NOW.weekday(),
                    size=rng.choice([5, 10, 20, 50]), topics=[f"{rng.choice(words)} {rng.choice(words)}" for _ in range(rng.randint(1, 3))])
         for i in range(subscribers)), batch_size=5000)
    t0 = time.perf_counter()
    added, empty = enqueue(frequency="weekly", now=NOW)
    took = time.perf_counter() - t0
    print(f"enqueue: {subscribers:,} subscribers with topics composed and stored in the outbox (SQLite) in {took:.1f} s "
          f"({added:,} digests, {empty:,} empty) [target ≤ 60 s: {'OK' if took <= 60 else 'MISSED'}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--connections", type=int, default=2, help="SMTP connections (threads) per sender")
    parser.add_argument("--skip-deliver", action="store_true")
    parser.add_argument("--only-deliver", action="store_true", help="only the delivery figure (and its baseline)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    if not args.only_deliver:
        bench_compose(args.subscribers)
        bench_profile()
    if not args.skip_deliver:
        bench_deliver(args.messages, args.senders, args.connections)
    if not (args.skip_deliver or args.only_deliver):
        bench_enqueue(args.subscribers)


if __name__ == "__main__":
    main()
