"""Load check for the chat UI (not a test): N concurrent gradio_client clients ask a bounded number of questions.

    python scripts/load_ui.py --clients 20 --questions 10            # starts app.py on a free loopback port
    python scripts/load_ui.py --url http://127.0.0.1:7860 --clients 5

Prints the errors (the queue's "busy" refusals counted apart) and p50/p95 latency of the /ask endpoint.
Without --url it starts `app.py` (index and corpus from the usual ASSISTANT_* settings) and stops it afterwards.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "How many sister cities does Kaohsiung have?",
    "Who welcomed the Kaohsiung delegation at San Jose City Hall?",
    "Why is Gdynia a natural partner for Kaohsiung?",
    "When was the agreement with Gdynia signed?",
    "What did Kaohsiung and Dresden agree on?",
    "How many sister-school ties has Kaohsiung created?",
    "What is the IURC?",
    "Which companies did the delegation plan to visit in Silicon Valley?",
]


def bounded(low: int, high: int):
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value
    return parse


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url + "/gradio_api/info", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url} within {timeout:.0f} s")


@contextmanager
def started_app(concurrency: int | None, queue_size: int | None, timeout: float) -> Iterator[str]:
    """Run app.py on a free loopback port for the duration of the load."""
    port = free_port()
    env = {**os.environ, "ASSISTANT_HOST": "127.0.0.1", "ASSISTANT_PORT": str(port), "HF_HUB_OFFLINE": "1"}
    env.update({k: str(v) for k, v in {"ASSISTANT_CONCURRENCY": concurrency,
                                        "ASSISTANT_QUEUE_SIZE": queue_size}.items() if v is not None})
    server = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server, timeout)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_client(url: str, number: int, questions: int) -> list[tuple[float, str | None]]:
    """One visitor: connect once, then ask `questions` questions in turn; (seconds, error or None) each."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    results = []
    for i in range(questions):
        question = QUESTIONS[(number + i) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            answer = client.predict(question, None, api_name="/ask")
            error = answer.get("error") if isinstance(answer, dict) else f"unexpected reply {answer!r}"
        except Exception as e:  # every failure is a data point here, not a crash
            error = f"{type(e).__name__}: {e}"
        results.append((time.perf_counter() - started, error))
    return results


def is_busy(error: str) -> bool:
    return any(s in error.lower() for s in ("queue is full", "busy", "503"))


def report(results: list[tuple[float, str | None]], clients: int, questions: int, seconds: float) -> None:
    latencies = sorted(t for t, error in results if error is None)
    errors = [error for _, error in results if error is not None]
    print(f"{clients} clients x {questions} questions = {len(results)} requests in {seconds:.1f} s "
          f"({len(results) / seconds:.1f} requests/s)")
    print(f"errors: {len(errors)} (busy refusals: {sum(map(is_busy, errors))})")
    for error, count in Counter(errors).most_common(5):
        print(f"  {count} x {error}")
    if len(latencies) >= 2:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        print(f"latency of answered requests: p50 {cuts[49]:.2f} s, p95 {cuts[94]:.2f} s, max {latencies[-1]:.2f} s")


def load(url: str, clients: int, questions: int) -> list[tuple[float, str | None]]:
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(run_client, url, n, questions) for n in range(clients)]
        return [r for f in futures for r in f.result()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running UI; default: start app.py on a free loopback port")
    parser.add_argument("--clients", type=bounded(1, 100), default=20, help="concurrent clients (1-100)")
    parser.add_argument("--questions", type=bounded(1, 100), default=10, help="questions per client (1-100)")
    parser.add_argument("--concurrency", type=bounded(1, 64), help="ASSISTANT_CONCURRENCY of the started app")
    parser.add_argument("--queue-size", type=bounded(1, 1000), help="ASSISTANT_QUEUE_SIZE of the started app")
    parser.add_argument("--startup-timeout", type=float, default=180, help="seconds to wait for the started app")
    args = parser.parse_args()
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("--url must be a loopback address (http://127.0.0.1:PORT)")
    with (nullcontext(args.url) if args.url else started_app(args.concurrency, args.queue_size,
                                                              args.startup_timeout)) as url:
        started = time.perf_counter()
        results = load(url, args.clients, args.questions)
        report(results, args.clients, args.questions, time.perf_counter() - started)


if __name__ == "__main__":
    main()
