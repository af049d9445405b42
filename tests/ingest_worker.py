"""Test harness, not a test: one ingest in its own process that announces each write phase, so a test can
SIGKILL it at a known point.

    python tests/ingest_worker.py CORPUS INDEX [--stop PHASE:N] [--chroma-url URL] [--real-model]

Prints "opened <health action>" once the index is open, then "at PHASE N" (flushed) just before each
operation: load (a file is read), embed (a batch is embedded), record (inside a record transaction, after
its writes, before COMMIT), chroma (a write to the collection, repairs on open included). With --stop it
halts at that event until a line arrives on stdin (or it is killed). Ends with "done <report json>", or
"error <message>" and exit code 1.

Uses the deterministic HashEmbeddings unless --real-model: the crash loop tests plumbing, and loading
the model in every one of its processes would dominate its time.
"""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import assistant.ingest as ingest_module  # noqa: E402
from assistant import Assistant, AssistantError  # noqa: E402
from assistant.index.record import Record  # noqa: E402
from assistant.index.store import ChromaStore  # noqa: E402
from fakes import HashEmbeddings  # noqa: E402

seen: dict[str, int] = {}


def announce(phase: str, stop: str) -> None:
    seen[phase] = seen.get(phase, 0) + 1
    print(f"at {phase} {seen[phase]}", flush=True)
    if stop == f"{phase}:{seen[phase]}":
        sys.stdin.readline()


def before(phase: str, stop: str, function):
    def announced(*args, **kwargs):
        announce(phase, stop)
        return function(*args, **kwargs)

    return announced


def instrument(stop: str) -> None:
    """Announce every phase, at class level so that repairs made while opening are announced too."""
    ingest_module.load_document = before("load", stop, ingest_module.load_document)
    ChromaStore.upsert = before("chroma", stop, ChromaStore.upsert)
    ChromaStore.delete = before("chroma", stop, ChromaStore.delete)
    plain = Record.transaction

    @contextmanager
    def transaction(self):
        with plain(self) as db:
            yield db
            announce("record", stop)

    Record.transaction = transaction


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("index")
    parser.add_argument("--stop", default="")
    parser.add_argument("--chroma-url", default="")
    parser.add_argument("--real-model", action="store_true")
    args = parser.parse_args()
    instrument(args.stop)
    embeddings = None if args.real_model else HashEmbeddings()
    if embeddings is not None:
        embeddings.encode = before("embed", args.stop, embeddings.encode)
    try:
        a = Assistant(corpus_dir=args.corpus, index_dir=args.index, chroma_url=args.chroma_url,
                      embeddings=embeddings, auto_ingest=False)
        print(f"opened {a.health.action}", flush=True)
        report = a.ingest(progress=False)
    except AssistantError as e:
        print(f"error {e}", flush=True)
        sys.exit(1)
    print(f"done {json.dumps(report.to_dict())}", flush=True)


if __name__ == "__main__":
    main()
