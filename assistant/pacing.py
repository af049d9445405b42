"""How an ingest shares the machine with questions: per-document progress, and, in the background, small
embedding slices that wait while a question is being answered.

The embedding model serves one call at a time (embed.py), so a question asked during an ingest waits for the
slice being embedded. A background ingest therefore embeds slices of about `slice_seconds` and, before each,
waits until no question is in flight, at most `most_wait` seconds so that a steady stream of questions cannot
stall it for good. The command-line ingest uses big slices and never waits: nobody is asking.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator


class Traffic:
    """Counts the questions in flight, so that background work can step aside while one is answered."""

    def __init__(self) -> None:
        self._in_flight = 0
        self._quiet = threading.Condition()

    @contextmanager
    def question(self) -> Iterator[None]:
        with self._quiet:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._quiet:
                self._in_flight -= 1
                self._quiet.notify_all()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def wait_quiet(self, most: float) -> bool:
        """Block until no question is in flight (True) or `most` seconds have passed (False)."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self._in_flight == 0, timeout=most)


@dataclass(frozen=True)
class DocumentProgress:
    """Where an ingest stands on one document: `state` is "embedding", "indexed" or "skipped"."""

    n: int              # this document's place among the changed ones, from 1
    of: int             # changed documents in this ingest
    doc_id: str
    state: str
    done: int = 0       # chunks embedded (or found already embedded) so far
    chunks: int = 0
    note: str = ""

    def line(self) -> str:
        if self.state == "embedding":
            return f"{self.n}/{self.of} {self.doc_id}: embedding {self.done:,}/{self.chunks:,} chunks"
        if self.state == "indexed":
            return f"{self.n}/{self.of} {self.doc_id}: indexed, {self.chunks:,} chunk{'s' * (self.chunks != 1)}"
        return f"{self.n}/{self.of} {self.doc_id}: skipped: {self.note}"


class Pace:
    """The command-line pace: slices of `slice_texts`, no waiting; `on_document` hears per-document progress."""

    def __init__(self, on_document: Callable[[DocumentProgress], None] | None = None, slice_texts: int = 64):
        self.on_document = on_document or (lambda progress: None)
        self.slice_texts = slice_texts

    def next_slice(self) -> int:
        """How many texts to embed next (after any waiting)."""
        return self.slice_texts

    def took(self, texts: int, seconds: float) -> None:
        """Told how long the last slice took."""


class YieldingPace(Pace):
    """The background pace: slices sized to take about `slice_seconds`, each started only when no question
    is in flight (waiting at most `most_wait` seconds); `on_wait` is told each time it steps aside."""

    def __init__(self, traffic: Traffic, on_document: Callable[[DocumentProgress], None] | None = None,
                 slice_seconds: float = 0.1, most_wait: float = 2.0, on_wait: Callable[[], None] | None = None):
        super().__init__(on_document, slice_texts=2)
        self.traffic = traffic
        self.slice_seconds = slice_seconds
        self.most_wait = most_wait
        self.on_wait = on_wait or (lambda: None)
        self.waited = 0.0

    def next_slice(self) -> int:
        if self.traffic.in_flight:
            self.on_wait()
            started = time.perf_counter()
            self.traffic.wait_quiet(self.most_wait)
            self.waited += time.perf_counter() - started
        return self.slice_texts

    def took(self, texts: int, seconds: float) -> None:
        per_text = seconds / max(texts, 1)
        self.slice_texts = max(1, min(64, int(self.slice_seconds / max(per_text, 1e-6))))
