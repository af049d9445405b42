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


def test_add_and_delete_a_document_as_the_web_ui_does(cli, tmp_path):
    notes = tmp_path / "Harbour Notes.md"
    notes.write_text("The harbour festival opens in May.", encoding="utf-8")
    added = cli("add", str(notes))
    assert added.exit_code == 0 and "added uploads/Harbour-Notes.md: added 1" in added.output, added.output
    taken = cli("add", str(notes))
    assert taken.exit_code == 1 and "uploads/Harbour-Notes.md already exists" in taken.output
    deleted = cli("delete", "uploads/Harbour-Notes.md")
    assert deleted.exit_code == 0 and "deleted uploads/Harbour-Notes.md: " in deleted.output, deleted.output
    assert "documents: 2" in cli("status").output


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


MARKUP = ["[", "]", "[/x]", "[/]", "[b]", "[/b]", "[bold red]", "[link=http://127.0.0.1:9/evil]", "[/link]", ":smile:",
          "\\"]
FACTS = [("ferry to Cijin island", "leaves the pier at noon every day"),
         ("lantern festival on the Love River", "draws two million visitors each winter"),
         ("light rail loop of the harbour", "carries forty thousand riders a day"),
         ("Pier Two art district", "hosts sixty studios in old warehouses"),
         ("Lotus Pond dragon pagoda", "was built in nineteen seventy six")]


def markup_corpus(folder, seed: int = 14) -> list[str]:
    """Documents and titles strewn with Rich markup (seeded); returns the questions each document answers."""
    import random

    rng = random.Random(seed)

    def strewn(text: str) -> str:
        words = text.split()
        for _ in range(3):
            words.insert(rng.randrange(len(words) + 1), rng.choice(MARKUP))
        return " ".join(words)

    folder.mkdir()
    for n, (subject, fact) in enumerate(FACTS):
        title = strewn(f"Notice about the {subject}").replace('"', "'")
        body = f"The {strewn(subject)} {strewn(fact)}. The {subject} is run by the city of Kaohsiung."
        (folder / f"doc{n}.md").write_text(f'---\ntitle: "{title}"\n---\n{body}\n', encoding="utf-8")
    (folder / "[bold red]named[link=x].txt").write_bytes(b"\x00binary")
    return [f"Tell me about the {subject}." for subject, _ in FACTS]


def test_document_text_titles_and_file_names_are_printed_as_text(tmp_path):
    runner = CliRunner()
    questions = markup_corpus(tmp_path / "marked")
    base = ["--corpus-dir", str(tmp_path / "marked"), "--index-dir", str(tmp_path / "ix")]
    ingested = runner.invoke(app, [*base, "ingest"])
    assert ingested.exit_code == 1 and "added 5" in ingested.output, ingested.output
    assert f"skipped: {tmp_path / 'marked' / '[bold red]named[link=x].txt'}: looks binary" in ingested.output

    def shown_whole(output: str, payload: dict) -> None:
        assert "Traceback" not in output and payload["citations"], output
        assert payload["text"] in output
        for c in payload["citations"]:
            assert f"[{c['n']}] {c['passage']['title']}" in output and f"“{c['quote']}”" in output

    cited = 0
    for question in questions:
        plain = runner.invoke(app, [*base, "ask", question])
        assert plain.exit_code == 0, plain.output
        payload = json.loads(runner.invoke(app, [*base, "ask", question, "--json"]).output)
        shown_whole(plain.output, payload)
        cited += any(m in c["quote"] + c["passage"]["title"] for c in payload["citations"] for m in MARKUP)
    assert cited >= 4, "most answers quote text or titles holding markup"
    points = runner.invoke(app, [*base, "points", "the city's ferry, festival and light rail", "-n", "3"])
    assert points.exit_code == 0, points.output
    payload = json.loads(runner.invoke(app, [*base, "points", "the city's ferry, festival and light rail", "-n", "3",
                                             "--json"]).output)
    shown_whole(points.output, payload)
    chat = runner.invoke(app, [*base, "chat"], input="\n".join(questions[:2]) + "\nexit\n")
    assert chat.exit_code == 0 and "Traceback" not in chat.output, chat.output
    first = json.loads(runner.invoke(app, [*base, "ask", questions[0], "--json"]).output)
    assert first["citations"][0]["quote"] in chat.output
