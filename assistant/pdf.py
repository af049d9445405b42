"""PDF text extraction with pypdf in a child process with time and memory limits.

A hostile file (a decompression bomb, a parser loop) ends the child; the caller gets a LoadError.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import LoadError

WORKER = Path(__file__).with_name("pdf_worker.py")


@dataclass(frozen=True)
class PdfLimits:
    """What one PDF may cost to parse: wall-clock (and CPU) seconds and address space in MiB."""

    seconds: float = 60.0
    memory_mb: int = 1024


def extract_pdf_text(data: bytes, path: Path, limits: PdfLimits = PdfLimits()) -> tuple[str, dict]:
    """(text, {"title": ...}) of a PDF, or LoadError naming the file and the limit it broke."""
    from .pdf_worker import OUT_OF_MEMORY

    command = [sys.executable, str(WORKER), str(max(1, int(limits.seconds))), str(limits.memory_mb)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        raise LoadError(f"{path}: parsing the PDF took longer than {limits.seconds:g} s "
                        "(ASSISTANT_PDF_TIMEOUT_S); skipped") from None
    last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
    if done.returncode == OUT_OF_MEMORY or (done.returncode and "MemoryError" in last):
        raise LoadError(f"{path}: parsing the PDF needed more than {limits.memory_mb} MiB "
                        "(ASSISTANT_PDF_MEMORY_MB); skipped")
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise LoadError(f"{path}: parsing the PDF used more than {limits.seconds:g} s of CPU "
                        "(ASSISTANT_PDF_TIMEOUT_S); skipped")
    if done.returncode != 0:
        raise LoadError(f"{path}: the PDF parser failed ({last})")
    result = json.loads(done.stdout)
    if result.get("error", "").startswith("LimitReachedError"):
        # pypdf's own limits (75 MB per decompressed stream by default) stopped it before ours did.
        raise LoadError(f"{path}: the PDF expands past pypdf's safety limit, likely a decompression bomb "
                        f"({result['error']}); skipped")
    if "error" in result:
        raise LoadError(f"{path}: corrupt or unreadable PDF ({result['error']})")
    return result["text"], {"title": result["title"]}
