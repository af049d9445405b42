"""Is the first question after start-up as fast as the tenth? (not a test; the start-up warm-up's check)

    python scripts/first_question.py --starts 3

Starts app.py (settings from the usual ASSISTANT_* variables) `--starts` times; each time, as soon as the server
answers, one client asks ten questions in turn through /ask and then drafts talking points twice. Prints the p50
over the starts of the first and the tenth question and of the first and the second draft.
"""
from __future__ import annotations

import argparse
import statistics
import time

from load_ui import QUESTIONS, started_app


def timed(call) -> float:
    started = time.perf_counter()
    reply = call()
    if not isinstance(reply, dict) or "error" in reply:
        raise SystemExit(f"unexpected reply: {reply!r}")
    return time.perf_counter() - started


def one_start(timeout: float) -> dict[str, float]:
    """Seconds of the 1st and 10th question and the 1st and 2nd draft, asked as soon as the server is up."""
    from gradio_client import Client

    with started_app(None, None, timeout) as url:
        client = Client(url, verbose=False)
        asks = [timed(lambda q=QUESTIONS[i % len(QUESTIONS)]: client.predict(q, None, api_name="/ask"))
                for i in range(10)]
        drafts = [timed(lambda: client.predict("sister-city education exchange", 5, "press",
                                               api_name="/talking_points")) for _ in range(2)]
    return {"first question": asks[0], "tenth question": asks[9], "first draft": drafts[0],
            "second draft": drafts[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3, help="server starts to measure (p50 over them)")
    parser.add_argument("--startup-timeout", type=float, default=300, help="seconds to wait for each start")
    args = parser.parse_args()
    runs = [one_start(args.startup_timeout) for _ in range(args.starts)]
    for name in runs[0]:
        values = [r[name] for r in runs]
        print(f"{name}: p50 {statistics.median(values):.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
