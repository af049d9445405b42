"""Soak run (not a test): concurrent library users and, optionally, gradio_client users of the web UI, all
against one Assistant on loopback for a bounded time. Prints requests, errors, p50/p95 latency per kind,
and the process RSS at start (after warm-up) and at the end.

    python scripts/soak.py --seconds 90 --users 4 --ui-users 2 [--corpus-dir corpus --index-dir index]
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
FALLBACK = ["How many sister cities does Kaohsiung have?", "Who welcomed the delegation at San Jose City Hall?",
            "When was the Gdynia agreement signed?", "What is the weather on Mars?"]


def questions() -> list[tuple[str, list]]:
    if DEV_SET.exists():
        rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [(r["question"], [{"role": "user", "content": h} for h in r.get("history") or []]) for r in rows]
    return [(q, []) for q in FALLBACK]


def rss_mb() -> float:
    """Resident memory of this process in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class Tally:
    """Latencies and errors per kind of user, shared by the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}

    def run(self, kind: str, call) -> None:
        started = time.perf_counter()
        try:
            call()
        except Exception as e:  # every failure is counted and shown, whatever its type
            with self.lock:
                self.errors.setdefault(kind, []).append(f"{type(e).__name__}: {e}")
            return
        with self.lock:
            self.latency.setdefault(kind, []).append(time.perf_counter() - started)

    def report(self) -> list[str]:
        lines = []
        for kind in sorted(set(self.latency) | set(self.errors)):
            times = sorted(self.latency.get(kind, []))
            p50 = statistics.median(times) if times else float("nan")
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))] if times else float("nan")
            errors = self.errors.get(kind, [])
            lines.append(f"{kind:>8}: {len(times)} ok, {len(errors)} errors, p50 {p50 * 1000:.0f} ms, "
                         f"p95 {p95 * 1000:.0f} ms")
            lines += [f"          error: {e}" for e in errors[:5]]
        return lines


def library_user(assistant, tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    pool = questions()
    while not stop.is_set():
        question, history = rng.choice(pool)
        tally.run("library", lambda: assistant.ask(question, history=history))


def ui_user(url: str, tally: Tally, stop: threading.Event, seed: int) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    rng = random.Random(seed)
    pool = questions()
    while not stop.is_set():
        question, history = rng.choice(pool)
        tally.run("ui", lambda: client.predict(question, history, api_name="/ask"))


def serve_ui(assistant) -> str:
    from assistant.web import build_ui

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = build_ui(assistant, Path("/tmp") / f"soak-feedback-{port}.jsonl")
    demo.queue(default_concurrency_limit=4, max_size=64)
    demo.launch(server_name="127.0.0.1", server_port=port, share=False, prevent_thread_lock=True, quiet=True)
    return f"http://127.0.0.1:{port}/"


def soak(assistant, url: str, users: int, ui_users: int, seconds: float, every: float = 15) -> tuple[Tally, list]:
    """Run the users for `seconds`; returns their tally and (elapsed, RSS MiB) samples taken every `every` s."""
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=library_user, args=(assistant, tally, stop, i)) for i in range(users)]
    threads += [threading.Thread(target=ui_user, args=(url, tally, stop, 100 + i)) for i in range(ui_users)]
    for t in threads:
        t.start()
    samples, started = [], time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        time.sleep(min(every, seconds - elapsed))
        samples.append((time.monotonic() - started, rss_mb()))
    stop.set()
    for t in threads:
        t.join(timeout=120)
    return tally, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--warmup", type=float, default=20, help="seconds of the same load before RSS is first taken")
    parser.add_argument("--users", type=int, default=4, help="library users (threads)")
    parser.add_argument("--ui-users", type=int, default=0, help="gradio_client users of the web UI")
    parser.add_argument("--corpus-dir", default=None)
    parser.add_argument("--index-dir", default=None)
    parser.add_argument("--chroma-url", default=None)
    args = parser.parse_args()

    from assistant import Assistant

    assistant = Assistant(corpus_dir=args.corpus_dir, index_dir=args.index_dir, chroma_url=args.chroma_url)
    url = serve_ui(assistant) if args.ui_users else ""
    warm, _ = soak(assistant, url, args.users, args.ui_users, args.warmup)
    gc.collect()
    start_rss = rss_mb()
    print(f"warm-up: {args.warmup:g} s, {sum(map(len, warm.latency.values()))} requests; "
          f"{assistant.status()['chunks']} chunks, RSS {start_rss:.0f} MiB; soaking {args.seconds:g} s with "
          f"{args.users} library and {args.ui_users} UI users", flush=True)
    tally, samples = soak(assistant, url, args.users, args.ui_users, args.seconds)
    gc.collect()
    end_rss = rss_mb()
    print("\n".join(tally.report()))
    print("RSS over time: " + ", ".join(f"{t:.0f} s {m:.0f} MiB" for t, m in samples))
    print(f"RSS: {start_rss:.0f} MiB at start, {end_rss:.0f} MiB at end ({(end_rss / start_rss - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
