"""Staff document management on a real index: uploads checked by content, kept in the corpus, deletions re-indexed."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import CorpusError, LoadError
from assistant.documents import check_content, upload_name
from conftest import CORPUS, minimal_pdf


@pytest.fixture(scope="module")
def managed(tmp_path_factory, embeddings):
    """An assistant over its own corpus copy, which these tests change."""
    from assistant import Assistant

    base = tmp_path_factory.mktemp("managed")
    shutil.copytree(CORPUS, base / "corpus")
    return Assistant(corpus_dir=base / "corpus", index_dir=base / "index", embeddings=embeddings, max_file_mb=0.1)


@pytest.mark.parametrize("name, safe", [
    ("visit.md", "visit.md"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\x\\Report (Final).PDF", "Report-Final-.pdf"),
    (".hidden.html", "hidden.html"),
    ("<script>.md", "script-.md"),
    ("....txt", "document.txt"),
])
def test_upload_names_are_plain_files_in_one_folder(name, safe):
    assert upload_name(name) == safe


@pytest.mark.parametrize("name", ["notes.exe", "archive.tar.gz", "README", "page.php"])
def test_unsupported_types_are_refused_by_name(name):
    with pytest.raises(LoadError, match="unsupported type"):
        upload_name(name)


@pytest.mark.parametrize("name, data, problem", [
    ("a.pdf", b"<html><body>hi</body></html>", "not a PDF"),
    ("a.md", minimal_pdf("hello"), "is a PDF"),
    ("a.txt", b"x" * 2000, "over the"),
])
def test_content_must_match_the_name_and_the_size_limit(name, data, problem):
    with pytest.raises(LoadError, match=problem):
        check_content(name, data, max_bytes=1000)


@pytest.mark.parametrize("name, data, problem", [
    ("binary.txt", b"MZ\x90\x00\x03\x00\x00\x00" * 10, "binary"),
    ("latin1.md", "Kaohsiung caf\xe9 diplomacy".encode("latin-1"), "not valid UTF-8"),
    ("empty.html", b"<html><body>   </body></html>", "no text"),
    ("broken.pdf", b"%PDF-1.4 not really", "PDF"),
])
def test_unreadable_uploads_are_refused_and_not_kept(managed, name, data, problem):
    with pytest.raises(LoadError, match=problem) as refused:
        managed.add_document(name, data)
    assert str(refused.value).startswith(f"{name}: ")
    uploads = Path(managed.settings.corpus_dir) / "uploads"
    assert not (uploads / name).exists()
    assert not list((Path(managed.settings.corpus_dir) / ".staging").iterdir())


def test_an_uploaded_pdf_is_kept_indexed_answered_from_and_deleted(managed):
    doc_id, outcome, report = managed.add_document("Tromso Pact.pdf",
                                         minimal_pdf("Kaohsiung and Tromso signed an aurora pact."))
    assert doc_id == "uploads/Tromso-Pact.pdf" and outcome == "added" and report.added == 1 and report.unchanged == 2
    assert (Path(managed.settings.corpus_dir) / "uploads" / "Tromso-Pact.pdf").read_bytes().startswith(b"%PDF-")
    answer = managed.ask("What did Kaohsiung and Tromso sign?")
    assert [c.passage.doc_id for c in answer.citations][:1] == [doc_id]

    report = managed.delete_document(doc_id)
    assert report.deleted == 1 and report.chunks_deleted >= 1
    assert doc_id not in {d["doc_id"] for d in managed.documents()}
    assert not (Path(managed.settings.corpus_dir) / "uploads" / "Tromso-Pact.pdf").exists()


def test_delete_refuses_unknown_documents_and_files_outside_the_corpus(managed, tmp_path):
    with pytest.raises(CorpusError, match="no document 'nope'"):
        managed.delete_document("nope")
    outside = tmp_path / "elsewhere.md"
    outside.write_text("Kaohsiung hosted a kite festival in 2024.\n", encoding="utf-8")
    managed.ingest([outside], progress=False)
    with pytest.raises(CorpusError, match="outside the corpus folder"):
        managed.delete_document("elsewhere.md")
    assert outside.exists()


def test_an_upload_never_replaces_a_file_silently(tmp_path, make_assistant):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "fine.txt").write_text("The ferry to Cijin leaves every ten minutes.", encoding="utf-8")
    a = make_assistant(corpus)
    first = a.add_document("notes.md", b"The harbour festival opens in May.")
    assert first[:2] == ("uploads/notes.md", "added")
    for same_name in ("notes.md", "notes.MD"):
        with pytest.raises(CorpusError, match="uploads/notes.md already exists; choose to replace it or to keep both"):
            a.add_document(same_name, b"The harbour festival opens in June.")
    both = a.add_document("notes.md", b"The harbour festival closes in July.", if_exists="keep both")
    assert both[:2] == ("uploads/notes-2.md", "kept both") and both.report.added == 1
    replaced = a.add_document("notes.md", b"The harbour festival opens in June.", if_exists="replace")
    assert replaced[:2] == ("uploads/notes.md", "replaced") and replaced.report.updated == 1
    assert (corpus / "uploads" / "notes.md").read_text() == "The harbour festival opens in June."
    assert [d["doc_id"] for d in a.documents()] == ["fine.txt", "uploads/notes-2.md", "uploads/notes.md"]
    a.add_document("My Plan.md", b"The plan is to plant trees.")
    with pytest.raises(CorpusError, match="uploads/My-Plan.md already exists"):
        a.add_document("My-Plan.md", b"The plan is to pave roads.")
    with pytest.raises(CorpusError, match="if_exists must be one of refuse, replace, keep both"):
        a.add_document("other.md", b"Text.", if_exists="overwrite")
