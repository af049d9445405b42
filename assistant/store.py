"""The Chroma collection (embedded persistent folder or a server URL), reached through langchain-chroma."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable
from urllib.parse import urlparse

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import ConfigError, StoreError
from .types import Chunk, Passage

# Chroma refuses larger batches; writes are split to stay under it.
MAX_BATCH = 5000


def make_client(index_dir: Path, chroma_url: str = ""):
    """A Chroma client: HTTP when a server URL is given, else a PersistentClient under `index_dir/chroma`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        url = urlparse(chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(f"chroma_url must look like http://host:port, got {chroma_url!r}")
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https", settings=chroma_settings,
            )
        except Exception as e:  # chromadb raises bare exceptions for connection failures
            raise StoreError(f"cannot reach the Chroma server at {chroma_url}: {e}") from e
    path = index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class ChromaStore:
    """add / delete / query / count over one cosine-distance collection."""

    def __init__(self, client, collection: str, embeddings: Embeddings):
        self.client = client
        self.name = collection
        self.embeddings = embeddings
        self.vectorstore = self._open()

    def _open(self):
        from langchain_chroma import Chroma

        return Chroma(
            collection_name=self.name, embedding_function=self.embeddings, client=self.client,
            collection_metadata={"hnsw:space": "cosine"},
        )

    @property
    def collection(self):
        return self.vectorstore._collection

    def count(self) -> int:
        return self.collection.count()

    def ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            batch = self.collection.get(include=[], limit=MAX_BATCH, offset=offset)["ids"]
            found.update(batch)
            if len(batch) < MAX_BATCH:
                return found
            offset += MAX_BATCH

    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        for i in range(0, len(chunks), MAX_BATCH):
            part = chunks[i : i + MAX_BATCH]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i : i + MAX_BATCH],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), MAX_BATCH):
            self.collection.delete(ids=ids[i : i + MAX_BATCH])

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk with its text and metadata (the lexical index is built from these)."""
        chunks: list[Chunk] = []
        offset = 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=MAX_BATCH, offset=offset)
            chunks += [_chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
            if len(got["ids"]) < MAX_BATCH:
                return chunks
            offset += MAX_BATCH

    def search(self, vector: list[float], k: int) -> list[tuple[Chunk, float]]:
        """The k nearest chunks with cosine similarity (1 - cosine distance)."""
        if k <= 0 or self.count() == 0:
            return []
        got = self.collection.query(query_embeddings=[vector], n_results=k, include=["documents", "metadatas", "distances"])
        return [
            (_chunk(i, t, m), 1.0 - float(d))
            for i, t, m, d in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
        ]

    def reset(self) -> None:
        """Drop and recreate the collection (the record is the source of truth for a rebuild)."""
        self.client.delete_collection(self.name)
        self.vectorstore = self._open()


def _metadata(chunk: Chunk) -> dict:
    return {
        "doc_id": chunk.doc_id, "chunk_index": chunk.chunk_index, "start": chunk.start, "end": chunk.end,
        "title": chunk.title, "date": chunk.date, "source": chunk.source,
    }


def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        id=chunk_id, doc_id=meta["doc_id"], text=text, chunk_index=int(meta["chunk_index"]),
        start=int(meta["start"]), end=int(meta["end"]), title=meta.get("title", ""),
        date=meta.get("date", ""), source=meta.get("source", ""),
    )


def to_passage(chunk: Chunk, score: float) -> Passage:
    return Passage(
        text=chunk.text, doc_id=chunk.doc_id, title=chunk.title, date=chunk.date, source=chunk.source,
        chunk_index=chunk.chunk_index, start=chunk.start, end=chunk.end, score=float(score),
    )
