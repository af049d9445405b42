"""The one Settings source: arguments > environment variables (ASSISTANT_*) > defaults. Nothing else reads the
environment.

Settings has nested parts, as private-gpt's settings.py does: `limits` (what a question, a document or a web
client may take), `llm` (a chat model that writes answers) and `web` (the UI server). A part's field keeps the
flat name it is set by: ASSISTANT_MAX_FILE_MB, `Settings.from_env(max_file_mb=5)` and `settings.max_file_mb`
all mean `settings.limits.max_file_mb`; the llm part's names start with llm_ (ASSISTANT_LLM_MODEL is
`settings.llm.model`).
"""
from __future__ import annotations

import os
from dataclasses import Field, dataclass, field, fields, replace
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from .errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MIN_TOKEN_CHARS = 16


def _setting(default: Any, help: str, *, secret: bool = False, also: str = "") -> Any:
    """A described field; a secret stays out of repr, `also` names a second variable read when the first is unset."""
    return field(default=default, repr=not secret, metadata={"help": help, "also": also})


def offline_models() -> None:
    """The process set-up, done only here: Hugging Face models are read from the local cache, never downloaded at
    run time (set before the first model load, since huggingface_hub reads it once; an explicit value wins)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def default_cache_dir() -> Path:
    """Where exported models and backend decisions are kept between runs (under XDG_CACHE_HOME when set)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kaohsiung-assistant"


@dataclass(frozen=True)
class LimitSettings:
    """What one question, one document or one web client may take."""

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
    feedback_max_chars: int = _setting(2_000, "Most characters of the question and of the answer kept with a vote.")


@dataclass(frozen=True)
class LLMSettings:
    """The chat model that writes answers when `answerer` names one."""

    base_url: str = _setting("", "Server URL for ollama / openai-compatible (e.g. http://127.0.0.1:8000/v1).")
    model: str = _setting("", "Model name on the openai-compatible server.")
    timeout: float = _setting(120.0, "Seconds a chat model may take for one answer before the extractive fallback.")
    max_tokens: int = _setting(300, "Most tokens a chat model may generate for one answer.")
    api_key: str = _setting("", "API key for the openai-compatible server (else OPENAI_API_KEY); local servers "
                            "ignore it. Kept out of repr, status and notes.", secret=True, also="OPENAI_API_KEY")


@dataclass(frozen=True)
class WebSettings:
    """The web UI server (`python app.py`, `assistant serve`)."""

    host: str = _setting("127.0.0.1", "Address the UI binds to.")
    port: int = _setting(7860, "Port the UI listens on.")
    admin_token: str = _setting("", "Enables the staff Documents tab; at least 16 characters.", secret=True)
    feedback_file: Path = _setting(Path("feedback.jsonl"), "Where like/dislike votes are appended (JSON lines).")
    concurrency: int = _setting(4, "Questions answered at the same time; more wait in the queue.")
    queue_size: int = _setting(64, "Most requests waiting in the queue; more are refused.")
    background_wait_s: float = _setting(2.0, "Longest an ingest started from the web UI waits, before each "
                                        "embedding slice, for the questions being answered to finish.")
    debug: bool = _setting(False, "Show server errors in the browser.")
    gaps_retention_days: int = _setting(90, "Days an entry of the gaps view (an abstention or a thumbs-down) is "
                                        "kept in the index's record before it is deleted.")


