"""Which processes have an embedded index open, and whether the last one shut down cleanly.

Chroma breaks under `kill -9`, not on its own: so the probe in a child process (seconds) runs on open only
when a process that had the index open did not shut down cleanly, when the Chroma files changed since the
last clean shutdown (copied in, damaged by hand), or when asked (`assistant doctor`). A process notes itself
in the record when it opens the store, and on a normal exit takes itself out and, if it was the last, notes a
fingerprint of the Chroma files as it left them.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import sqlite3
from pathlib import Path

from .record import Record
from .store import embedded_path

_NOTED: set[Path] = set()  # records this process has already promised to sign out of at exit


def fingerprint(index_dir: Path) -> str:
    """Every Chroma file's path, size and modification time, hashed: equal means untouched."""
    root = embedded_path(index_dir)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    lines = [f"{p.relative_to(root)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_openers(record: Record) -> list[tuple[int, str]]:
    """Openers that are gone without signing out, or that opened a copy of this index elsewhere."""
    here = str(record.path.resolve())
    return [(pid, place) for pid, place in record.openers() if place != here or not alive(pid)]


def why_check(record: Record, index_dir: Path) -> str:
    """Why the embedded index must be probed before use, or "" when its last user shut down cleanly."""
    stale = stale_openers(record)
    if stale:
        return f"process {stale[0][0]} did not shut down cleanly after opening it"
    if record.openers():
        return ""  # open in a live process (maybe this one) right now: that opener checked it
    clean = record.get_meta("clean_fingerprint")
    if clean is None:
        return "no clean shutdown is recorded"
    if clean != fingerprint(index_dir):
        return "its files changed since the last clean shutdown"
    return ""


def note_opened(record: Record, index_dir: Path) -> None:
    """Record this process as an opener until it exits normally (then sign out, see `_sign_out`)."""
    record.add_opener(os.getpid(), str(record.path.resolve()))
    if record.path not in _NOTED:
        _NOTED.add(record.path)
        atexit.register(_sign_out, record.path, index_dir)


def _sign_out(path: Path, index_dir: Path) -> None:
    """At a normal exit: leave the openers, and as the last one note the files' fingerprint."""
    if not path.exists():
        return
    try:
        record = Record(path)
        record.remove_opener(os.getpid(), str(path.resolve()), fingerprint(index_dir))
        record.close()
    except (sqlite3.Error, OSError):
        pass  # a deleted or unwritable index: the next opener probes it, which is the safe side
