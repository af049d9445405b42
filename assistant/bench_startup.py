"""`assistant bench --sections startup`: what a CLI or library user feels first, each process started cold.

Wall times of new processes (`assistant ingest` with nothing to do, `assistant ask` end to end), and
Assistant() plus its first answer once the package is imported, next to the plain LangChain equivalent (load
sentence-transformers, open Chroma, one similarity search) measured in the same run.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .bench import QUESTIONS, BenchOptions, naive_ingest
from .config import DEFAULT_MODEL, offline_models
from .embed import resolve_model_path
from .errors import ConfigError

CHECKOUT = Path(__file__).resolve().parent.parent
# Targets of issue 15 on an idle 2-core machine, seconds of wall time.
STARTUP_TARGETS = {"cli_ingest_nothing": 1.5, "cli_ask": 2.5, "assistant_first_ask": 2.0}

# Assistant() and its first answer in an interpreter that has already imported the package ({preload}: and,
# for a like-for-like line beside plain LangChain, the libraries it loads on first use).
OURS_IN_PYTHON = """
import sys, time
from assistant.assistant import Assistant
{preload}
started = time.perf_counter()
Assistant(corpus_dir=sys.argv[1], index_dir=sys.argv[2], auto_ingest=False).ask(sys.argv[3])
print(time.perf_counter() - started)
"""

# The plain LangChain equivalent: load sentence-transformers, open Chroma, one similarity search.
PLAIN_IN_PYTHON = """
import sys, time
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings
from sentence_transformers import SentenceTransformer
started = time.perf_counter()
model = SentenceTransformer(sys.argv[1], device="cpu")

class PlainEmbeddings(Embeddings):
    def embed_documents(self, texts):
        return model.encode(texts, batch_size=32).tolist()

    def embed_query(self, text):
        return model.encode(text).tolist()

Chroma(collection_name="naive", embedding_function=PlainEmbeddings(), persist_directory=sys.argv[2]).similarity_search(
    sys.argv[3], k=5)
print(time.perf_counter() - started)
"""


def cold(command: list[str]) -> tuple[float, str]:
    """Wall seconds of a fresh process running `command` from this checkout (it inherits our environment), and
    what it printed last."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *command], cwd=CHECKOUT, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise ConfigError(f"startup bench: {' '.join(command[:3])} failed: {done.stderr.strip()[-500:]}")
    return seconds, (done.stdout.strip().splitlines() or [""])[-1]


def bench_startup(opts: BenchOptions, workdir: Path) -> dict:
    """Cold-process wall times of `assistant ingest` (nothing to do) and `assistant ask`, and Assistant() plus
    the first ask in a warm interpreter, next to the plain LangChain equivalent, medians over rounds."""
    from sentence_transformers import SentenceTransformer

    question, corpus = QUESTIONS[0], str(Path(opts.corpus).resolve())
    offline_models()  # the children inherit it: no model hub
    cli = ["-m", "assistant.cli", "--corpus-dir", corpus, "--index-dir", str(workdir / "startup")]
    opts.log("startup: building both indexes (not timed)")
    cold([*cli, "ingest"])
    path = resolve_model_path(DEFAULT_MODEL)
    naive_ingest(opts.corpus, workdir / "startup-naive", SentenceTransformer(path, device="cpu"))
    runs: dict[str, list[float]] = {name: [] for name in (
        "cli_ingest_nothing", "cli_ask", "python_cold", "assistant_first_ask", "assistant_first_ask_libraries_imported",
        "plain_cold", "plain_first_search")}
    load_before = os.getloadavg()[0]
    for r in range(opts.rounds):
        opts.log(f"startup: round {r + 1} of {opts.rounds}")
        runs["cli_ingest_nothing"].append(cold([*cli, "ingest"])[0])
        runs["cli_ask"].append(cold([*cli, "ask", question])[0])
        wall, warm = cold(["-c", OURS_IN_PYTHON.format(preload=""), corpus, str(workdir / "startup"), question])
        runs["python_cold"].append(wall)
        runs["assistant_first_ask"].append(float(warm))
        libraries = "import chromadb, langchain_chroma, sentence_transformers, spacy"
        warm = cold(["-c", OURS_IN_PYTHON.format(preload=libraries), corpus, str(workdir / "startup"), question])[1]
        runs["assistant_first_ask_libraries_imported"].append(float(warm))
        wall, warm = cold(["-c", PLAIN_IN_PYTHON, path, str(workdir / "startup-naive"), question])
        runs["plain_cold"].append(wall)
        runs["plain_first_search"].append(float(warm))
    medians = {name: round(float(np.median(values)), 2) for name, values in runs.items()}
    return {"rounds": opts.rounds, "question": question, "seconds": medians,
            "runs": {name: [round(v, 2) for v in values] for name, values in runs.items()},
            "ratios": {"cli_ask_to_plain_cold": round(medians["cli_ask"] / medians["plain_cold"], 2),
                       "cli_ingest_nothing_to_plain_cold": round(medians["cli_ingest_nothing"] / medians["plain_cold"], 2),
                       "assistant_first_ask_to_plain": round(medians["assistant_first_ask"]
                                                             / medians["plain_first_search"], 2),
                       "libraries_imported_to_plain": round(medians["assistant_first_ask_libraries_imported"]
                                                            / medians["plain_first_search"], 2)},
            "targets": STARTUP_TARGETS,
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def render_startup(s: dict, console) -> None:
    from rich.table import Table

    table = Table(title=f"cold start: median of {s['rounds']} rounds, wall seconds; load average "
                        f"{s['load_average'][0]} before, {s['load_average'][1]} after")
    for column in ("what", "ours", "plain LangChain", "ratio", "target"):
        table.add_column(column, justify="left" if column == "what" else "right")
    t, r, target = s["seconds"], s["ratios"], s["targets"]
    table.add_row("`assistant ingest`, nothing to do (new process)", f"{t['cli_ingest_nothing']}", f"{t['plain_cold']}",
                  f"{r['cli_ingest_nothing_to_plain_cold']:.2f}x", f"<= {target['cli_ingest_nothing']}")
    table.add_row("`assistant ask` end to end (new process)", f"{t['cli_ask']}", f"{t['plain_cold']}",
                  f"{r['cli_ask_to_plain_cold']:.2f}x", f"<= {target['cli_ask']}")
    table.add_row("Assistant() + first ask (package imported)", f"{t['assistant_first_ask']}",
                  f"{t['plain_first_search']}", f"{r['assistant_first_ask_to_plain']:.2f}x",
                  f"<= {target['assistant_first_ask']}")
    table.add_row("same, its libraries imported too (as plain's are)", f"{t['assistant_first_ask_libraries_imported']}",
                  f"{t['plain_first_search']}", f"{r['libraries_imported_to_plain']:.2f}x", "")
    console.print(table)
    console.print("  plain LangChain: load sentence-transformers, open Chroma, one similarity search "
                  f"(new process {t['plain_cold']} s; after its imports {t['plain_first_search']} s)", highlight=False)
