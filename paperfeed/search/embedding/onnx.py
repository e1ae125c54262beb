"""ONNX Runtime embedder: the same sentence-transformers model, exported once to ONNX, run on CPU.

``OnnxEmbedder`` computes what ``SentenceTransformerEmbedder`` computes (word pieces truncated
to the model's ``max_seq_length``, mean pooling over the attention mask, L2 normalisation) with
onnxruntime instead of torch. The fp32 graph gives the same vectors (cosine >= 0.9999, tested), so
it keeps the model's name and stored embeddings stay valid; the int8 graph (dynamic quantisation)
differs slightly and is named ``<model>+int8`` so its vectors are never mixed with fp32 ones.

The graph is exported from the model package's own weights on first use (torch + transformers,
offline) into ``DATA_DIR/models/<model>-onnx[-int8]-<fingerprint>/`` and reused afterwards; once
exported, embedding needs only onnxruntime and tokenizers (torch is not even imported).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
from django.conf import settings
from tqdm import tqdm

from .base import model_path, normalise

QUANTIZE_CHOICES = ("none", "int8")


class QueryModelNotReady(RuntimeError):
    """A process that must not export (a web worker) found no exported graph yet."""


EXPORT_VERSION = 2  # bump when the exported graph changes, so old caches are not reused
ONNX_FILE = "model.onnx"
RUN_BATCH = 16  # texts per session run: 64 peaked at ~900 MB on 256-token abstracts, 16 at ~500 MB


def quantize_setting() -> str:
    """The configured quantisation, ``settings.EMBEDDING_QUANTIZE`` ("none" when empty)."""
    return (settings.EMBEDDING_QUANTIZE or "none").strip().lower()


def query_quantize_setting() -> str:
    """How the ONNX query model runs, ``settings.QUERY_EMBEDDING_QUANTIZE`` ("none" when empty)."""
    value = (settings.QUERY_EMBEDDING_QUANTIZE or "none").strip().lower()
    if value not in QUANTIZE_CHOICES:
        raise ValueError(f"QUERY_EMBEDDING_QUANTIZE must be one of {', '.join(QUANTIZE_CHOICES)}, not {value!r}")
    return value


def default_cache_dir() -> Path:
    """Where exported graphs live: ``DATA_DIR/models``."""
    return Path(settings.DATA_DIR) / "models"


def max_seq_length(model_dir: str) -> int:
    """The model's word-piece limit, as sentence-transformers reads it (256 for MiniLM)."""
    config = Path(model_dir) / "sentence_bert_config.json"
    if config.is_file():
        value = json.loads(config.read_text()).get("max_seq_length")
        if value:
            return int(value)
    return 512


def fingerprint(model_dir: str) -> str:
    """A short hash of the model's config and weight files (name, size, content head), so a new
    model version gets a fresh export instead of a stale one."""
    digest = hashlib.sha256(f"v{EXPORT_VERSION}".encode())
    for path in sorted(Path(model_dir).iterdir()):
        if path.is_file() and path.suffix in (".json", ".safetensors", ".bin", ".txt"):
            digest.update(f"{path.name}:{path.stat().st_size}".encode())
            with path.open("rb") as handle:
                digest.update(handle.read(1 << 16))
    return digest.hexdigest()[:10]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name or name)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (blocking) so only one process exports a given graph."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def export_fp32(model_dir: str, target: Path) -> None:
    """Export the transformer + mean pooling + L2 norm to ONNX (fp32) at ``target``.

    Why torch.onnx.export (the TorchScript tracer, ``dynamo=False``) rather than
    sentence-transformers' ``backend="onnx"``: the latter needs optimum (another large dependency)
    and the dynamo exporter needs onnxscript; the tracer needs neither. The tracer cannot follow
    transformers' mask helpers (they branch on shapes), so the wrapper below builds the additive
    attention mask itself and calls the embeddings and encoder directly (eager attention).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Imported here: only the one-off export needs torch; embedding with the graph never loads it.
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").float().eval()

    class Pooled(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
            hidden = self.bert.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids),
                                          position_ids=positions)
            mask = attention_mask.to(hidden.dtype)
            additive = (1.0 - mask[:, None, None, :]) * torch.finfo(hidden.dtype).min
            hidden = self.bert.encoder(hidden, attention_mask=additive).last_hidden_state
            mask = mask.unsqueeze(-1)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "sentence_embedding": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(Pooled(model), (ids, mask), str(target), input_names=["input_ids", "attention_mask"],
                          output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of ``source`` (weights int8 per channel, activations at run time).

    Per-channel weight scales matter here: one scale per tensor gave a mean cosine of 0.93 with
    the fp32 vectors on arXiv abstracts, per channel 0.994.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic  # heavy, and only for the one-off export

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)


def graph_path(model: str, *, quantize: str = "none", cache_dir: Path | None = None) -> Path:
    """Where the ONNX graph of ``model`` / ``quantize`` is (or will be) exported."""
    suffix = "-int8" if quantize == "int8" else ""
    folder = Path(cache_dir or default_cache_dir()) / f"{_safe(model)}-onnx{suffix}-{fingerprint(model_path(model))}"
    return folder / ONNX_FILE


def ensure_onnx(model: str, *, quantize: str = "none", cache_dir: Path | None = None) -> tuple[Path, bool]:
    """Return (path of the ONNX graph for ``model``, whether this call built it).

    Built once into a temporary folder and renamed into place, under a file lock: concurrent
    processes wait for the first one and then reuse its graph.
    """
    if quantize not in QUANTIZE_CHOICES:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZE_CHOICES)}, not {quantize!r}")
    cache_dir = Path(cache_dir or default_cache_dir())
    graph = graph_path(model, quantize=quantize, cache_dir=cache_dir)
    folder = graph.parent
    if graph.is_file():
        return graph, False
    with _file_lock(cache_dir / f".{folder.name}.lock"):
        if graph.is_file():  # another process finished it while we waited
            return graph, False
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=cache_dir))
        try:
            _build(model, quantize=quantize, cache_dir=cache_dir, into=tmp)
            try:
                os.rename(tmp, folder)
            except OSError:
                if not graph.is_file():  # not "someone else won" (locks can be void on network filesystems)
                    raise
                return graph, False
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return graph, True


def _build(model: str, *, quantize: str, cache_dir: Path, into: Path) -> None:
    """Write ``model.onnx`` (and ``source.json``) for ``model`` / ``quantize`` into the folder ``into``."""
    model_dir = model_path(model)
    if quantize == "int8":
        fp32, _ = ensure_onnx(model, quantize="none", cache_dir=cache_dir)
        # quantize_dynamic writes scratch files beside its input: keep them in our own folder.
        shutil.copyfile(fp32, into / "fp32.onnx")
        quantize_int8(into / "fp32.onnx", into / ONNX_FILE)
        (into / "fp32.onnx").unlink()
    else:
        export_fp32(model_dir, into / ONNX_FILE)
    source = {"model": model, "model_dir": model_dir, "quantize": quantize, "export_version": EXPORT_VERSION}
    (into / "source.json").write_text(json.dumps(source, indent=1))


class OnnxEmbedder:
    """The sentence-transformers model run by onnxruntime on CPU; ``quantize="int8"`` for int8.

    ``quantize=None`` reads ``settings.EMBEDDING_QUANTIZE`` (empty: "none").
    The graph is exported (or found) on first use, like the torch embedder loads lazily.
    """

    def __init__(self, model: str, *, quantize: str | None = None,
                 cache_dir: Path | None = None, threads: int | None = None, export: bool = True) -> None:
        self.quantize = quantize_setting() if quantize is None else quantize
        if self.quantize not in QUANTIZE_CHOICES:
            raise ValueError(f"EMBEDDING_QUANTIZE must be one of {', '.join(QUANTIZE_CHOICES)}, not {self.quantize!r}")
        self.model = model
        self.name = model if self.quantize == "none" else f"{model}+{self.quantize}"
        self.dim = 384  # updated from the graph once loaded
        self.cache_dir = cache_dir
        self.threads = threads
        self.export = export  # False: use a graph another process exported, never build one (torch)
        self.graph_path: Path | None = None
        self.exported = False  # whether this instance had to build its graph
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._session is None:
                # Imported on first use: a process that never embeds (the worker's other jobs,
                # management commands) does not load onnxruntime.
                import onnxruntime as ort
                from tokenizers import Tokenizer

                if self.export:
                    self.graph_path, self.exported = ensure_onnx(self.model, quantize=self.quantize, cache_dir=self.cache_dir)
                else:
                    self.graph_path = graph_path(self.model, quantize=self.quantize, cache_dir=self.cache_dir)
                    if not self.graph_path.is_file():
                        raise QueryModelNotReady(f"no exported ONNX graph at {self.graph_path} yet")
                model_dir = model_path(self.model)
                tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
                # tokenizer.json ships fixed 128-token padding/truncation; sentence-transformers
                # truncates at max_seq_length (256) and pads to the longest text of the batch.
                tokenizer.enable_truncation(max_length=max_seq_length(model_dir))
                tokenizer.no_padding()
                options = ort.SessionOptions()
                self.threads = self.threads or settings.TORCH_THREADS
                options.intra_op_num_threads = max(self.threads, 1)
                options.inter_op_num_threads = 1
                # The arena keeps its peak for the life of the process: 1.2 GB after one embed run of
                # 64-text batches; without it the memory goes back (bench/memory.py).
                options.enable_cpu_mem_arena = False
                session = ort.InferenceSession(str(self.graph_path), options, providers=["CPUExecutionProvider"])
                self.dim = int(session.get_outputs()[0].shape[-1])
                self._tokenizer, self._session = tokenizer, session
        return self._session

    def available(self) -> bool:
        """Whether embedding can start without exporting (always, when this instance may export)."""
        if self._session is not None or self.export:
            return True
        return graph_path(self.model, quantize=self.quantize, cache_dir=self.cache_dir).is_file()

    @property
    def device(self) -> str:
        """Where and how the model runs, e.g. ``cpu (onnxruntime fp32, 2 threads)``."""
        self._load()
        variant = "fp32" if self.quantize == "none" else self.quantize
        return f"cpu (onnxruntime {variant}, {self.threads} threads)"

    def embed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Return L2-normalised float32 embeddings of ``texts`` (in input order)."""
        session = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # sentence-transformers strips each text before tokenising; do the same for equal vectors.
        encodings = self._tokenizer.encode_batch([str(t).strip() for t in texts])
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")  # longest first: less padding
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        step = max(min(batch_size, RUN_BATCH), 1)  # activations grow with batch × length²
        starts = range(0, len(order), step)
        if progress:
            starts = tqdm(starts, unit="batch", desc="embed")
        for start in starts:
            rows = order[start:start + step]
            ids, mask = _pad([encodings[i].ids for i in rows])
            out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return normalise(out)


def _pad(sequences: list[list[int]], pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad token id lists to the longest: (input_ids, attention_mask) as int64 arrays."""
    width = max(len(s) for s in sequences)
    ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), width), dtype=np.int64)
    for row, seq in enumerate(sequences):
        ids[row, :len(seq)] = seq
        mask[row, :len(seq)] = 1
    return ids, mask
