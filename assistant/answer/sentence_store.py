"""What the answerer learns about a source sentence, kept across processes.

A cold `assistant ask` meets the same source sentences as the process before it: their embeddings and spaCy's
reading of them (entities, lemmas) cost about 0.8 s of its first answer. Both are kept in one SQLite file
under the cache folder, keyed by the sentence and by what computed it (the embedding model and backend, the
spaCy pipeline's name and version). The store is only a shortcut: one that cannot be opened or written is
left alone, never an error.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

_SCHEMA = "CREATE TABLE IF NOT EXISTS sentences (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))"
_MOST_PER_QUERY = 500  # SQLite's default limit on host parameters is 999


class SentenceStore:
    """kind ("vector|<model>|<backend>", "parse|<pipeline>") + sentence -> bytes."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def get_many(self, kind: str, texts: list[str]) -> dict[str, bytes]:
        keys = {_key(t): t for t in texts}
        found: dict[str, bytes] = {}
        with self._lock:
            db = self._open()
            if db is None:
                return found
            try:
                listed = list(keys)
                for at in range(0, len(listed), _MOST_PER_QUERY):
                    part = listed[at : at + _MOST_PER_QUERY]
                    rows = db.execute(f"SELECT key, value FROM sentences WHERE kind = ? AND key IN "
                                      f"({','.join('?' * len(part))})", [kind, *part])
                    found.update((keys[key], bytes(value)) for key, value in rows)
            except sqlite3.Error:
                self._give_up()
        return found

    def put_many(self, kind: str, values: dict[str, bytes]) -> None:
        if not values:
            return
        with self._lock:
            db = self._open()
            if db is None:
                return
            try:
                with db:
                    db.executemany("INSERT OR REPLACE INTO sentences VALUES (?, ?, ?)",
                                   [(kind, _key(t), v) for t, v in values.items()])
            except sqlite3.Error:
                self._give_up()

    def _open(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=2, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
                self._db = db
            except (OSError, sqlite3.Error):
                self._broken = True
        return self._db

    def _give_up(self) -> None:
        """A locked, full or corrupt store: this process goes on without it."""
        self._broken = True
        if self._db is not None:
            self._db.close()
            self._db = None


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
