"""The durable record we own: SQLite (WAL) of documents, chunks and their embeddings.

Chroma is derived from this record and can be rebuilt from it without re-embedding.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import ModelMismatchError
from ..types import Chunk, Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, content_hash TEXT NOT NULL, title TEXT, date TEXT,
    url TEXT, language TEXT, chunking TEXT NOT NULL, ingested_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    chunk_index INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    text_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS embeddings (
    text_hash TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (text_hash, model));
CREATE TABLE IF NOT EXISTS openers (pid INTEGER NOT NULL, place TEXT NOT NULL, PRIMARY KEY (pid, place));
CREATE TABLE IF NOT EXISTS gaps (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    cited TEXT NOT NULL, reason TEXT NOT NULL);
"""
GAP_KEYS = ("id", "at", "kind", "question", "answer", "cited", "reason")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Record:
    """Documents, chunks and cached embeddings in one SQLite file; every write is one transaction."""

    FILE = "record.sqlite3"

    @classmethod
    def for_index(cls, index_dir: Path) -> "Record":
        """The record kept in an index folder (created when there is none)."""
        return cls(Path(index_dir) / cls.FILE)

    @classmethod
    def exists_in(cls, index_dir: Path) -> bool:
        return (Path(index_dir) / cls.FILE).exists()

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed document survives power loss too, not only a killed process (one fsync per document).
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        # One connection is shared by the app's threads; SQLite allows one open transaction on it at a time.
        self._write = threading.RLock()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def check_model(self, model: str) -> None:
        """Refuse to mix vectors of two embedding models in one index."""
        built_with = self.get_meta("model")
        if built_with and built_with != model:
            raise ModelMismatchError(
                f"the index was built with {built_with!r} but {model!r} is configured; "
                "use the same model or rebuild the index (assistant ingest --rebuild)"
            )

    def set_meta(self, values: dict[str, str]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))

    def openers(self) -> list[tuple[int, str]]:
        """(pid, record path) of the processes that opened the embedded store and have not signed out."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT pid, place FROM openers")]

    def add_opener(self, pid: int, place: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO openers VALUES (?, ?)", (pid, place))

    def remove_opener(self, pid: int, place: str, fingerprint: str) -> None:
        """Sign a process out; the last one out leaves the store's fingerprint as the clean state."""
        with self.transaction() as db:
            db.execute("DELETE FROM openers WHERE pid=? AND place=?", (pid, place))
            if not db.execute("SELECT 1 FROM openers LIMIT 1").fetchone():
                db.execute("INSERT OR REPLACE INTO meta VALUES ('clean_fingerprint', ?)", (fingerprint,))

    def forget_openers(self, rows: list[tuple[int, str]]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM openers WHERE pid=? AND place=?", rows)

    def document_state(self) -> dict[str, tuple[str, str, str]]:
        """doc_id -> (content hash, chunking signature, source) of every recorded document."""
        rows = self.db.execute("SELECT doc_id, content_hash, chunking, source FROM documents")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def documents(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT d.doc_id, d.title, d.date, d.source, d.url, d.ingested_at, COUNT(c.id) FROM documents d "
            "LEFT JOIN chunks c ON c.doc_id = d.doc_id GROUP BY d.doc_id ORDER BY d.doc_id"
        )
        keys = ("doc_id", "title", "date", "source", "url", "ingested_at", "chunks")
        return [dict(zip(keys, r)) for r in rows]

    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        if doc_id is None:
            return {r[0] for r in self.db.execute("SELECT id FROM chunks")}
        return {r[0] for r in self.db.execute("SELECT id FROM chunks WHERE doc_id=?", (doc_id,))}

    def cached_vectors(self, texts: list[str], model: str) -> dict[str, np.ndarray]:
        """text hash -> stored vector for those texts already embedded with `model`."""
        hashes = list({text_hash(t) for t in texts})
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model=? AND text_hash IN ({marks})", [model, *part]
            )
            found.update({h: np.frombuffer(v, dtype=np.float32) for h, v in rows})
        return found

    def replace_document(self, doc: Document, chunking: str, chunks: list[Chunk],
                         vectors: np.ndarray, model: str) -> None:
        """Atomically store a document, its chunks and their vectors, replacing any earlier version."""
        with self.transaction() as db:
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc.doc_id,))
            db.execute(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
                (doc.doc_id, doc.source, doc.content_hash, doc.title, doc.date, doc.url, doc.language,
                 chunking, time.time()),
            )
            db.executemany(
                'INSERT INTO chunks (id, doc_id, chunk_index, text, start, "end", text_hash) VALUES (?,?,?,?,?,?,?)',
                [(c.id, c.doc_id, c.chunk_index, c.text, c.start, c.end, text_hash(c.text)) for c in chunks],
            )
            db.executemany(
                "INSERT OR IGNORE INTO embeddings VALUES (?,?,?)",
                [(text_hash(c.text), model, v.astype(np.float32).tobytes()) for c, v in zip(chunks, vectors)],
            )

    def add_gap(self, kind: str, question: str, answer: str, cited: list[str], reason: str = "") -> int:
        """Keep one question the documents did not answer well (no IP address or anything identifying)."""
        with self.transaction() as db:
            cursor = db.execute("INSERT INTO gaps (at, kind, question, answer, cited, reason) VALUES (?,?,?,?,?,?)",
                                (time.time(), kind, question, answer, " ".join(cited), reason))
        return cursor.lastrowid

    def gaps(self) -> list[dict]:
        """Every kept gap, oldest first; `cited` as a list of doc ids."""
        rows = [dict(zip(GAP_KEYS, r)) for r in self.db.execute(f"SELECT {', '.join(GAP_KEYS)} FROM gaps ORDER BY id")]
        return [{**r, "cited": r["cited"].split()} for r in rows]

    def delete_gap(self, gap_id: int) -> bool:
        with self.transaction() as db:
            return db.execute("DELETE FROM gaps WHERE id=?", (gap_id,)).rowcount > 0

    def prune_gaps(self, before: float) -> int:
        """Drop the gaps kept before `before` (a time.time() value): the retention setting."""
        with self.transaction() as db:
            return db.execute("DELETE FROM gaps WHERE at < ?", (before,)).rowcount

    def clear_documents(self, meta: dict[str, str]) -> None:
        """Forget every document and chunk and describe the index anew, in one transaction (vectors stay cached)."""
        with self.transaction() as db:
            db.execute("DELETE FROM documents")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))

    def samples(self, model: str, n: int | None = None) -> list[tuple[str, np.ndarray]]:
        """Up to n (chunk id, stored vector) pairs spread over the record, to probe the index with; by default
        1% of the chunks, at least 10 and at most 1,000, so a bigger index is checked more widely."""
        ids = sorted(self.chunk_ids())
        n = n or max(10, min(1_000, len(ids) // 100))
        picked = {ids[i * (len(ids) - 1) // max(n - 1, 1)] for i in range(n)} if ids else set()
        return [(c.id, v) for c, v in self.chunks_with_vectors(model, picked)]

    def vectors(self, model: str, batch: int = 500) -> Iterator[tuple[list[str], np.ndarray]]:
        """Every recorded chunk's id and stored `model` vector, `batch` at a time and without the text, to verify
        the whole index with."""
        rows = self.db.execute(
            "SELECT c.id, e.vector FROM chunks c JOIN embeddings e ON e.text_hash = c.text_hash AND e.model = ? "
            "ORDER BY c.id", (model,))
        while part := rows.fetchmany(batch):
            yield [r[0] for r in part], np.stack([np.frombuffer(r[1], dtype=np.float32) for r in part])

    def delete_document(self, doc_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))

    def chunks_with_vectors(self, model: str, ids: set[str] | None = None) -> Iterator[tuple[Chunk, np.ndarray]]:
        """Every recorded chunk (or those in `ids`) with its stored vector, for (re)building the index."""
        rows = self.db.execute(
            'SELECT c.id, c.doc_id, c.chunk_index, c.text, c.start, c."end", d.title, d.date, d.source, e.vector '
            "FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
            "JOIN embeddings e ON e.text_hash = c.text_hash AND e.model = ? ORDER BY c.doc_id, c.chunk_index",
            (model,),
        )
        for r in rows:
            if ids is None or r[0] in ids:
                chunk = Chunk(id=r[0], doc_id=r[1], chunk_index=r[2], text=r[3], start=r[4], end=r[5],
                              title=r[6] or "", date=r[7] or "", source=r[8] or "")
                yield chunk, np.frombuffer(r[9], dtype=np.float32)
