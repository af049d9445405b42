"""Incremental ingest on a real Chroma store: unchanged skipped, edited replaced, deleted removed."""
from pathlib import Path

from assistant.chunk import Chunker
from assistant.load import load_document


def test_second_ingest_embeds_nothing(corpus_copy, make_assistant):
    a = make_assistant(corpus_copy)
    count = a.store.count()
    report = a.ingest()
    assert (report.added, report.updated, report.unchanged, report.deleted) == (0, 0, 2, 0)
    assert report.embedded == 0 and report.chunks_added == 0
    assert a.store.count() == count
    assert a.store.ids() == a.record.chunk_ids()


def test_edited_document_replaces_its_old_chunks(corpus_copy, make_assistant):
    a = make_assistant(corpus_copy)
    path = corpus_copy / "kaohsiung-silicon-valley-visit.md"
    text = path.read_text(encoding="utf-8")
    old = "Cisco and Super Micro Computer"
    path.write_text(text.replace(old, "Nvidia and Oracle"), encoding="utf-8")
    report = a.ingest()
    assert (report.updated, report.unchanged) == (1, 1)
    assert 0 < report.embedded <= 3, "only the changed chunks are embedded again"
    texts = [p.text for p in a.retrieve("Which tech companies did the delegation plan to visit?", k=10)]
    assert any("Nvidia and Oracle" in t for t in texts)
    assert not any(old in c.text for c in a.store.all_chunks())
    assert a.store.ids() == a.record.chunk_ids()


def test_deleted_document_disappears(corpus_copy, make_assistant):
    a = make_assistant(corpus_copy)
    (corpus_copy / "kaohsiung-silicon-valley-visit.md").unlink()
    report = a.ingest()
    assert report.deleted == 1
    assert {c.doc_id for c in a.store.all_chunks()} == {"beyond-taipei-city-diplomacy.md"}
    assert all(p.doc_id != "kaohsiung-silicon-valley-visit.md" for p in a.retrieve("Stanford professor", k=10))
    assert [d["doc_id"] for d in a.documents()] == ["beyond-taipei-city-diplomacy.md"]


def test_folder_is_ingested_recursively_with_every_loader(tmp_path, make_assistant):
    from conftest import minimal_pdf

    corpus = tmp_path / "docs"
    (corpus / "nested" / "deeper").mkdir(parents=True)
    (corpus / "note.txt").write_text("The harbour festival opens on the fifth of May.", encoding="utf-8")
    (corpus / "nested" / "page.html").write_text(
        "<html><head><title>Ferry news</title><script>var x = 'script text';</script></head><body>"
        "<nav>Home | Search | Tags</nav><main><p>The new ferry to Cijin runs every ten minutes.</p></main>"
        "<footer>Follow us</footer></body></html>", encoding="utf-8")
    (corpus / "nested" / "deeper" / "report.pdf").write_bytes(minimal_pdf("The light rail loop carries commuters daily."))
    (corpus / "nested" / "story.md").write_text("---\ntitle: Port story\ndate: 2024-05-01\n---\nShips dock at pier nine.\n",
                                                encoding="utf-8")
    a = make_assistant(corpus)
    docs = {d["doc_id"]: d for d in a.documents()}
    assert set(docs) == {"note.txt", "nested/page.html", "nested/deeper/report.pdf", "nested/story.md"}
    assert docs["nested/story.md"]["title"] == "Port story" and docs["nested/story.md"]["date"] == "2024-05-01"
    assert docs["nested/page.html"]["title"] == "Ferry news"
    html_text = " ".join(c.text for c in a.store.all_chunks() if c.doc_id == "nested/page.html")
    assert "Cijin" in html_text and "script text" not in html_text and "Search" not in html_text
    assert "light rail loop" in a.retrieve("light rail commuters", k=1)[0].text


