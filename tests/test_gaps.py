"""The gaps view's store and grouping: real record, real embedding model; the CLI prints the same groups."""
import csv
import io
import sqlite3

from typer.testing import CliRunner

from assistant.cli import app
from assistant.gaps import gaps_csv

BUDGET = ["What is the annual budget of Kaohsiung's foreign affairs office?",
          "How big is the yearly budget of Kaohsiung's international affairs department?",
          "What budget does Kaohsiung's foreign affairs office have each year?"]
TRAMS = "Which tram lines run to the Pier-2 art center?"


def test_similar_questions_are_grouped_with_counts_and_nothing_identifying_is_kept(make_assistant, corpus_copy):
    a = make_assistant(corpus_copy)
    for question in BUDGET:
        a.note_gap("abstained", question, "The documents I have do not answer that question.")
    tram = a.note_gap("thumbs-down", TRAMS, "Trams [1]", ["kaohsiung-silicon-valley-visit.md"], "wrong city")
    groups = a.gaps()
    assert [(g["count"], g["question"]) for g in groups] == [(3, BUDGET[0]), (1, TRAMS)]
    assert groups[1]["entries"][0]["cited"] == ["kaohsiung-silicon-valley-visit.md"]
    assert groups[1]["kinds"] == ["thumbs-down"] and groups[1]["entries"][0]["reason"] == "wrong city"
    rows = list(csv.DictReader(io.StringIO(gaps_csv(groups))))
    assert len(rows) == 4 and rows[-1]["question"] == TRAMS and rows[-1]["group"] == "2"
    columns = [c[1] for c in sqlite3.connect(a.record.path).execute("PRAGMA table_info(gaps)")]
    assert columns == ["id", "at", "kind", "question", "answer", "cited", "reason"]  # no address, no client id

    assert a.delete_gap(tram) and not a.delete_gap(tram)
    assert [g["count"] for g in a.gaps()] == [3]


def test_entries_past_the_retention_are_deleted(make_assistant, corpus_copy):
    a = make_assistant(corpus_copy)
    a.note_gap("abstained", TRAMS, "…")
    assert a.gaps()
    forgetful = make_assistant(corpus_copy, settings=a.settings.with_(gaps_retention_days=0), auto_ingest=False)
    assert forgetful.gaps() == []


def test_cli_gaps_prints_the_groups_and_writes_csv(make_assistant, corpus_copy, tmp_path):
    a = make_assistant(corpus_copy)
    for question in BUDGET[:2]:
        a.note_gap("abstained", question, "…")
    a.note_gap("thumbs-down", TRAMS, "Trams [1]", reason="names no tram line")
    s = a.settings
    out = tmp_path / "gaps.csv"
    result = CliRunner().invoke(app, ["--corpus-dir", str(s.corpus_dir), "--index-dir", str(s.index_dir),
                                      "gaps", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert f"2 × {BUDGET[0]}" in result.output and "abstained" in result.output
    assert f"1 × {TRAMS}" in result.output and "thumbs-down; ids" in result.output
    assert "reasons: names no tram line" in result.output
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 3
