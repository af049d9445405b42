"""Probe a Chroma collection: count, ids, and whether stored vectors find themselves.

Run as a script in a child process (`python probe.py` with a JSON request on stdin) so that a
broken HNSW segment that crashes the reader takes down the child, not the application. It imports
nothing from the assistant package on purpose: the child starts in about a second.
"""
from __future__ import annotations

import json
import sys

# A stored vector's nearest neighbour is itself (or an identical text) at cosine distance ~0.
SELF_DISTANCE = 1e-3


def probe(collection, samples: list[dict]) -> dict:
    """{count, ids, failures}: failures name the stored samples whose own vector does not come back first."""
    ids: list[str] = []
    while True:
        batch = collection.get(include=[], limit=5000, offset=len(ids))["ids"]
        ids += batch
        if len(batch) < 5000:
            break
    present = set(ids)
    checked = [s for s in samples if s["id"] in present]  # a missing id is for reconcile, not a broken index
    failures = lost(collection, [s["id"] for s in checked], [s["vector"] for s in checked])
    return {"count": collection.count(), "ids": ids, "failures": failures}


def lost(collection, ids: list[str], vectors, k: int = 1) -> list[dict]:
    """{id, found, distance} for each stored vector that finds neither itself nor an identical vector among its
    k nearest; queried 500 at a time, about a second per 10k vectors."""
    failures = []
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        got = collection.query(query_embeddings=vectors[start : start + 500], n_results=k, include=["distances"])
        for chunk_id, hits, distances in zip(part, got["ids"], got["distances"]):
            if chunk_id not in hits and not (distances and distances[0] <= SELF_DISTANCE):
                failures.append({"id": chunk_id, "found": hits[0] if hits else None,
                                 "distance": distances[0] if hits else None})
    return failures


def main() -> None:
    request = json.load(sys.stdin)
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=request["path"], settings=Settings(anonymized_telemetry=False))
    try:
        collection = client.get_collection(request["collection"])
    except Exception as e:  # chromadb raises NotFoundError or a bare error for a missing collection
        json.dump({"missing": True, "error": str(e)}, sys.stdout)
        return
    json.dump(probe(collection, request["samples"]), sys.stdout)


if __name__ == "__main__":
    main()
