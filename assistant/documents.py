"""Staff document management on the corpus folder: keep an uploaded file, delete a document's file.

`Assistant.add_document` and `Assistant.delete_document` (what the web UI and the CLI call) use these and re-index.

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
from typing import TYPE_CHECKING, Callable, Literal, NamedTuple

from .errors import CorpusError, LoadError
from .load import DocumentLimits, load_document, real_path
from .types import Document, IngestReport

if TYPE_CHECKING:
    from .config import Settings

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


def read_upload(path: str | Path, settings: Settings) -> bytes:
    """A file's bytes, at most one over the size limit: enough for check_content to refuse it."""
    with open(path, "rb") as f:
        return f.read(DocumentLimits.from_settings(settings).max_bytes + 1)


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse a file whose size or content does not match what its name claims (the loader checks the rest)."""
    if len(data) > max_bytes:
        raise LoadError(f"{name}: {len(data) / 2**20:.2f} MiB is over the {max_bytes / 2**20:.2f} MiB upload limit")
    is_pdf = data.startswith(b"%PDF-")
    if name.endswith(".pdf") and not is_pdf:
        raise LoadError(f"{name}: the content is not a PDF (no %PDF- header)")
    if is_pdf and not name.endswith(".pdf"):
        raise LoadError(f"{name}: the content is a PDF; upload it with a .pdf name")


def store_upload(corpus: Path, limits: DocumentLimits, name: str, data: bytes, if_exists: IfExists,
                 check: Callable[[Document], object]) -> tuple[str, str]:
    """Check an uploaded file by loading it (and `check`, the indexer's chunk limit), then keep it under
    `<corpus>/uploads/`; the caller indexes it.

    Returns:
        The document's id and what happened: "added", "replaced" or "kept both".
    Raises:
        LoadError: wrong type, too large, binary, not UTF-8, not a PDF, no text in it, or over a document limit.
        CorpusError: the name is taken and `if_exists` is "refuse", or `if_exists` is none of IF_EXISTS.
    """
    if if_exists not in IF_EXISTS:
        raise CorpusError(f"if_exists must be one of {', '.join(IF_EXISTS)}, got {if_exists!r}")
    safe = upload_name(name)
    check_content(safe, data, limits.max_bytes)
    target, outcome = _place(corpus / UPLOAD_FOLDER / safe, if_exists)
    staging = corpus / ".staging"  # a dot folder: never picked up as a document by ingest
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging) as tmp:
        staged = Path(tmp) / target.name
        staged.write_bytes(data)
        try:
            check(load_document(staged, Path(tmp), limits))
        except LoadError as e:  # name the upload, not the staging path
            raise LoadError(str(e).replace(str(staged), safe)) from e
        target.parent.mkdir(exist_ok=True)
        os.replace(staged, target)
    return f"{UPLOAD_FOLDER}/{target.name}", outcome


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


def remove_source(corpus: Path, documents: list[dict], doc_id: str) -> str:
    """Delete the file a document was indexed from, and return its source; the caller re-ingests.

    Raises:
        CorpusError: no such document, its file lies outside the corpus folder, or it is the last one.
    """
    doc = next((d for d in documents if d["doc_id"] == doc_id), None)
    if doc is None:
        raise CorpusError(f"no document {doc_id!r} in the index")
    corpus = corpus.resolve()
    source = real_path(doc["source"]).resolve()
    if not source.is_relative_to(corpus):
        raise CorpusError(f"{doc_id!r} comes from {doc['source']}, outside the corpus folder {corpus}; remove it there")
    if len(documents) == 1:
        raise CorpusError(f"{doc_id!r} is the only document; add another before deleting it")
    source.unlink(missing_ok=True)
    return doc["source"]
