"""One writer per index: a lock file that names its holder, so a second writer fails at once instead of corrupting
the index (Chroma is thread-safe, not process-safe)."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import IndexLockedError


@contextmanager
def writer_lock(index_dir: Path, purpose: str = "ingest") -> Iterator[None]:
    """Hold the index's single-writer lock, or fail at once naming the process that holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / "ingest.lock"
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise IndexLockedError(f"{index_dir} is being written by {holder}; wait for that ingest to finish") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} ({purpose}) since {time.strftime('%Y-%m-%d %H:%M:%S')}")
    handle.flush()
    try:
        yield
    finally:
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def ensure_unlocked(index_dir: Path) -> None:
    """Fail at once, before anything is opened, when another process is writing the index."""
    with writer_lock(index_dir, "lock check"):
        pass
