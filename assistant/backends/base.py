"""What every backend shares: the Runner loop over token-length batches, a progress bar, disk caching."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .batching import Batch, token_batches, tokenize

Sink = Callable[[np.ndarray, np.ndarray], None]


def cores() -> int:
    """CPU cores this process may use (the affinity mask, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Runner:
    """Texts -> pooled float32 vectors (not normalised), one padded batch of similar lengths at a time.

    Not thread-safe (nor is the fast tokenizer): SentenceEmbeddings makes one call at a time."""

    name = "runner"
    max_items = 16
    max_tokens = 16 * 256

    def __init__(self, tokenizer, max_length: int, dimension: int):
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.dimension = dimension

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        ids = tokenize(self.tokenizer, texts, self.max_length)
        with progress_bar(len(texts), progress, self.name) as bar:
            def sink(index: np.ndarray, rows: np.ndarray) -> None:
                out[index] = rows
                bar.update(len(index))

            self.run_all(token_batches(ids, self.max_items, self.max_tokens), sink)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        """The low-latency path for a single query."""
        return self.encode([text])[0]

    def run_all(self, batches: Iterable[Batch], sink: Sink) -> None:
        for batch in batches:
            sink(batch.index, self.run(batch))

    def run(self, batch: Batch) -> np.ndarray:
        raise NotImplementedError


def progress_bar(total: int, enabled: bool, name: str):
    """A tqdm bar counting chunks, so it shows chunks/s while ingesting."""
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, unit="chunk", desc=f"embedding ({name})", leave=False)


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def model_digest(model_path: str, *packages: str) -> str:
    """Names an exported model: the model folder's files (name, size, mtime) and the exporter versions."""
    parts = [str(model_path), *(f"{p}={version(p)}" for p in packages)]
    folder = Path(model_path)
    if folder.is_dir():
        parts += [f"{f.name}:{f.stat().st_size}:{int(f.stat().st_mtime)}" for f in sorted(folder.iterdir()) if f.is_file()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cached_artifact(folder: Path, build: Callable[[Path], None]) -> Path:
    """Build into a temporary folder and move it into place once complete, so a crash or a second
    process never leaves a half-written model behind; later calls find it and skip the build."""
    if (folder / "complete").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        build(work)
        (work / "complete").touch()
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(work, folder)
    except OSError:
        if not (folder / "complete").exists():
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder
