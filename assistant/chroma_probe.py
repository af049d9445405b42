"""Probe a Chroma collection: count, ids, and whether stored vectors find themselves.

Run as a script in a child process (`python chroma_probe.py` with a JSON request on stdin) so that a
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
    failures = []
    present = set(ids)
    checked = [s for s in samples if s["id"] in present]  # a missing id is for reconcile, not a broken index
    for start in range(0, len(checked), 500):  # one query call per batch: about a second per 10k vectors
        batch = checked[start : start + 500]
        got = collection.query(query_embeddings=[s["vector"] for s in batch], n_results=1, include=["distances"])
        for sample, hits, distances in zip(batch, got["ids"], got["distances"]):
            hit = hits[0] if hits else None
            distance = distances[0] if hits else None
            if hit != sample["id"] and (distance is None or distance > SELF_DISTANCE):
                failures.append({"id": sample["id"], "found": hit, "distance": distance})
    return {"count": collection.count(), "ids": ids, "failures": failures}


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
