"""Record -> Chroma: the collection is derived from the record and is repaired or rebuilt from it, never re-embedded.

A write is only done when search can find what was written: HNSW can leave a vector unreachable (a
multi-threaded rebuild did, 1 time in 60), and a count or id check cannot see that.
"""
from __future__ import annotations

import numpy as np

from ..errors import StoreError
from .probe import lost
from .record import Record
from .store import MAX_BATCH, ChromaStore, store_errors

# A stored vector is reachable when it, or an identical vector, is among its own nearest SELF_K.
SELF_K = 10


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


def unreachable(record: Record, store: ChromaStore, model: str) -> list[dict]:
    """Every recorded chunk whose stored vector does not find itself among its SELF_K nearest in the collection."""
    k = min(SELF_K, store.count())
    failures: list[dict] = []
    with store_errors(store.where):
        for ids, vectors in record.vectors(model):
            failures += lost(store.collection, ids, vectors, k)
    return failures


def make_searchable(record: Record, store: ChromaStore, model: str) -> tuple[int, list[dict]]:
    """Verify the whole collection by search; re-add, once, the chunks it cannot find.

    Returns how many were re-added and those still unreachable after that (empty when the index is whole).
    """
    failures = unreachable(record, store, model)
    if not failures:
        return 0, []
    ids = {f["id"] for f in failures}
    store.delete(ids)
    copy(record, store, model, ids)
    return len(ids), unreachable(record, store, model)


def describe(failures: list[dict]) -> str:
    """'N stored vectors cannot be found by search (e.g. ...)' for a message."""
    shown = "; ".join(f"{f['id']} finds {f['found']} at distance {f['distance']}" for f in failures[:3])
    return f"{len(failures)} stored vector(s) cannot be found by search (e.g. {shown})"


def ensure_searchable(record: Record, store: ChromaStore, model: str) -> int:
    """make_searchable, failing loudly instead of leaving a partial index; returns how many were re-added.

    Raises:
        StoreError: some chunks stay unreachable after being re-added.
    """
    readded, failures = make_searchable(record, store, model)
    if failures:
        raise StoreError(f"{store.where} is incomplete: {describe(failures)} even after re-adding them; "
                         "run `assistant doctor` to rebuild it from the record")
    return readded
