"""Limits against abuse: a hostile PDF is parsed in a child process under time and memory limits, oversized
files and history turns are refused with a message naming the limit, and the application carries on."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import minimal_pdf, one_page_pdf

from assistant import LoadError, QuestionError
from assistant.pdf import PdfLimits, extract_pdf_text


def text_bomb(megabytes: int = 30) -> bytes:
    """A 30 KB PDF whose one page decompresses to `megabytes` MB of text operators: the parser's memory
    and time grow with it (pypdf's own 75 MB per-stream cap does not stop it)."""
    return one_page_pdf(b"BT /F1 12 Tf (a) Tj ET " * (megabytes * 2**20 // 23), deflate=True)


def test_a_decompression_bomb_hits_the_memory_limit_not_the_app():
    with pytest.raises(LoadError, match=r"bomb\.pdf: parsing the PDF needed more than 200 MiB"):
        extract_pdf_text(text_bomb(), Path("bomb.pdf"), PdfLimits(seconds=120, memory_mb=200))


def test_a_pdf_that_parses_too_long_is_stopped():
    with pytest.raises(LoadError, match=r"slow\.pdf: parsing the PDF (took longer than|used more than) 1 s"):
        extract_pdf_text(text_bomb(), Path("slow.pdf"), PdfLimits(seconds=1, memory_mb=4096))


def test_hostile_and_oversized_files_are_skipped_and_the_rest_ingested(tmp_path, make_assistant):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "bomb.pdf").write_bytes(text_bomb())
    (corpus / "huge.txt").write_text("Kaohsiung harbour. " * 60_000, encoding="utf-8")
    (corpus / "fine.pdf").write_bytes(minimal_pdf("The ferry to Cijin leaves every ten minutes."))
    a = make_assistant(corpus, pdf_timeout_s=1, max_file_mb=1, auto_ingest=False)
    report = a.ingest()
    problems = "\n".join(report.errors)
    assert "bomb.pdf: parsing the PDF" in problems and "1 s" in problems
    assert "huge.txt: 1.1 MiB is over the 1.0 MiB limit" in problems
    assert [d["doc_id"] for d in a.documents()] == ["fine.pdf"]
    assert "Cijin" in a.retrieve("ferry to Cijin", k=1)[0].text


def test_history_turns_are_capped_and_overlong_turns_refused(tmp_path, make_assistant):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The harbour festival opens on the fifth of May.", encoding="utf-8")
    a = make_assistant(corpus, max_history_turns=2, max_question_chars=200)
    with pytest.raises(QuestionError, match="at most 200 characters"):
        a.ask("When does it open?", history=[{"role": "user", "content": "festival " * 50}])
    old = [{"role": "user", "content": "festival " * 50}] + [{"role": "assistant", "content": "ok"}] * 2
    assert "fifth of May" in a.ask("When does the festival open?", history=old).text, "turns past the cap are dropped"
    with pytest.raises(QuestionError, match="must be text"):
        a.ask("When?", history=[{"role": "user", "content": ["not", "text"]}])
