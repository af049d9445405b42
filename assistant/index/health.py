"""Open the Chroma index only after checking it against the record, and repair it from the record when it fails.

Chroma 1.5 can break under `kill -9` (an HNSW segment that no longer answers, or segfaults on open), while
the record we own stays whole. So on open, when the last process to use it did not shut down cleanly or its
files changed since (openers.py), and always for `doctor`: probe count, ids and a sample of self-queries, in a child process
for the embedded store (a crash there must not take the caller down); ids out of step -> reconcile;
anything worse -> rebuild the collection from the stored vectors (no re-embedding) and time it. A repair
is verified whole: every stored vector is queried and must find itself.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import IndexLockedError, StoreError
from .lock import writer_lock
from .openers import note_opened, stale_openers, why_check
from .record import Record
from .store import ChromaStore, embedded_path, is_open_here, open_store, store_errors, wipe_embedded
from .sync import describe, make_searchable, rebuild, reconcile

PROBE_SCRIPT = Path(__file__).with_name("probe.py")
PROBE_TIMEOUT_S = 300


@dataclass
class HealthReport:
    """What the open-time check found and did: action is checked, skipped, reconciled or rebuilt."""

    action: str = "checked"
    problems: list[str] = field(default_factory=list)
    record_chunks: int = 0
    index_chunks: int = 0
    restored: int = 0
    removed: int = 0
    readded: int = 0
    seconds: float = 0.0
    note: str = ""

    def summary(self) -> str:
        if self.action == "skipped":
            return f"not checked: {self.note}"
        text = f"{self.index_chunks} chunks in the index, {self.record_chunks} in the record"
        if self.problems:
            text += "; found: " + "; ".join(self.problems)
        if self.action == "reconciled":
            text += f"; reconciled: {self.restored} restored, {self.removed} removed"
        elif self.action == "rebuilt":
            text += f"; rebuilt from the record in {self.seconds:.2f} s without re-embedding"
        if self.readded:
            text += f"; {self.readded} chunk(s) search could not find were re-added"
        return text


def open_index(settings: Settings, record: Record, embeddings) -> tuple[ChromaStore, HealthReport]:
    """The checked (and if need be repaired) store for an index, with what the check did.

    An embedded store is probed only when `openers.why_check` finds a reason (an opener that did not shut
    down cleanly, or files changed since the last clean shutdown). Skipped while another process holds the
    writer lock (that writer reconciles when it finishes), and for a server whose record is empty here (an
    app process away from the writer has nothing to compare with, and must not empty the shared collection).
    """
    index_dir = Path(settings.index_dir)
    fresh = not record.chunk_ids() and not embedded_path(index_dir).exists()
    if not settings.chroma_url:
        reason = "" if fresh else why_check(record, index_dir)
        note_opened(record, index_dir)
        if not reason:
            note = "the record is empty" if fresh else "the last process to open it shut down cleanly"
            return open_store(settings, embeddings), HealthReport("skipped", note=note)
    elif not record.chunk_ids():
        return open_store(settings, embeddings), HealthReport("skipped", note="the record is empty")
    try:
        with writer_lock(index_dir, "health check"):
            checked = check_and_repair(settings, record, embeddings)
    except IndexLockedError as e:
        return open_store(settings, embeddings), HealthReport("skipped", note=str(e))
    record.forget_openers(stale_openers(record))
    return checked


def check_and_repair(settings: Settings, record: Record, embeddings,
                     verify_all: bool = False) -> tuple[ChromaStore, HealthReport]:
    """Probe, then reconcile (ids out of step) or rebuild (anything worse, or a reconcile that did not hold).

    Whatever was repaired (or everything, with verify_all) is then verified whole: every stored vector must
    find itself by search. The caller holds the writer lock.

    Raises:
        StoreError: even a rebuilt collection disagrees with the record or cannot find some of its vectors.
    """
    model = record.get_meta("model") or settings.model
    recorded = record.chunk_ids()
    report = HealthReport(record_chunks=len(recorded))
    samples = [{"id": i, "vector": v.tolist()} for i, v in record.samples(model)]
    broken = _judge(_probe(settings, embeddings, samples), recorded, report)
    store = None if broken else open_store(settings, embeddings)
    if store is not None and report.problems:
        counts = reconcile(record, store, model)
        report.action, report.restored, report.removed = "reconciled", counts["restored"], counts["removed"]
    if store is not None and (report.problems or verify_all) and not _whole(store, record, model, report):
        store = None
    if store is None:
        store = _rebuilt(settings, record, embeddings, model, report)
        if not _whole(store, record, model, report):
            raise StoreError(f"{store.where} is still incomplete after a rebuild from the record: "
                             f"{report.problems[-1]}; run `assistant doctor`")
    report.index_chunks = store.count()
    return store, report


def _whole(store: ChromaStore, record: Record, model: str, report: HealthReport) -> bool:
    """The collection holds exactly the record's ids and search finds every stored vector (re-adding the ones it
    did not, once); what is still wrong is added to the report's problems."""
    if store.ids() != record.chunk_ids():
        report.problems.append("the collection's ids still disagree with the record")
        return False
    readded, failures = make_searchable(record, store, model)
    report.readded += readded
    if readded and report.action == "checked":
        report.action = "reconciled"
    if failures:
        report.problems.append(describe(failures) + " even after re-adding them")
    return not failures


