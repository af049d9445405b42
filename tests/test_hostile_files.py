"""Hostile files in the corpus: whatever their name or content, each is ingested or skipped with a message naming
it and the limit it broke, and the rest of the batch is ingested."""
from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app
from assistant.documents import delete_document

LATIN1_NAME = os.fsdecode(b"latin1-\xe9t\xe9.md")  # not UTF-8: Python holds the bytes as surrogates


def test_a_non_utf8_file_name_is_ingested_shown_and_deleted(tmp_path, make_assistant):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / LATIN1_NAME).write_text("The amber quokka guards the harbour lighthouse.", encoding="utf-8")
    (corpus / "fine.txt").write_text("The ferry to Cijin leaves every ten minutes.", encoding="utf-8")
    (corpus / os.fsdecode(b"broken-\xff.txt")).write_bytes(b"\x00\x01binary")
    a = make_assistant(corpus, auto_ingest=False)
    report = a.ingest()
    assert report.added == 2 and report.errors == ["%s: looks binary (NUL bytes), not a text document"
                                                   % (corpus / "broken-\\xff.txt")]
    top = a.retrieve("amber quokka", k=1)[0]
    assert top.doc_id.startswith("latin1-\\xe9t\\xe9") and "quokka" in top.text
    assert a.ingest().unchanged == 2, "the name maps to the same document on every run"
    delete_document(a, top.doc_id)
    assert not (corpus / LATIN1_NAME).exists()
    assert [d["doc_id"] for d in a.documents()] == ["fine"]


def test_the_cli_ingests_past_a_non_utf8_name_and_prints_it(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / LATIN1_NAME).write_text("The amber quokka.", encoding="utf-8")
    (corpus / os.fsdecode(b"empty-\xe9.txt")).write_text("   ", encoding="utf-8")
    result = CliRunner().invoke(app, ["--corpus-dir", str(corpus), "--index-dir", str(tmp_path / "ix"), "ingest"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "added 1" in result.output
    assert f"skipped: {Path(corpus, 'empty-')}\\xe9.txt: no text found" in " ".join(result.output.split())
