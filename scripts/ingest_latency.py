"""Benchmark (not a test): /ask latency while the staff Documents tab re-ingests about 1,000 new chunks, against
idle (before and after it, pooled, so that a drift in the machine's load shows in both), measured in the same
run on the same server.

    python scripts/ingest_latency.py                 # --chunks 1000 --questions 40

Starts app.py on a free loopback port over a copy of corpus/ (admin token set, rate limits raised), asks half
of `--questions` one after another (a visitor with a short pause between them) while idle, then writes new
documents holding about `--chunks` chunks into the corpus copy, starts the Documents tab's re-ingest through
its API and keeps asking until it is done, then asks the other half while idle. Prints p50/p95 for idle and
during, and the ingest's own time.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_ui import QUESTIONS, ROOT, free_port, wait_until_up  # noqa: E402

TOKEN = "bench-admin-token-0123456789"
WORDS_PER_CHUNK = 108  # about 1,000 chunks of 200 word pieces (40 of overlap) per 1,000 asked
VOCABULARY = ("harbour delegation mayor council festival ferry partnership agreement exchange student port "
              "industry semiconductor lantern river museum library bridge railway shipyard steel culture "
              "tourism trade visit envoy memorandum signed welcomed discussed renewed expanded announced").split()


def write_documents(folder: Path, chunks: int, per_document: int = 100, seed: int = 1) -> None:
    """New text every run (a seed from the clock), so nothing is found among the stored vectors."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for n in range(max(1, chunks // per_document)):
        sentences = []
        for _ in range(per_document * WORDS_PER_CHUNK // 12):
            words = [rng.choice(VOCABULARY) for _ in range(10)] + [str(rng.randrange(10_000)), "Kaohsiung"]
            sentences.append(" ".join(words).capitalize() + ".")
        (folder / f"bench-{n:03d}.txt").write_text(" ".join(sentences), encoding="utf-8")


def ask_until(url: str, count: int | None, done: threading.Event | None, pause: float) -> list[float]:
    """Ask in turn, `count` questions or until `done` is set; the seconds each answer took."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    seconds = []
    while (count is None or len(seconds) < count) and not (done and done.is_set()):
        started = time.perf_counter()
        answer = client.predict(QUESTIONS[len(seconds) % len(QUESTIONS)], None, api_name="/ask")
        seconds.append(time.perf_counter() - started)
        if "error" in answer:
            raise SystemExit(f"/ask failed: {answer['error']}")
        time.sleep(pause)
    return seconds


def reingest(url: str, finished: threading.Event, out: dict) -> None:
    from gradio_client import Client

    staff = Client(url, verbose=False, headers={"X-Admin-Token": TOKEN})
    started = time.perf_counter()
    try:
        out["message"] = staff.predict(TOKEN, api_name="/reingest")[0]
    finally:
        out["seconds"] = time.perf_counter() - started
        finished.set()


def cuts(seconds: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(seconds, n=100, method="inclusive")
    return q[49], q[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1000, help="new chunks the re-ingest embeds (about)")
    parser.add_argument("--questions", type=int, default=40, help="questions asked while idle (half before, half after)")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds a visitor waits between questions")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="ingest-latency-"))
    shutil.copytree(ROOT / "corpus", base / "corpus")
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_HOST": "127.0.0.1", "ASSISTANT_PORT": str(port),
           "ASSISTANT_CORPUS_DIR": str(base / "corpus"), "ASSISTANT_INDEX_DIR": str(base / "index"),
           "ASSISTANT_ADMIN_TOKEN": TOKEN, "ASSISTANT_ASK_PER_MINUTE": "100000",
           "ASSISTANT_FEEDBACK_FILE": str(base / "feedback.jsonl")}
    server = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server, 300)
        ask_until(url, len(QUESTIONS), None, 0)  # warm up: each question's first-time costs are not latency
        idle = ask_until(url, args.questions // 2, None, args.pause)
        write_documents(base / "corpus" / "bench", args.chunks, seed=time.time_ns())
        finished, ingest = threading.Event(), {}
        worker = threading.Thread(target=reingest, args=(url, finished, ingest))
        worker.start()
        during = ask_until(url, None, finished, args.pause)
        worker.join()
        idle += ask_until(url, args.questions - args.questions // 2, None, args.pause)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)
    (i50, i95), (d50, d95) = cuts(idle), cuts(during)
    print(f"re-ingest through the Documents tab: {ingest.get('seconds', 0):.1f} s; {ingest.get('message', '?')}")
    print(f"/ask idle:          p50 {i50:.3f} s, p95 {i95:.3f} s ({len(idle)} questions)")
    print(f"/ask during ingest: p50 {d50:.3f} s, p95 {d95:.3f} s ({len(during)} questions)")
    print(f"during / idle:      p50 {d50 / i50:.2f}x, p95 {d95 / i95:.2f}x")


if __name__ == "__main__":
    main()
