"""Real child processes for the reliability tests: the announcing ingest worker and a `chroma run` server."""
from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("ingest_worker.py")


def child_env() -> dict[str, str]:
    """This checkout first on the path, no model hub, no telemetry."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


class Worker:
    """tests/ingest_worker.py in its own session (so SIGKILL takes its children too), read line by line."""

    def __init__(self, corpus: Path, index: Path, *extra: str, env: dict[str, str] | None = None):
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(corpus), str(index), *extra], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**child_env(), **(env or {})},
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, wanted: str, timeout: float = 60) -> str | None:
        """The first line starting with `wanted`; None when the worker ended (or timed out) first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                self._queue.put(None)
                return None
            self.lines.append(line)
            if line.startswith(wanted):
                return line

    def resume(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def kill(self) -> bool:
        """SIGKILL the worker's process group; True when it was still running."""
        alive = self.proc.poll() is None
        if alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        return alive

    def finish(self, timeout: float = 120) -> str:
        """Let it run to the end; its last line ("done ..." or "error ...")."""
        self.proc.stdin.close()
        end = self.wait_for("done", timeout) or (self.lines[-1] if self.lines else "")
        self.proc.wait(timeout=timeout)
        return end


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """`chroma run` on loopback over a folder; start() again after kill() reuses port and folder."""

    def __init__(self, path: Path):
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.binary = Path(sys.executable).with_name("chroma")

    def start(self, timeout: float = 60) -> None:
        log = open(self.path.parent / "chroma-server.log", "ab")
        self.proc = subprocess.Popen([str(self.binary), "run", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--path", str(self.path)], stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"chroma run did not come up on {self.url}; see {log.name}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
