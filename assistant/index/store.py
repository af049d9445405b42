"""The Chroma collection (embedded persistent folder or a server URL), reached through langchain-chroma."""
from __future__ import annotations

import base64
import shutil
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar
from urllib.parse import unquote, urlparse

import numpy as np
from langchain_core.embeddings import Embeddings

from ..errors import AssistantError, ConfigError, StoreError
from ..types import Chunk, Passage

# Chroma refuses larger batches; writes are split to stay under it.
MAX_BATCH = 5000
# For a new collection (an existing one keeps its own). With Chroma's defaults (16 links, search breadth 100)
# 6 of 12 rebuilds of a 1,616-chunk index left 1-2 stored vectors that search could not find; with twice the
# links and breadth, 0 of 25. Sync verifies every write by search either way (see sync.make_searchable).
HNSW_SETTINGS = {"hnsw:space": "cosine", "hnsw:M": 32, "hnsw:construction_ef": 200, "hnsw:search_ef": 200,
                 "hnsw:num_threads": 1}
T = TypeVar("T")


def embedded_path(index_dir: Path) -> Path:
    """Where the embedded (PersistentClient) store of an index lives."""
    return index_dir / "chroma"


def wipe_embedded(index_dir: Path) -> None:
    """Delete an embedded store (it is derived; the record rebuilds it), closing this process's hold on it first.

    chromadb keeps one System per persist path for the life of the process; without stopping it, a client
    opened on the new folder would keep using the old, deleted files.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    path = str(embedded_path(index_dir))
    system = SharedSystemClient._identifier_to_system.pop(path, None)
    SharedSystemClient._identifier_to_refcount.pop(path, None)
    if system is not None:
        system.stop()
    shutil.rmtree(path, ignore_errors=True)


def is_open_here(index_dir: Path) -> bool:
    """True when this process already holds a Chroma client on the index's embedded store."""
    from chromadb.api.shared_system_client import SharedSystemClient

    return str(embedded_path(index_dir)) in SharedSystemClient._identifier_to_system


def make_client(index_dir: Path, chroma_url: str = ""):
    """A Chroma client: HTTP when a server URL is given, else a PersistentClient under `index_dir/chroma`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        url = urlparse(chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(f"chroma_url must look like http://host:port, got {chroma_url!r}")
        with store_errors(where(index_dir, chroma_url)):
            return chromadb.HttpClient(
                host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https", headers=_basic_auth(url), settings=chroma_settings,
            )
    path = embedded_path(index_dir)
    path.mkdir(parents=True, exist_ok=True)
    with store_errors(where(index_dir)):
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def open_store(settings, embeddings: Embeddings | None) -> "ChromaStore":
    """The configured collection: on the Chroma server when a URL is set, else embedded under index_dir."""
    index_dir = Path(settings.index_dir)
    client = make_client(index_dir, settings.chroma_url)
    return ChromaStore(client, settings.collection, embeddings, where(index_dir, settings.chroma_url))


def where(index_dir: Path, chroma_url: str = "") -> str:
    """How messages name an index: the server URL (without credentials) or the embedded folder."""
    if not chroma_url:
        return f"the Chroma store in {embedded_path(index_dir)}"
    url = urlparse(chroma_url)
    return f"the Chroma server at {url._replace(netloc=url.netloc.rpartition('@')[2]).geturl()}"


def _basic_auth(url) -> dict[str, str]:
    """An Authorization header from http://user:password@host credentials, for a server behind an
    authenticating proxy (`chroma run` itself has no authentication)."""
    if not url.username:
        return {}
    token = base64.b64encode(f"{unquote(url.username)}:{unquote(url.password or '')}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@contextmanager
def store_errors(where: str) -> Iterator[None]:
    """Turn whatever chromadb or its HTTP layer raises into a StoreError naming the index."""
    try:
        yield
    except AssistantError:
        raise
    except Exception as e:  # chromadb raises bare and transport-level exceptions alike
        detail = str(e).strip() or type(e).__name__
        raise StoreError(f"{where} is unavailable or broken ({detail}); if it is a server, check that it "
                         "is running; otherwise run `assistant doctor`") from e


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    @wraps(method)
    def call(self: "ChromaStore", *args, **kwargs) -> T:
        with store_errors(self.where):
            return method(self, *args, **kwargs)

    return call


class ChromaStore:
    """add / delete / query / count over one cosine-distance collection."""

    def __init__(self, client, collection: str, embeddings: Embeddings | None, where: str = "the Chroma index"):
        self.client = client
        self.name = collection
        self.embeddings = embeddings
        self.where = where
        with store_errors(where):
            self.vectorstore = self._open()

    def _open(self):
        from langchain_chroma import Chroma

        return Chroma(
            collection_name=self.name, embedding_function=self.embeddings, client=self.client,
            collection_metadata=HNSW_SETTINGS,
        )

    @property
    def collection(self):
        return self.vectorstore._collection

    @_guarded
    def count(self) -> int:
        return self.collection.count()

    @_guarded
    def ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            batch = self.collection.get(include=[], limit=MAX_BATCH, offset=offset)["ids"]
            found.update(batch)
            if len(batch) < MAX_BATCH:
                return found
            offset += MAX_BATCH

    @_guarded
    def upsert(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        for i in range(0, len(chunks), MAX_BATCH):
            part = chunks[i : i + MAX_BATCH]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[i : i + MAX_BATCH],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )

    @_guarded
    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), MAX_BATCH):
            self.collection.delete(ids=ids[i : i + MAX_BATCH])

    @_guarded
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

    @_guarded
    def search(self, vector: list[float], k: int) -> list[tuple[Chunk, float]]:
        """The k nearest chunks with cosine similarity (1 - cosine distance)."""
        if k <= 0:  # an empty collection answers with no ids; counting first costs ~8 ms at 100k chunks
            return []
        got = self.collection.query(query_embeddings=[vector], n_results=k, include=["documents", "metadatas", "distances"])
        return [
            (_chunk(i, t, m), 1.0 - float(d))
            for i, t, m, d in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
            if m  # a chunk deleted while the query ran comes back without its metadata: it is gone, skip it
        ]

    @_guarded
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
