"""PDF text extraction with pypdf, isolated so a hostile file cannot take the caller down."""
from __future__ import annotations

import io
from pathlib import Path

from .errors import LoadError


def extract_pdf_text(data: bytes, path: Path) -> tuple[str, dict]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as e:  # pragma: no cover - pypdf is a hard dependency
        raise LoadError("reading PDFs needs pypdf: pip install pypdf") from e
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError, TypeError) as e:
        raise LoadError(f"{path}: corrupt or unreadable PDF ({e})") from e
    return "\n\n".join(p.strip() for p in pages if p.strip()), {"title": (info.get("/Title") or "")}