# part name -> (its class, the prefix of its fields' flat names)
PARTS: dict[str, tuple[type, str]] = {"limits": (LimitSettings, ""), "llm": (LLMSettings, "llm_"),
                                      "web": (WebSettings, "")}


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant. `Settings.from_env(**overrides)` reads ASSISTANT_<NAME> variables."""

    corpus_dir: Path = _setting(Path("corpus"), "Folder of source documents (.md .txt .html .pdf), read recursively.")
    index_dir: Path = _setting(Path("index"), "Folder holding the persistent Chroma store and the ingest record.")
    chroma_url: str = _setting("", "URL of a Chroma server (http://host:port); empty = embedded store in index_dir.")
    collection: str = _setting("corpus", "Chroma collection name.")
    model: str = _setting(DEFAULT_MODEL, "Embedding model: a sentence-transformers name or a local path.")
    backend: str = _setting("auto", "Embedding backend: auto (fastest that keeps cosine >= 0.999 to fp32, measured "
                            "once per host), torch-fp32, torch-bf16, torch-bf16-compiled, openvino, openvino-int8, "
                            "onnx-int8, cuda-fp16.")
    device: str = _setting("", "Torch device for embedding (cpu, cuda); empty = cuda when available, else cpu.")
    cache_dir: str = _setting("", "Folder for exported embedding models, backend decisions and the source "
                               "sentences' vectors and parses; empty = ~/.cache/kaohsiung-assistant.")
    chunk_tokens: int = _setting(200, "Largest chunk in the model's word pieces (must fit its window).")
    chunk_overlap_tokens: int = _setting(40, "Overlap between neighbouring chunks, in word pieces.")
    k: int = _setting(5, "Passages retrieved per question.")
    abstain_threshold: float = _setting(0.38, "Last gate: evidence that meets every constraint of the question must still score this much.")
    max_answer_sentences: int = _setting(3, "Most source sentences in an extractive answer.")
    max_answer_words: int = _setting(70, "Word budget of an extractive answer (talking points excepted).")
    answerer: str = _setting("extractive", "Answer step: extractive (default), ollama:<model>, "
                             "openai-compatible[:<model>] or hf:<local model path>.")
    limits: LimitSettings = field(default_factory=LimitSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    web: WebSettings = field(default_factory=WebSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from ASSISTANT_* variables, then apply non-None keyword overrides (flat names).

        >>> Settings.from_env(env={"ASSISTANT_PORT": "8080"}, max_file_mb=5).web.port
        8080

        Raises:
            ConfigError: an unknown name, a value of the wrong type, or one out of range.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, _, f in _flat_fields():
            raw = env.get(f"ASSISTANT_{name.upper()}") or (env.get(f.metadata["also"]) if f.metadata["also"] else None)
            if raw:
                values[name] = _convert(name, type(f.default), raw)
        values.update(_converted({k: v for k, v in overrides.items() if v is not None}))
        return cls(**values).validated()

    def __getattr__(self, name: str) -> Any:
        """A part's field by its flat name: settings.max_file_mb is settings.limits.max_file_mb."""
        for flat, part, f in _flat_fields():
            if part and flat == name:
                return getattr(getattr(self, part), f.name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def validated(self) -> "Settings":
        if self.chunk_tokens < 16 or self.chunk_tokens > 512:
            raise ConfigError(f"chunk_tokens must be between 16 and 512, got {self.chunk_tokens}")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise ConfigError("chunk_overlap_tokens must be at least 0 and smaller than chunk_tokens")
        for name in ("max_document_chars", "max_document_chunks", "ask_per_minute", "feedback_per_minute",
                     "uploads_per_minute", "feedback_max_chars", "port", "concurrency", "queue_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.k < 1 or self.k > 100:
            raise ConfigError(f"k must be between 1 and 100, got {self.k}")
        checked_token(self.web.admin_token)
        return self

    def with_(self, **changes: Any) -> "Settings":
        """A copy with some settings changed, by flat name (k=3, max_file_mb=5, llm_model="m")."""
        return replace(self, **_converted(changes)).validated()

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(environment variable, default, help) for every setting, for docs and `assistant config`."""
        return [(f"ASSISTANT_{name.upper()}", str(f.default), f.metadata["help"]) for name, _, f in _flat_fields()]


def checked_token(token: str | None) -> str | None:
    """The admin token, or None when document management is off; refuse a token too short to be secret."""
    if not token:
        return None
    if len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(f"ASSISTANT_ADMIN_TOKEN is {len(token)} characters long; use at least {MIN_TOKEN_CHARS}")
    return token


def _taking_flat_names(generated: Callable[..., None]) -> Callable[..., None]:
    """Settings' constructor (and so dataclasses.replace) also takes a part's fields by their flat names:
    Settings(max_file_mb=5) sets limits.max_file_mb, as it did before the parts."""

    @wraps(generated)
    def __init__(self: Settings, *args: Any, **values: Any) -> None:
        parts: dict[str, dict[str, Any]] = {}
        for name, part, f in _flat_fields():
            if part and name in values:
                parts.setdefault(part, {})[f.name] = values.pop(name)
        generated(self, *args, **values)
        for part, changes in parts.items():
            object.__setattr__(self, part, replace(getattr(self, part), **changes))

    return __init__


Settings.__init__ = _taking_flat_names(Settings.__init__)  # type: ignore[method-assign]


def _flat_fields() -> Iterator[tuple[str, str, Field]]:
    """(flat name, part name or "" for Settings itself, field) of every setting, in declaration order."""
    for f in fields(Settings):
        if f.name in PARTS:
            kind, prefix = PARTS[f.name]
            yield from ((prefix + g.name, f.name, g) for g in fields(kind))
        else:
            yield f.name, "", f


def _converted(values: dict[str, Any]) -> dict[str, Any]:
    """Flat-named values converted to their fields' types; an unknown name is a ConfigError."""
    known = {name: f for name, _, f in _flat_fields()}
    for name in values:
        if name not in known:
            raise ConfigError(f"unknown setting {name!r}")
    return {name: _convert(name, type(known[name].default), value) for name, value in values.items()}


def _convert(name: str, kind: type, raw: Any) -> Any:
    try:
        if issubclass(kind, Path):
            return Path(raw).expanduser()
        if kind is bool and isinstance(raw, str):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"setting {name}: cannot read {raw!r} as {kind.__name__}") from e
