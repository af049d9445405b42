"""Crash safety with real processes: SIGKILL an ingest at every phase, break the Chroma folder on purpose,
and two writers at once. After recovery the index must equal a clean ingest, with no confirmed document lost."""
from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from fakes import HashEmbeddings
from procs import ROOT, Worker, child_env

from assistant import Assistant

DOCS = {
    "harbour": "The harbour office keeps ferry timetables for Cijin island and Gushan pier.",
    "rail": "The light rail loop links the exhibition centre with Aozihdi station.",
    "youth": "Exchange students from Gdynia studied maritime engineering in Kaohsiung.",
}
# One sentence per document sharing no content word with the others or the corpus, to be retrieved first.
CANARIES = ["Obsidian marmalade drifts past the quixotic lighthouse.",
            "Vermilion tamarind kites hover over sleepy walruses.",
            "Zephyrine accordions hum beneath turquoise glaciers.",
            "Seventeen porcelain hedgehogs juggle amber cinnamon.",
            "Crimson xylophones whistle across velvet dunes."]


def write_corpus(folder: Path) -> dict[str, str]:
    """Two real documents and three made-up ones, each opening with a canary sentence; doc_id (file name) -> canary."""
    folder.mkdir(parents=True)
    canaries = {}
    sources = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.md"))}
    sources.update({name: "\n\n".join(f"{text} Paragraph {i} adds detail number {i * 7} about {name}."
                                      for i in range(40)) for name, text in DOCS.items()})
    for n, (stem, body) in enumerate(sorted(sources.items())):
        doc_id = f"{stem}.md"
        canaries[doc_id] = CANARIES[n]
        (folder / doc_id).write_text(f"{canaries[doc_id]}\n\n{body}\n\nRevision 0.\n", encoding="utf-8")
    return canaries


def revise(folder: Path, step: int, rng: random.Random) -> None:
    """Give the next run work: two documents get a new closing revision; now and then one is removed, then restored."""
    files = sorted(folder.glob("*.md"))
    for path in rng.sample(files, 2):
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: text.rindex("Revision ")] + f"Revision {step} was filed on day {step * 3}.\n",
                        encoding="utf-8")
    if step % 6 == 3:
        files[step % len(files)].rename(files[step % len(files)].with_suffix(".away"))
    if step % 6 == 5:
        restore(folder)


def restore(folder: Path) -> None:
    for away in folder.glob("*.away"):
        away.rename(away.with_suffix(".md"))


# Small chunks, so that a canary sentence dominates its chunk's (fake) vector as it would with the real model.
SMALL_CHUNKS = {"chunk_tokens": 32, "chunk_overlap_tokens": 4}
SMALL_CHUNKS_ENV = {f"ASSISTANT_{k.upper()}": str(v) for k, v in SMALL_CHUNKS.items()}

# (phase, n): every write phase, early and late; "held" kills stop the worker exactly there, "racing" ones
# let it go on and kill a few milliseconds later, inside the operation or the next one.
TARGETS = [("load", 1), ("embed", 1), ("record", 2), ("chroma", 1), ("load", 4), ("record", 3),
           ("chroma", 2), ("chroma", 3), ("record", 1), ("chroma", 4), ("embed", 1)]


