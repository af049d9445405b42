"""The `assistant` console script, driven through click's CliRunner on a real temp index."""
import json

import pytest
from typer.testing import CliRunner

from assistant.cli import app


@pytest.fixture
def cli(corpus_copy, tmp_path):
    runner = CliRunner()
    base = ["--corpus-dir", str(corpus_copy), "--index-dir", str(tmp_path / "ix")]
    return lambda *args: runner.invoke(app, [*base, *args])


def test_ingest_ask_json_and_status(cli):
    first = cli("ingest")
    assert first.exit_code == 0, first.output
    assert "added 2" in first.output
    again = cli("ingest")
    assert "unchanged 2" in again.output and "0 embedded" in again.output
    result = cli("ask", "How many sister-school ties has Kaohsiung created?", "--json", "-k", "3")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert "220" in payload["text"] and payload["abstained"] is False
    assert payload["citations"][0]["quote"] in payload["citations"][0]["passage"]["text"]
    status = cli("status")
    assert "documents: 2" in status.output


def test_points_and_chat(corpus_copy, tmp_path):
    runner = CliRunner()
    base = ["--corpus-dir", str(corpus_copy), "--index-dir", str(tmp_path / "ix")]
    points = runner.invoke(app, [*base, "points", "Kaohsiung's cooperation with European cities", "-n", "3"])
    assert points.exit_code == 0, points.output
    assert points.output.count("\n- ") + points.output.startswith("- ") >= 3 and "[3]" in points.output
    conversation = "Tell me about Kaohsiung's partnership with Gdynia.\nWhen was the agreement signed?\nexit\n"
    chat = runner.invoke(app, [*base, "chat"], input=conversation)
    assert chat.exit_code == 0, chat.output
    assert "October 2025" in chat.output


def test_eval_prints_headline_zh_and_failures(cli, tmp_path):
    rows = [
        {"id": "t1", "question": "How many sister cities does Kaohsiung have?", "history": [], "kind": "factoid",
         "answerable": True, "expect": [["45"]], "evidence": [{"doc": "x", "quote": "Kaohsiung has 45 sister-city partnerships"}]},
        {"id": "t2", "question": "What is the population of Gdynia?", "history": [], "kind": "unanswerable",
         "answerable": False, "expect": [], "evidence": []},
        {"id": "t3", "question": "Who welcomed them?", "history": ["Tell me about the San Jose visit."], "kind": "follow-up",
         "answerable": True, "expect": [["Nobody-in-the-text"]], "evidence": [{"doc": "x", "quote": "welcomed by San Jose Mayor Matt Mahan"}]},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = cli("eval", str(path))
    assert result.exit_code == 0, result.output
    assert "evidence_recall@5=1.000" in result.output
    assert "abstention=1.000" in result.output
    assert "failing fact: t3" in result.output
    as_json = json.loads(cli("eval", str(path), "--json").output)
    assert as_json["headline"]["fact_accuracy"] == pytest.approx(0.5)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json", encoding="utf-8")
    broken = cli("eval", str(bad))
    assert broken.exit_code == 1 and "not valid JSON" in broken.output


def test_eval_takes_several_files_and_cross_validates(cli, tmp_path):
    rows = [{"id": "a1", "question": "How many sister cities does Kaohsiung have?", "history": [], "kind": "factoid",
             "answerable": True, "expect": [["45"]], "evidence": []},
            {"id": "a2", "question": "When did the Pier 2 Artist in Residence program begin?", "history": [],
             "kind": "factoid", "answerable": True, "expect": [["2015"]], "evidence": []},
            {"id": "u1", "question": "What is the population of Gdynia?", "history": [], "kind": "unanswerable",
             "answerable": False, "expect": [], "evidence": []}]
    first, second = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first.write_text("\n".join(json.dumps(r) for r in rows[:2]), encoding="utf-8")
    second.write_text(json.dumps(rows[2]), encoding="utf-8")
    plain = cli("eval", str(first), str(second))
    assert plain.exit_code == 0, plain.output
    assert "n=3" in plain.output and "fact_accuracy=1.000" in plain.output and "wrong_answers=0.000" in plain.output
    calibrated = cli("eval", str(first), str(second), "--cv", "2")
    assert calibrated.exit_code == 0, calibrated.output
    assert "generated unanswerable variants" in calibrated.output and "2-fold CV" in calibrated.output
    assert cli("eval", str(first), "--cv", "1").exit_code != 0
