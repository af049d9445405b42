"""Everything about the persistent index, behind one `Index` object.

record.py   the durable SQLite record (documents, chunks, their vectors): the source of truth
store.py    the Chroma collection derived from it
sync.py     record -> Chroma: reconcile, rebuild, verify by search
health.py   the check on open and `doctor`; probe.py reads a collection in a child process
openers.py  which processes have the embedded store open; whether the last one shut down cleanly
lock.py     one writer per index
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from langchain_core.embeddings import Embeddings

from ..config import Settings
from .health import HealthReport, doctor, open_index
from .lock import ensure_unlocked, writer_lock
from .openers import why_check
from .record import Record, text_hash
from .store import MAX_BATCH, ChromaStore, open_store, to_passage, wipe_embedded
from .sync import ensure_searchable, reconcile

__all__ = ["MAX_BATCH", "ChromaStore", "HealthReport", "Index", "Record", "check_reason", "doctor", "ensure_unlocked",
           "text_hash", "to_passage"]


def check_reason(settings: Settings, record: Record) -> str:
    """Why opening the index would probe it first, or "" when it would not (see openers.py)."""
    if settings.chroma_url:
        return "a Chroma server is checked on every open"
    return why_check(record, Path(settings.index_dir))


class Index:
    """The record, the collection derived from it and what the check on open found: the facade (and through it
    document management) and the ingest open, reset, reconcile and lock the index only through this.

    >>> index = Index.open(settings, embeddings)  # checked against the record, repaired from it if need be
    >>> with index.lock("ingest"):
    ...     index.reconcile(embeddings.model_name)
    """

    def __init__(self, settings: Settings, record: Record, store: ChromaStore, health: HealthReport,
                 embeddings: Embeddings | None):
        self.settings = settings
        self.record = record
        self.store = store
        self.health = health
        self.embeddings = embeddings

    @classmethod
    def open(cls, settings: Settings, embeddings: Embeddings | None) -> "Index":
        """The index in settings.index_dir (and on settings.chroma_url), checked and if need be repaired.

        Raises:
            StoreError: the Chroma server is unreachable, or the collection could not be repaired from the record.
        """
        record = Record.for_index(settings.index_dir)
        store, health = open_index(settings, record, embeddings)
        return cls(settings, record, store, health, embeddings)

    @property
    def dir(self) -> Path:
        return Path(self.settings.index_dir)

    def lock(self, purpose: str = "ingest") -> AbstractContextManager[None]:
        """The single-writer lock (see lock.py); IndexLockedError at once when another process holds it."""
        return writer_lock(self.dir, purpose)

    def reset(self, model: str) -> None:
        """Start over for `model`: the collection and the record's documents are cleared, stored vectors kept.

        The collection goes first: a crash in between leaves the record (old model) intact, so the collection is
        restored from it rather than mixed.
        """
        with self.lock("rebuild"):
            if self.settings.chroma_url:
                self.store.reset()
            else:
                wipe_embedded(self.dir)
                self.store = open_store(self.settings, self.embeddings)
            self.record.clear_documents({"model": model})

    def reconcile(self, model: str) -> dict[str, int]:
        """Make the collection's ids equal the record's (see sync.reconcile)."""
        return reconcile(self.record, self.store, model)

    def ensure_searchable(self, model: str) -> int:
        """Verify every stored vector by search, re-adding the lost ones once (see sync.ensure_searchable)."""
        return ensure_searchable(self.record, self.store, model)
