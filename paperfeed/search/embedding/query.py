"""Search queries through the ONNX Runtime twin of the default torch model."""

from __future__ import annotations

import logging

import numpy as np

from .base import Embedder
from .onnx import OnnxEmbedder, QueryModelNotReady, query_quantize_setting

log = logging.getLogger(__name__)


class QueryEmbedder:
    """Queries through ONNX, batches stay on torch (``base``).

    fp32 ONNX gives the torch vectors (cosine >= 0.9999999 on SciFact's 5,183 docs) under the same
    model name, but embeds one short query in 2.6 ms instead of 9.7 (bench/search.py) and lets a
    web process answer its first search after 0.4 s with 256 MB instead of 5.1 s with 546 MB (no
    torch import; demo database). By default queries run on the int8 twin
    (``QUERY_EMBEDDING_QUANTIZE``), searched against the documents' fp32 vectors: SciFact test
    nDCG@10 0.7406 against 0.7412 with fp32 queries, cosine 0.992 to the fp32 query vector on
    average, and 3.5 ms less CPU per new search at 80k papers: its weights (a quarter of fp32's)
    stay in the CPU cache between requests. If onnxruntime is missing or the export fails, it falls back to
    ``base`` for good. With ``torch=False`` (web workers) it never exports and never falls back:
    both would load torch (~400 MB) into the process; :meth:`ready` says whether it can serve.
    """

    def __init__(self, base: Embedder, *, torch: bool = True) -> None:
        self.base = base
        self.name, self.dim = base.name, base.dim
        self.torch = torch
        # One thread: a query is a handful of tokens, and a second ONNX Runtime thread only spins.
        # 60 three-word queries on 2 busy cores: 3.5 ms CPU (4 ms wall) each on one thread, 11.6 ms
        # CPU (37 ms wall) on two, with identical vectors.
        self._onnx: OnnxEmbedder | None = OnnxEmbedder(base.name, quantize=query_quantize_setting(), export=torch,
                                                       threads=1)

    def ready(self) -> None:
        """Raise QueryModelNotReady when queries cannot be embedded without torch (cheap once loaded)."""
        if self._onnx is None or not self._onnx.available():
            raise QueryModelNotReady("the ONNX query model is not exported yet (`paperfeed serve` exports it)")

    @property
    def device(self) -> str:
        """Where queries are embedded: the ONNX graph's device, or the base embedder's after a fallback."""
        return self._onnx.device if self._onnx is not None else self.base.device

    def embed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed with ONNX (falling back to the base embedder if ONNX cannot run)."""
        if self._onnx is not None:
            try:
                return self._onnx.embed(texts, batch_size=batch_size, progress=progress)
            except Exception:  # an ONNX problem must not take semantic search down
                if not self.torch:
                    raise
                log.exception("ONNX query embedding failed; using %s from now on", type(self.base).__name__)
                self._onnx = None
        return self.base.embed(texts, batch_size=batch_size, progress=progress)