def _rebuilt(settings: Settings, record: Record, embeddings, model: str, report: HealthReport) -> ChromaStore:
    """A collection refilled from the record; an embedded store gets a new folder, the broken one never reopened."""
    started = time.perf_counter()
    if not settings.chroma_url:
        wipe_embedded(Path(settings.index_dir))
    store = open_store(settings, embeddings)
    rebuild(record, store, model)
    report.action, report.seconds = "rebuilt", time.perf_counter() - started
    return store


def doctor(settings: Settings) -> tuple[list[str], bool]:
    """Check the index against the record (ids, counts, every stored vector by search, model) and repair it.

    Returns what was found and done, line by line, and whether the index is usable now.

    Raises:
        IndexLockedError: an ingest is running; check again when it has finished.
    """
    record = Record.for_index(settings.index_dir)
    meta = {key: record.get_meta(key) or "?" for key in ("model", "dimension", "backend", "chunking")}
    lines = [f"record: {len(record.documents())} documents, {len(record.chunk_ids())} chunks in {record.path}",
             "built with: " + ", ".join(f"{k} {v}" for k, v in meta.items())]
    healthy = True
    if meta["model"] not in ("?", settings.model):
        lines.append(f"model: the index was built with {meta['model']} but {settings.model} is configured; "
                     "run `assistant ingest --rebuild` to rebuild it with the configured model")
        healthy = False
    if settings.chroma_url and not record.chunk_ids():
        return lines + ["index: not compared: the record here is empty; run doctor where the ingest writer runs"], False
    with writer_lock(Path(settings.index_dir), "doctor"):
        if not settings.chroma_url:
            note_opened(record, Path(settings.index_dir))
        _, report = check_and_repair(settings, record, None, verify_all=True)
        record.forget_openers(stale_openers(record))
    lines.append(f"index: {report.summary()}")
    lines.append({"checked": "repair: none needed", "reconciled": "repair: collection brought in step with the record",
                  "rebuilt": "repair: collection rebuilt from the record"}[report.action])
    return lines, healthy


def _probe(settings: Settings, embeddings, samples: list[dict]) -> dict:
    """The probe's findings; in a child process for an embedded store nobody in this process has open."""
    index_dir = Path(settings.index_dir)
    if settings.chroma_url or is_open_here(index_dir):
        from .probe import probe

        store = open_store(settings, embeddings)
        try:
            with store_errors(store.where):
                return probe(store.collection, samples)
        except StoreError as e:
            return {"error": str(e)}
    request = {"path": str(embedded_path(index_dir)), "collection": settings.collection, "samples": samples}
    return _probe_in_child(request)


def _probe_in_child(request: dict) -> dict:
    try:
        done = subprocess.run([sys.executable, str(PROBE_SCRIPT)], input=json.dumps(request), text=True,
                              capture_output=True, timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"the index did not answer within {PROBE_TIMEOUT_S} s"}
    if done.returncode < 0:
        return {"error": f"reading the index crashed the check process ({signal.Signals(-done.returncode).name})"}
    if done.returncode > 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return {"error": f"reading the index failed: {last}"}
    return json.loads(done.stdout)


def _judge(found: dict, recorded: set[str], report: HealthReport) -> bool:
    """Record problems on the report; True when the collection itself is broken (rebuild, not reconcile)."""
    if "error" in found:
        report.problems.append(found["error"])
        return True
    ids = found["ids"]
    report.index_chunks = found["count"]
    broken = [f"stored vector of {f['id']} found {f['found']} at distance {f['distance']}" for f in found["failures"]]
    if found["count"] != len(ids) or len(set(ids)) != len(ids):
        broken.append(f"count says {found['count']} but {len(set(ids))} distinct ids of {len(ids)} come back")
    report.problems += broken
    missing, extra = len(recorded - set(ids)), len(set(ids) - recorded)
    if missing or extra:
        report.problems.append(f"out of step with the record: {missing} chunks missing, {extra} extra")
    return bool(broken)
