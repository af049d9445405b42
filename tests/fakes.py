"""A tiny deterministic embedding for plumbing tests where the vectors do not matter (crash loops, model swaps).

Feature hashing of lower-cased words with sha256 (not Python's salted hash), so every process computes the
same vectors. Never used where retrieval quality is under test: those tests use the real model.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np
from langchain_core.embeddings import Embeddings

WORD = re.compile(r"\w+")


class HashEmbeddings(Embeddings):
    """The parts of SentenceEmbeddings the pipeline uses, at no model-loading cost."""

    backend = "hash"
    window = 512

    def __init__(self, dimension: int = 64):
        self.dimension = dimension
        self.model_name = f"test-hash-{dimension}"

    def token_counter(self):
        return lambda text: len(WORD.findall(text))

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in zip(rows, texts):
            for word in WORD.findall(text.lower()):
                row[int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little") % self.dimension] += 1
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.maximum(norms, 1e-12)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