@pytest.mark.slow
def test_sigkill_at_every_phase_then_recovery_matches_a_clean_ingest(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    canaries = write_corpus(corpus)
    rng = random.Random(6)
    kills: Counter = Counter()
    repairs: Counter = Counter()
    tried = 0
    schedule = [(p, n, "held") for p, n in TARGETS] + [(p, n, "racing") for p, n in TARGETS] + [("opened", 0, "racing")] * 2
    for step, (phase, n, mode) in enumerate(schedule, 1):
        revise(corpus, step, rng)
        worker = Worker(corpus, index, *(["--stop", f"{phase}:{n}"] if mode == "held" else []), env=SMALL_CHUNKS_ENV)
        opened = worker.wait_for("opened")
        repairs[opened.split()[1] if opened else "crashed on open"] += 1
        reached = opened if phase == "opened" else worker.wait_for(f"at {phase} {n}")
        if reached and mode == "racing":
            time.sleep(rng.uniform(0, 0.03))
        tried += 1
        if worker.kill() and reached:
            kills[phase] += 1
    restore(corpus)
    final = Worker(corpus, index, env=SMALL_CHUNKS_ENV)
    assert final.finish().startswith("done"), final.lines
    print(f"\nkill points tried {tried}, SIGKILLs delivered {sum(kills.values())} by phase {dict(kills)}; "
          f"health on reopen {dict(repairs)}")
    # Every phase is hit; not every kill lands (a racing worker, or a revision with fewer writes than the target's
    # n, may finish first), so two in three is the bar, not a count that timing decides.
    assert sum(kills.values()) >= 2 * tried // 3 and set(kills) >= {"load", "embed", "record", "chroma"}

    recovered = Assistant(corpus_dir=corpus, index_dir=index, embeddings=HashEmbeddings(), auto_ingest=False,
                          **SMALL_CHUNKS)
    clean = Assistant(corpus_dir=corpus, index_dir=tmp_path / "clean", embeddings=HashEmbeddings(), **SMALL_CHUNKS)
    assert recovered.health.action == "skipped" and "shut down cleanly" in recovered.health.note, \
        "the final worker exited normally, so nothing calls for a check"
    assert recovered.store.ids() == recovered.record.chunk_ids()
    per_doc = {d["doc_id"]: d["chunks"] for d in recovered.documents()}
    assert per_doc == {d["doc_id"]: d["chunks"] for d in clean.documents()}
    assert set(per_doc) == set(canaries)
    assert recovered.record.chunk_ids() == clean.record.chunk_ids()
    listed = recovered.store.collection.get(include=[])["ids"]
    assert len(listed) == len(set(listed)) == recovered.store.count()
    assert set(listed) == recovered.record.chunk_ids()
    places = [(c.doc_id, c.chunk_index) for c in recovered.store.all_chunks()]
    assert len(places) == len(set(places))
    for doc_id, canary in canaries.items():
        top = recovered.retrieve(canary, k=3)[0]
        assert top.doc_id == doc_id and canary in top.text


def _break(chroma: Path, how: str) -> None:
    segment = next((p for p in chroma.iterdir() if p.is_dir()), chroma / "none")
    if how == "truncate the HNSW data":
        (segment / "data_level0.bin").write_bytes(b"")
    elif how == "zero the HNSW header":
        (segment / "header.bin").write_bytes(b"\0" * 10)
    elif how == "delete the HNSW segment folder":
        shutil.rmtree(segment)
    elif how == "truncate Chroma's SQLite":
        with open(chroma / "chroma.sqlite3", "r+b") as f:
            f.truncate(4096)
    elif how == "scribble over Chroma's SQLite":
        with open(chroma / "chroma.sqlite3", "r+b") as f:
            f.seek(8192)
            f.write(b"\xde\xad" * 8192)


def assert_search_equals_brute_force(a: Assistant, queries: list[str]) -> None:
    """Chroma's nearest neighbour is as near as numpy's exact one over the record's stored vectors, for every
    stored vector (so each one is reachable) and for each query."""
    model = a.record.get_meta("model")
    parts = list(a.record.vectors(model))
    ids = [i for part_ids, _ in parts for i in part_ids]
    matrix = np.concatenate([vectors for _, vectors in parts])
    assert set(ids) == a.record.chunk_ids() == a.store.ids()
    probes = np.concatenate([matrix, np.asarray([a.embeddings.embed_query(q) for q in queries], dtype=np.float32)])
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    exact = 1 - (unit(probes) @ unit(matrix).T).max(axis=1)
    found = np.concatenate([a.store.collection.query(query_embeddings=probes[i : i + 500], n_results=1,
                                                     include=["distances"])["distances"]
                            for i in range(0, len(probes), 500)])[:, 0]
    far = np.flatnonzero(found > exact + 1e-4)
    assert not far.size, f"{far.size} of {len(probes)} searches miss their exact nearest neighbour: " + \
        ", ".join(f"{ids[i] if i < len(ids) else queries[i - len(ids)]!r} at {found[i]:.4f} > {exact[i]:.4f}"
                  for i in far[:5])


@pytest.fixture(scope="module")
def built_index(tmp_path_factory):
    """The real corpus ingested with the real model by the real CLI, in a process that has since exited."""
    base = tmp_path_factory.mktemp("built")
    shutil.copytree(ROOT / "corpus", base / "corpus")
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "--corpus-dir", str(base / "corpus"),
                           "--index-dir", str(base / "index"), "ingest"], env=child_env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return base


