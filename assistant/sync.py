"""Record -> Chroma: the collection is derived from the record and is repaired or rebuilt from it, never re-embedded."""
from __future__ import annotations

import numpy as np

from .records import Record
from .store import MAX_BATCH, ChromaStore


def reconcile(record: Record, store: ChromaStore, model: str) -> dict[str, int]:
    """Make Chroma's ids equal the record's: add what is missing (stored vectors), drop what is extra."""
    recorded = record.chunk_ids()
    stored = store.ids()
    extra, missing = stored - recorded, recorded - stored
    if extra:
        store.delete(extra)
    if missing:
        copy(record, store, model, missing)
    return {"removed": len(extra), "restored": len(missing)}


def rebuild(record: Record, store: ChromaStore, model: str) -> int:
    """Empty the collection and fill it from the record's stored vectors; returns the chunks written."""
    store.reset()
    return copy(record, store, model)


def copy(record: Record, store: ChromaStore, model: str, ids: set[str] | None = None) -> int:
    """Upsert recorded chunks (all, or those in `ids`) with their stored `model` vectors, in batches."""
    written = 0
    batch: list = []
    for pair in record.chunks_with_vectors(model, ids):
        batch.append(pair)
        if len(batch) == MAX_BATCH:
            written += _flush(store, batch)
    return written + _flush(store, batch)


def _flush(store: ChromaStore, batch: list) -> int:
    if batch:
        store.upsert([c for c, _ in batch], np.stack([v for _, v in batch]))
    n = len(batch)
    batch.clear()
    return n
