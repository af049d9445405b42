"""Staff document management: add an uploaded file to the corpus, delete a document, both re-indexed at once.

The corpus folder stays the source of truth (uploads land in `<corpus>/uploads/`), so the index can always
be rebuilt from it. Every change re-ingests the whole corpus folder: ingest is incremental by content hash,
and one root keeps doc ids stable (`uploads/<name>.<suffix>`), whatever was added or removed. An upload never
replaces a file silently: the caller says what to do when the name is taken, and is told what happened.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Literal, NamedTuple

from .errors import CorpusError, LoadError
from .load import DocumentLimits, load_document, real_path
from .pacing import Pace
from .types import IngestReport

UPLOAD_TYPES = (".html", ".md", ".pdf", ".txt")
UPLOAD_FOLDER = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
IF_EXISTS = ("refuse", "replace", "keep both")
IfExists = Literal["refuse", "replace", "keep both"]


class Upload(NamedTuple):
    """What an upload did: the document's id, `outcome` ("added", "replaced" or "kept both"), the ingest."""

    doc_id: str
    outcome: str
    report: IngestReport


def upload_name(name: str) -> str:
    """A plain file name for the corpus: no folders, no leading dots, only [A-Za-z0-9._-], a supported suffix.

    >>> upload_name("../../etc/Visit Report (2025).PDF")
    'Visit-Report-2025-.pdf'
    """
    base = Path(name.replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise LoadError(f"{base or name!r}: unsupported type {suffix or '(none)'}; upload one of {', '.join(UPLOAD_TYPES)}")
    stem = _UNSAFE.sub("-", Path(base).stem).lstrip(".-")[:100] or "document"
    return stem + suffix


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse a file whose size or content does not match what its name claims (the loader checks the rest)."""
    if len(data) > max_bytes:
        raise LoadError(f"{name}: {len(data) / 2**20:.2f} MiB is over the {max_bytes / 2**20:.2f} MiB upload limit")
    is_pdf = data.startswith(b"%PDF-")
    if name.endswith(".pdf") and not is_pdf:
        raise LoadError(f"{name}: the content is not a PDF (no %PDF- header)")
    if is_pdf and not name.endswith(".pdf"):
        raise LoadError(f"{name}: the content is a PDF; upload it with a .pdf name")


def add_upload(assistant, name: str, data: bytes, if_exists: IfExists = "refuse", pace: Pace | None = None) -> Upload:
    """Check an uploaded file by loading it, keep it under `<corpus>/uploads/`, and index it.

    Args:
        if_exists: when an upload of that name is already there: "refuse" (the default), "replace" it, or
            "keep both" (the new file gets the next free name, `notes-2.md`).
        pace: per-document progress and sharing of the machine during the ingest (see Assistant.ingest).
    Returns:
        The document's id, what happened ("added", "replaced", "kept both") and the ingest report.
    Raises:
        LoadError: wrong type, too large, binary, not UTF-8, not a PDF, no text in it, or over a document limit.
        CorpusError: the name is taken and `if_exists` is "refuse".
    """
    if if_exists not in IF_EXISTS:
        raise CorpusError(f"if_exists must be one of {', '.join(IF_EXISTS)}, got {if_exists!r}")
    corpus = Path(assistant.settings.corpus_dir)
    limits = DocumentLimits.from_settings(assistant.settings)
    safe = upload_name(name)
    check_content(safe, data, limits.max_bytes)
    target, outcome = _place(corpus / UPLOAD_FOLDER / safe, if_exists)
    staging = corpus / ".staging"  # a dot folder: never picked up as a document by ingest
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging) as tmp:
        staged = Path(tmp) / target.name
        staged.write_bytes(data)
        try:
            assistant.indexer(progress=False).chunks(load_document(staged, Path(tmp), limits))
        except LoadError as e:  # name the upload, not the staging path
            raise LoadError(str(e).replace(str(staged), safe)) from e
        target.parent.mkdir(exist_ok=True)
        os.replace(staged, target)
    return Upload(f"{UPLOAD_FOLDER}/{target.name}", outcome, assistant.ingest(progress=False, pace=pace))


def _place(target: Path, if_exists: IfExists) -> tuple[Path, str]:
    """Where the upload goes and what that does to a file already there."""
    if not target.exists():
        return target, "added"
    if if_exists == "replace":
        return target, "replaced"
    if if_exists == "keep both":
        n = 2
        while (free := target.with_name(f"{target.stem}-{n}{target.suffix}")).exists():
            n += 1
        return free, "kept both"
    raise CorpusError(f"{UPLOAD_FOLDER}/{target.name} already exists; choose to replace it or to keep both")


def delete_document(assistant, doc_id: str, pace: Pace | None = None) -> IngestReport:
    """Remove a document's file from the corpus folder and from the index.

    Raises:
        CorpusError: no such document, its file lies outside the corpus folder, or it is the last one.
    """
    documents = assistant.documents()
    doc = next((d for d in documents if d["doc_id"] == doc_id), None)
    if doc is None:
        raise CorpusError(f"no document {doc_id!r} in the index")
    corpus = Path(assistant.settings.corpus_dir).resolve()
    source = real_path(doc["source"]).resolve()
    if not source.is_relative_to(corpus):
        raise CorpusError(f"{doc_id!r} comes from {doc['source']}, outside the corpus folder {corpus}; remove it there")
    if len(documents) == 1:
        raise CorpusError(f"{doc_id!r} is the only document; add another before deleting it")
    source.unlink(missing_ok=True)
    report = assistant.ingest(progress=False, pace=pace)
    if any(d["doc_id"] == doc_id for d in assistant.documents()):
        raise CorpusError(f"{doc_id!r} is still indexed after deleting {doc['source']}; run `assistant doctor`")
    return report

