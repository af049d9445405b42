"""Start the real UI (web.serve: hardened launch options, bounded queue) on a free loopback port for a test module."""
from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

from conftest import CORPUS

ADMIN_TOKEN = "test-admin-token-0123456789"
MAX_FILE_MB = 0.25
HOSTILE_DOC = """---
title: "Harbour notes <img src=x onerror=\\"window.__pwned=1\\">"
date: "2025-01"
url: "https://example.org/harbour-notes"
---

The Zanzibar lantern festival in Kaohsiung featured <script>window.__pwned=1</script> glowing paper boats on the \
Love River. Visitors could read more at [the guide](javascript:window.__pwned=1) and see \
![boat](http://127.0.0.1:9/boat.png) pictures of it. The festival lantern parade started at \
<img src=x onerror="window.__pwned=1"> Pier-2.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui_assistant(base: Path, embeddings):
    """An assistant over a copy of the real corpus plus one document full of live-looking HTML."""
    from assistant import Assistant

    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "harbour-notes.md").write_text(HOSTILE_DOC, encoding="utf-8")
    return Assistant(corpus_dir=corpus, index_dir=base / "index", embeddings=embeddings, max_file_mb=MAX_FILE_MB)


@contextmanager
def running_ui(assistant, feedback_path: Path, admin_token: str | None = None) -> Iterator[str]:
    """Serve the UI on 127.0.0.1 in this process; yield its URL; stop it afterwards."""
    from assistant.web import serve

    port = free_port()
    demo = serve(assistant, "127.0.0.1", port, admin_token=admin_token, feedback_path=feedback_path, block=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()


@contextmanager
def staff_and_public_ui(base: Path, embeddings) -> Iterator[dict]:
    """Two servers over one assistant: staff (admin token set) and public (none); stopped afterwards."""
    assistant = ui_assistant(base, embeddings)
    feedback = base / "feedback.jsonl"
    with running_ui(assistant, feedback, ADMIN_TOKEN) as staff, running_ui(assistant, feedback) as public:
        yield {"staff": staff, "public": public, "assistant": assistant, "feedback": feedback}


class SlowChatServer(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat server that streams a long reply one word every `pause_s`, as a slow model
    would, and records for each request how many words it sent and whether the client hung up first."""

    words = 60
    pause_s = 0.1
    streams: list[dict] = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        stream = {"sent": 0, "hung_up": False}
        self.streams.append(stream)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            time.sleep(1)  # thinking, before the first word
            for i in range(self.words):
                self._event({"role": "assistant", "content": f"word{i} "}, None)
                stream["sent"] += 1
                time.sleep(self.pause_s)
            self._event({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            stream["hung_up"] = True

    def _event(self, delta: dict, finish) -> None:
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "slow",
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, *args):
        pass


@contextmanager
def slow_chat_server() -> Iterator[tuple[str, list[dict]]]:
    """Serve SlowChatServer on a free loopback port; yield its base URL and the list of its streams."""
    SlowChatServer.streams = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowChatServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", SlowChatServer.streams
    finally:
        server.shutdown()
