"""Extract a PDF's text under hard limits: run as a child process with the PDF on stdin, JSON on stdout.

`python pdf_worker.py SECONDS MIB` caps CPU time and address space before parsing, so a decompression
bomb or a parser loop ends this process, never the application. Imports only the standard library and
pypdf, so the child starts quickly.
"""
from __future__ import annotations

import io
import json
import resource
import sys

# Exit code for "ran out of memory", told apart from other failures by the parent.
OUT_OF_MEMORY = 3


def limit(seconds: int, mib: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (mib * 2**20, mib * 2**20))


def extract(data: bytes) -> dict:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() or "" for page in reader.pages]
    info = reader.metadata or {}
    return {"text": "\n\n".join(p.strip() for p in pages if p.strip()), "title": str(info.get("/Title") or "")}


def main() -> None:
    data = sys.stdin.buffer.read()
    import pypdf  # noqa: F401  (imported before the limits, so that only parsing is limited)

    limit(int(sys.argv[1]), int(sys.argv[2]))
    try:
        result = extract(data)
    except MemoryError:
        sys.exit(OUT_OF_MEMORY)
    except Exception as e:  # any parser failure is reported as a corrupt file
        result = {"error": f"{type(e).__name__}: {e}"}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
