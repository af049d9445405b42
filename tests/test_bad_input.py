"""Bad input: a clear message naming the problem, other files still ingested, the index untouched."""
import pytest
from typer.testing import CliRunner

from assistant import CorpusError, EmptyQuestionError, QuestionError
from assistant.cli import app


def test_empty_and_overlong_questions(shared_assistant):
    for bad in ("", "   \n\t "):
        with pytest.raises(EmptyQuestionError, match="empty"):
            shared_assistant.ask(bad)
    with pytest.raises(QuestionError, match="limit is 1000"):
        shared_assistant.ask("why " * 400)
    with pytest.raises(QuestionError, match="history"):
        shared_assistant.ask("When?", history=["not a message"])


@pytest.mark.parametrize("bad", ["🤔", "🇹🇼🚢 ❓❓", "?!", "$$$ %%% ***", "→ ← ↑"])
def test_a_question_without_words_is_refused_not_answered_with_unrelated_sentences(shared_assistant, bad):
    with pytest.raises(QuestionError, match="has no words, only symbols or emoji; ask it in words"):
        shared_assistant.ask(bad)
    with pytest.raises(QuestionError, match="has no words"):
        shared_assistant.talking_points(bad)


def test_emoji_beside_words_do_not_stop_a_question(shared_assistant):
    assert "45" in shared_assistant.ask("🤔 How many sister cities does Kaohsiung have? 🇹🇼").text


def test_missing_corpus_folder(tmp_path, make_assistant):
    with pytest.raises(CorpusError, match="does not exist"):
        make_assistant(tmp_path / "nowhere")


def test_empty_corpus_leaves_index_untouched(corpus_copy, tmp_path, make_assistant):
    a = make_assistant(corpus_copy)
    before = a.store.ids()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no readable documents"):
        a.ingest([empty])
    assert a.store.ids() == before


def test_bad_files_are_named_and_skipped(corpus_copy, make_assistant):
    a = make_assistant(corpus_copy)
    before = a.store.ids()
    (corpus_copy / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (corpus_copy / "latin1.txt").write_bytes("Kaohsiung caf\xe9".encode("latin-1"))
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage without objects")
    (corpus_copy / "fake.pdf").write_bytes(b"<html><body>not a pdf</body></html>")
    (corpus_copy / "good.txt").write_text("The Love River lantern festival draws crowds each winter.", encoding="utf-8")
    report = a.ingest()
    problems = "\n".join(report.errors)
    for name, why in [("binary.txt", "binary"), ("latin1.txt", "UTF-8"), ("broken.pdf", "PDF"), ("fake.pdf", "not a PDF")]:
        assert name in problems and why in problems
    assert report.added == 1 and report.unchanged == 2
    assert before < a.store.ids()
    assert "Love River" in a.retrieve("lantern festival on the Love River", k=1)[0].text


def test_corrupted_file_keeps_its_previous_version(corpus_copy, make_assistant):
    a = make_assistant(corpus_copy)
    before = a.store.ids()
    (corpus_copy / "kaohsiung-silicon-valley-visit.md").write_bytes(b"\xff\xfe\x00garbage")
    report = a.ingest()
    assert report.errors and report.deleted == 0
    assert a.store.ids() == before


def test_cli_exits_non_zero_with_a_message(tmp_path, corpus_copy):
    runner = CliRunner()
    result = runner.invoke(app, ["--corpus-dir", str(tmp_path / "missing"), "--index-dir", str(tmp_path / "ix"), "ingest"])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output
    result = runner.invoke(app, ["--corpus-dir", str(corpus_copy), "--index-dir", str(tmp_path / "ix"), "ask", "  "])
    assert result.exit_code == 1 and "question is empty" in result.output


def test_chunk_size_over_the_model_window_is_a_config_error():
    from assistant import ConfigError
    from assistant.chunk import Chunker

    with pytest.raises(ConfigError, match="at most 254"):
        Chunker(len, 300, 0, 256)


def test_cli_maps_every_assistant_error_once(tmp_path, corpus_copy):
    runner = CliRunner()
    base = ["--corpus-dir", str(corpus_copy), "--index-dir", str(tmp_path / "ix")]
    result = runner.invoke(app, [*base, "ingest"], env={"ASSISTANT_CHUNK_TOKENS": "512"})
    assert result.exit_code == 1 and "error: chunk_tokens=512 does not fit" in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    folds = runner.invoke(app, [*base, "eval", str(corpus_copy), "--cv", "1"])
    assert folds.exit_code == 1 and "error: --cv needs at least 2 folds" in folds.output, folds.output