@pytest.fixture(scope="module")
def large_index(tmp_path_factory):
    """Over 1000 chunks (Chroma's HNSW sync threshold), so its HNSW files are what queries read; fake vectors."""
    base = tmp_path_factory.mktemp("large")
    canaries = {}
    for d in range(16):
        canaries[f"d{d}.md"] = f"Canary zq{d}x: the lantern of quay {d} glows blue at dusk."
        paragraphs = [f"Paragraph {i} of file {d} tells of berth {i * d} and cargo crane {i + d} in the port."
                      for i in range(100)]
        (base / "corpus").mkdir(exist_ok=True)
        (base / "corpus" / f"d{d}.md").write_text("\n\n".join([canaries[f"d{d}.md"], *paragraphs]), encoding="utf-8")
    worker = Worker(base / "corpus", base / "index", env={"ASSISTANT_CHUNK_TOKENS": "16",
                                                          "ASSISTANT_CHUNK_OVERLAP_TOKENS": "4"})
    assert worker.finish().startswith("done"), worker.lines
    return base, canaries


@pytest.mark.parametrize("how", ["truncate the HNSW data", "zero the HNSW header", "delete the HNSW segment folder"])
def test_broken_hnsw_files_are_detected_and_rebuilt_from_the_record(large_index, tmp_path, how):
    base, canaries = large_index
    index = tmp_path / "index"
    shutil.copytree(base / "index", index)
    _break(index / "chroma", how)
    a = Assistant(corpus_dir=base / "corpus", index_dir=index, embeddings=HashEmbeddings(), auto_ingest=False)
    print(f"\n{how}: {a.health.summary()}")
    assert a.health.action == "rebuilt" and a.health.problems
    assert len(a.documents()) == len(canaries)
    assert a.store.ids() == a.record.chunk_ids() and a.store.count() == len(a.record.chunk_ids()) > 1000
    assert_search_equals_brute_force(a, list(canaries.values()))
    for doc_id, canary in canaries.items():
        top = a.retrieve(canary, k=3)[0]
        assert top.doc_id == doc_id and canary in top.text


@pytest.mark.parametrize("how", ["truncate Chroma's SQLite", "scribble over Chroma's SQLite",
                                 "delete the HNSW segment folder"])
def test_broken_chroma_folder_is_repaired_and_answers_with_the_real_model(built_index, tmp_path, how, embeddings):
    """A small collection rebuilds its HNSW from Chroma's own log, so only damage to that log needs our rebuild;
    either way, every document is back and answers cite it."""
    index = tmp_path / "index"
    shutil.copytree(built_index / "index", index)
    _break(index / "chroma", how)
    a = Assistant(corpus_dir=built_index / "corpus", index_dir=index, embeddings=embeddings, auto_ingest=False)
    print(f"\n{how}: {a.health.summary()}")
    if "SQLite" in how:
        assert a.health.action == "rebuilt" and a.health.problems
    assert len(a.documents()) == 2
    assert a.store.ids() == a.record.chunk_ids() and a.store.count() == len(a.record.chunk_ids())
    assert_search_equals_brute_force(a, ["How many sister cities does Kaohsiung have?"])
    answer = a.ask("How many sister cities does Kaohsiung have?")
    assert "45" in answer.text and answer.citations


def _state(index: Path) -> tuple:
    """The record's documents and chunk ids, and every Chroma file's size and mtime."""
    with sqlite3.connect(index / "record.sqlite3") as db:
        record = db.execute("SELECT doc_id, content_hash FROM documents ORDER BY doc_id").fetchall(), \
            db.execute("SELECT id FROM chunks ORDER BY id").fetchall()
    files = sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in (index / "chroma").rglob("*"))
    return record, files


def test_a_second_ingest_is_refused_naming_the_holder_and_writes_nothing(built_index, tmp_path, embeddings):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(built_index / "corpus", corpus)
    shutil.copytree(built_index / "index", index)
    path = corpus / "kaohsiung-silicon-valley-visit.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Cisco", "Nvidia"), encoding="utf-8")
    first = Worker(corpus, index, "--real-model", "--stop", "chroma:1")
    assert first.wait_for("at chroma 1", timeout=120)
    before = _state(index)
    started = time.perf_counter()
    second = subprocess.run([sys.executable, "-m", "assistant.cli", "--corpus-dir", str(corpus), "--index-dir",
                             str(index), "ingest"], env=child_env(), capture_output=True, text=True, timeout=120)
    print(f"\nsecond ingest refused after {time.perf_counter() - started:.2f} s (process start included)")
    assert second.returncode == 1
    assert f"pid {first.proc.pid} (ingest)" in second.stderr and "Traceback" not in second.stderr
    assert _state(index) == before
    assert first.finish().startswith("done")
    a = Assistant(corpus_dir=corpus, index_dir=index, embeddings=embeddings, auto_ingest=False)
    assert a.health.action == "skipped" and a.store.ids() == a.record.chunk_ids()
    assert any("Nvidia" in c.text for c in a.store.all_chunks())