def test_chunks_fit_the_model_window_and_keep_offsets(embeddings):
    doc = load_document(Path(__file__).parent.parent / "corpus" / "beyond-taipei-city-diplomacy.md",
                        Path(__file__).parent.parent / "corpus")
    count = embeddings.token_counter()
    chunker = Chunker(count, 128, 24, embeddings.window)
    chunks = chunker.split(doc)
    assert len(chunks) > 10
    for c in chunks:
        assert count(c.text) <= 128
        assert doc.text[c.start : c.end] == c.text
    assert len({c.id for c in chunks}) == len(chunks)
    assert [c.id for c in chunker.split(doc)] == [c.id for c in chunks], "ids are stable content hashes"
    ends = [c.text.rstrip()[-1] for c in chunks]
    assert sum(e in ".”\"]?!" for e in ends) >= 0.8 * len(chunks), "chunks end at sentence boundaries"


def test_ids_keep_the_suffix_and_the_normalised_name(tmp_path, make_assistant):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "agenda.md").write_text("The agenda lists the harbour budget.", encoding="utf-8")
    (corpus / "agenda.txt").write_text("The agenda lists the lantern parade.", encoding="utf-8")
    (corpus / "cafe\u0301.txt").write_text("The café on Pier-2 opens at eight.", encoding="utf-8")  # NFD
    a = make_assistant(corpus)
    assert [d["doc_id"] for d in a.documents()] == ["agenda.md", "agenda.txt", "caf\u00e9.txt"]
    assert a.ingest().unchanged == 3, "no flipping between agenda.md and agenda.txt"
    a.delete_document("agenda.txt")
    assert [d["doc_id"] for d in a.documents()] == ["agenda.md", "caf\u00e9.txt"]
    assert all(p.doc_id != "agenda.txt" for p in a.retrieve("lantern parade", k=5))


def test_an_index_with_the_old_ids_is_refiled_on_the_next_ingest(corpus_copy, make_assistant, monkeypatch):
    from assistant import load

    new_ids = load.doc_id_for
    monkeypatch.setattr(load, "doc_id_for", lambda file, root: file.relative_to(root).with_suffix("").as_posix())
    a = make_assistant(corpus_copy)  # built as before ids kept the suffix
    assert {d["doc_id"] for d in a.documents()} == {"beyond-taipei-city-diplomacy", "kaohsiung-silicon-valley-visit"}
    chunks = len(a.store.ids())
    monkeypatch.setattr(load, "doc_id_for", new_ids)
    report = a.ingest()
    assert (report.added, report.updated, report.deleted, report.embedded) == (0, 2, 0, 0)
    assert {d["doc_id"] for d in a.documents()} == {"beyond-taipei-city-diplomacy.md", "kaohsiung-silicon-valley-visit.md"}
    assert a.store.ids() == a.record.chunk_ids() and len(a.store.ids()) == chunks
    assert a.retrieve("Stanford professor", k=1)[0].doc_id == "kaohsiung-silicon-valley-visit.md"


def test_a_background_ingest_steps_aside_while_a_question_is_answered(tmp_path, make_assistant):
    """The UI's pace: no slice is embedded while a question is in flight; then every document is indexed, each
    reported as it goes."""
    import threading

    from assistant.pacing import YieldingPace

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text("The ferry to Cijin leaves every ten minutes.", encoding="utf-8")
    (corpus / "pier.txt").write_text("Pier-2 holds an art festival every spring.", encoding="utf-8")
    a = make_assistant(corpus, auto_ingest=False)
    heard, reports, stepped_aside = [], [], threading.Event()
    pace = YieldingPace(a.traffic, heard.append, most_wait=120, on_wait=stepped_aside.set)
    ingest = threading.Thread(target=lambda: reports.append(a.ingest(progress=False, pace=pace)))
    with a.traffic.question():
        ingest.start()
        assert stepped_aside.wait(120), "the ingest never reached a slice"
        assert a.documents() == [] and [(p.state, p.done) for p in heard] == [("embedding", 0)]
    ingest.join(120)
    assert reports and reports[0].added == 2
    assert [p.line() for p in heard] == [
        "1/2 ferry.txt: embedding 0/1 chunks", "1/2 ferry.txt: embedding 1/1 chunks", "1/2 ferry.txt: indexed, 1 chunk",
        "2/2 pier.txt: embedding 0/1 chunks", "2/2 pier.txt: embedding 1/1 chunks", "2/2 pier.txt: indexed, 1 chunk"]


