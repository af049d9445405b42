"""One typed Settings object: arguments > environment variables (ASSISTANT_*) > defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant. `Settings.from_env(**overrides)` reads ASSISTANT_<FIELD> variables."""

    corpus_dir: Path = _setting(Path("corpus"), "Folder of source documents (.md .txt .html .pdf), read recursively.")
    index_dir: Path = _setting(Path("index"), "Folder holding the persistent Chroma store and the ingest record.")
    chroma_url: str = _setting("", "URL of a Chroma server (http://host:port); empty = embedded store in index_dir.")
    collection: str = _setting("corpus", "Chroma collection name.")
    model: str = _setting(DEFAULT_MODEL, "Embedding model: a sentence-transformers name or a local path.")
    backend: str = _setting("auto", "Embedding backend: auto (fastest that keeps cosine >= 0.999 to fp32, measured "
                            "once per host), torch-fp32, torch-bf16, torch-bf16-compiled, openvino, openvino-int8, "
                            "onnx-int8, cuda-fp16.")
    device: str = _setting("", "Torch device for embedding (cpu, cuda); empty = cuda when available, else cpu.")
    cache_dir: str = _setting("", "Folder for exported embedding models and backend decisions; "
                               "empty = ~/.cache/kaohsiung-assistant.")
    chunk_tokens: int = _setting(200, "Largest chunk in the model's word pieces (must fit its window).")
    chunk_overlap_tokens: int = _setting(40, "Overlap between neighbouring chunks, in word pieces.")
    k: int = _setting(5, "Passages retrieved per question.")
    abstain_threshold: float = _setting(0.38, "Last gate: evidence that meets every constraint of the question must still score this much.")
    max_answer_sentences: int = _setting(3, "Most source sentences in an extractive answer.")
    max_answer_words: int = _setting(70, "Word budget of an extractive answer (talking points excepted).")
    max_question_chars: int = _setting(1000, "Longest question accepted, in characters.")
    max_history_turns: int = _setting(20, "Most history messages used to resolve a follow-up.")
    max_file_mb: float = _setting(20.0, "Largest source file accepted, in MiB.")
    max_document_chars: int = _setting(1_000_000, "Most characters of text one document may hold once extracted "
                                       "(markup-heavy files are measured by their text); a longer one is skipped.")
    max_document_chunks: int = _setting(2_000, "Most chunks one document may be split into; a document that needs "
                                        "more is skipped, so one file cannot monopolise an ingest.")
    pdf_timeout_s: float = _setting(60.0, "Longest a PDF may take to parse (in a child process) before it is skipped.")
    pdf_memory_mb: int = _setting(1024, "Most memory a PDF may take to parse, in MiB (stops decompression bombs).")
    ask_per_minute: int = _setting(30, "Questions (chat, /ask, talking points) one client address may ask per "
                                   "minute in the web UI, in a burst or spread out.")
    feedback_per_minute: int = _setting(30, "Like/dislike votes one client address may send per minute.")
    uploads_per_minute: int = _setting(10, "File uploads one client address may send per minute (staff only).")
    background_wait_s: float = _setting(2.0, "Longest an ingest started from the web UI waits, before each "
                                        "embedding slice, for the questions being answered to finish.")
    feedback_max_chars: int = _setting(2_000, "Most characters of the question and of the answer kept with a vote.")
    answerer: str = _setting("extractive", "Answer step: extractive (default), ollama:<model>, "
                             "openai-compatible[:<model>] or hf:<local model path>.")
    llm_base_url: str = _setting("", "Server URL for ollama / openai-compatible (e.g. http://127.0.0.1:8000/v1); "
                                 "the API key comes from ASSISTANT_LLM_API_KEY or OPENAI_API_KEY.")
    llm_model: str = _setting("", "Model name on the openai-compatible server.")
    llm_timeout: float = _setting(120.0, "Seconds a chat model may take for one answer before the extractive fallback.")
    llm_max_tokens: int = _setting(300, "Most tokens a chat model may generate for one answer.")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from ASSISTANT_* variables, then apply non-None keyword overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"ASSISTANT_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, type(f.default), raw)
        for name, value in overrides.items():
            if name not in {f.name for f in fields(cls)}:
                raise ConfigError(f"unknown setting {name!r}")
            if value is not None:
                values[name] = _convert(name, type(getattr(cls, name, "")), value)
        return cls(**values).validated()

    def validated(self) -> "Settings":
        if self.chunk_tokens < 16 or self.chunk_tokens > 512:
            raise ConfigError(f"chunk_tokens must be between 16 and 512, got {self.chunk_tokens}")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise ConfigError("chunk_overlap_tokens must be at least 0 and smaller than chunk_tokens")
        for name in ("max_document_chars", "max_document_chunks", "ask_per_minute", "feedback_per_minute",
                     "uploads_per_minute", "feedback_max_chars"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.k < 1 or self.k > 100:
            raise ConfigError(f"k must be between 1 and 100, got {self.k}")
        return self

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes).validated()

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(environment variable, default, help) for every setting, for docs and `assistant config`."""
        return [(f"ASSISTANT_{f.name.upper()}", str(f.default), f.metadata["help"]) for f in fields(cls)]


def _convert(name: str, kind: type, raw: Any) -> Any:
    try:
        if issubclass(kind, Path):
            return Path(raw).expanduser()
        if kind is bool and isinstance(raw, str):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"setting {name}: cannot read {raw!r} as {kind.__name__}") from e
