"""The background ingest worker of the web UI: staff document changes run one at a time on their own thread,
at the lowest CPU priority and in small slices that step aside for questions (pacing.py), with per-document
progress the UI shows while a handler follows its job. Visitors' questions keep their latency."""
from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Any, Callable

from .markup import escape_markdown
from .pacing import DocumentProgress, Pace, YieldingPace

log = logging.getLogger(__name__)
SHOWN_INDEXED = 5  # the last few documents indexed are listed; the count says how many before them


class Job:
    """One staff change, waiting or running in the worker: its result or error, and its progress so far."""

    def __init__(self, label: str, action: Callable[[Pace], Any]):
        self.label = label
        self.action = action
        self.state = "waiting"
        self.result: Any = None
        self.error: BaseException | None = None
        self._documents: dict[str, DocumentProgress] = {}
        self._finished = threading.Event()

    def heard(self, progress: DocumentProgress) -> None:
        self._documents[progress.doc_id] = progress

    def wait(self, timeout: float) -> bool:
        """True once the job has finished (or failed), else False after `timeout` seconds."""
        return self._finished.wait(timeout)

    def describe(self, ahead: str | None = None) -> str:
        """Markdown: what the job is doing, one line per document in progress or skipped, the last indexed."""
        if self.state == "waiting":
            return f"**{escape_markdown(self.label)}**: waiting for {escape_markdown(ahead or 'the job before it')}"
        documents = list(self._documents.values())
        indexed = [d for d in documents if d.state == "indexed"]
        shown = [d for d in documents if d.state != "indexed"] + indexed[-SHOWN_INDEXED:]
        shown.sort(key=lambda d: d.n)
        total = documents[-1].of if documents else 0
        head = f"**{escape_markdown(self.label)}**: " + (f"{len(indexed)} of {total} changed documents indexed"
                                                          if total else "checking the corpus folder")
        return "  \n".join([head] + [escape_markdown(d.line()) for d in shown])

    def _run(self, pace: Pace) -> None:
        self.state = "running"
        try:
            self.result = self.action(pace)
        except BaseException as e:  # handed to the handler that follows the job
            self.error = e
        finally:
            self.state = "done"
            self._finished.set()


class IngestWorker:
    """Runs jobs in the order submitted on one daemon thread, niced to 19 (its native thread alone); each waits
    for questions in flight at most the assistant's `background_wait_s` before an embedding slice."""

    def __init__(self, assistant, slice_seconds: float = 0.1):
        self.assistant = assistant
        self.slice_seconds = slice_seconds
        self._jobs: queue.Queue[Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.current: Job | None = None

    def submit(self, label: str, action: Callable[[Pace], Any]) -> Job:
        """Queue `action(pace)`, which must pass the pace on to its ingest; returns the job to follow."""
        job = Job(label, action)
        self._jobs.put(job)
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="ingest-worker", daemon=True)
                self._thread.start()
        return job

    def ahead_of(self, job: Job) -> str | None:
        """The label of the job running while `job` waits."""
        current = self.current
        return current.label if current is not None and current is not job else None

    def _serve(self) -> None:
        lower_priority()
        while True:
            job = self._jobs.get()
            self.current = job
            job._run(YieldingPace(self.assistant.traffic, job.heard, self.slice_seconds,
                                  most_wait=self.assistant.settings.web.background_wait_s))
            self.current = None


def lower_priority(nice: int = 19) -> None:
    """Nice the calling thread (on Linux a priority set by thread id is that thread's alone, and the threads
    it starts, such as torch's OpenMP pool for its own parallel work, inherit it)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (AttributeError, OSError) as e:  # not Linux, or not permitted: the pacing still steps aside
        log.info("could not lower the ingest worker's priority: %s", e)