# A CLI run that reports, at exit, which heavy modules it imported and which child processes it started.
_WATCHED_CLI = """
import atexit, json, sys
spawned = []
sys.addaudithook(lambda event, args: event == "subprocess.Popen" and spawned.append(" ".join(map(str, args[1]))))
heavy = ("torch", "sentence_transformers", "transformers", "chromadb", "openvino")
atexit.register(lambda: print("WATCHED " + json.dumps({"imported": [m for m in heavy if m in sys.modules],
                                                         "spawned": spawned}), file=sys.stderr))
from assistant.cli import main
sys.argv = ["assistant", *sys.argv[1:]]
main()
"""


def _watched_cli(*args: str) -> tuple[str, dict]:
    import json
    import subprocess
    import sys

    from procs import child_env

    done = subprocess.run([sys.executable, "-c", _WATCHED_CLI, *args], env=child_env(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    watched = next(line for line in done.stderr.splitlines() if line.startswith("WATCHED "))
    return done.stdout, json.loads(watched.removeprefix("WATCHED "))


def test_unchanged_corpus_ingest_loads_no_model_and_probes_only_after_an_unclean_shutdown(corpus_copy, tmp_path):
    """Cold start: an unchanged corpus is decided from the record alone (no torch, no Chroma, no probe child)
    while the last process shut down cleanly; after one is killed, the next open probes the index first."""
    import subprocess
    import sys

    from procs import child_env

    where = ["--corpus-dir", str(corpus_copy), "--index-dir", str(tmp_path / "index")]
    _watched_cli(*where, "ingest")
    out, watched = _watched_cli(*where, "ingest")
    assert "unchanged 2" in out and "0 embedded" in out
    assert watched == {"imported": [], "spawned": []}

    killed = subprocess.run([sys.executable, "-c", "import os, signal, sys\nfrom assistant import Assistant\n"
                             "Assistant(corpus_dir=sys.argv[1], index_dir=sys.argv[2], auto_ingest=False)\n"
                             "os.kill(os.getpid(), signal.SIGKILL)", str(corpus_copy), str(tmp_path / "index")],
                            env=child_env(), capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    out, watched = _watched_cli(*where, "ingest")
    assert "unchanged 2" in out
    assert any("probe.py" in command for command in watched["spawned"]), watched

    out, watched = _watched_cli(*where, "ingest")
    assert "unchanged 2" in out and watched == {"imported": [], "spawned": []}, "checked once, trusted again"


def test_changed_corpus_is_not_mistaken_for_an_unchanged_one(corpus_copy, tmp_path):
    from assistant import Settings
    from assistant.ingest import unchanged_corpus

    settings = Settings.from_env(corpus_dir=corpus_copy, index_dir=tmp_path / "index", env={})
    assert unchanged_corpus(settings, [corpus_copy]) is None, "no index yet"
    _watched_cli("--corpus-dir", str(corpus_copy), "--index-dir", str(tmp_path / "index"), "ingest")
    assert unchanged_corpus(settings, [corpus_copy]).unchanged == 2
    (corpus_copy / "new.md").write_text("The harbour festival opens in May.", encoding="utf-8")
    assert unchanged_corpus(settings, [corpus_copy]) is None
    (corpus_copy / "new.md").unlink()
    assert unchanged_corpus(settings.with_(chunk_tokens=64), [corpus_copy]) is None, "another chunking"
    (corpus_copy / "kaohsiung-silicon-valley-visit.md").unlink()
    assert unchanged_corpus(settings, [corpus_copy]) is None
