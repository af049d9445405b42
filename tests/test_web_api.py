"""The UI's HTTP surface without a browser: gradio_client on the named endpoints, file-route and upload limits."""
from __future__ import annotations

import http.client
import json
import urllib.request
from urllib.error import HTTPError
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ui_server import ADMIN_TOKEN, MAX_FILE_MB, staff_and_public_ui


@pytest.fixture(scope="module")
def ui(tmp_path_factory, embeddings):
    with staff_and_public_ui(tmp_path_factory.mktemp("ui-api"), embeddings) as servers:
        yield servers


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def test_ask_returns_structured_json_with_cited_quotes(ui):
    result = client(ui["public"]).predict("Who welcomed Chen Chi-mai's delegation at San Jose City Hall?", [],
                                          api_name="/ask")
    assert set(result) == {"text", "abstained", "corrected", "citations"}
    assert result["abstained"] is False and "Matt Mahan" in result["text"]
    for c in result["citations"]:
        assert set(c) == {"n", "title", "date", "doc_id", "quote"}
        assert f"[{c['n']}]" in result["text"] and c["quote"] in result["text"]
    assert any(c["doc_id"] == "kaohsiung-silicon-valley-visit.md" for c in result["citations"])


def test_ask_api_follows_history_abstains_and_reports_bad_input(ui):
    api = client(ui["public"])
    history = [{"role": "user", "content": "Tell me about Kaohsiung's partnership with Gdynia."},
               {"role": "assistant", "content": "Gdynia is a port city in Poland."}]
    assert "October 2025" in api.predict("When was the agreement signed?", history, api_name="/ask")["text"]
    uncovered = api.predict("What is the annual budget of Kaohsiung's Department of Administrative and "
                            "International Affairs?", None, api_name="/ask")
    assert uncovered["abstained"] is True and uncovered["citations"] == []
    assert "empty" in api.predict("   ", None, api_name="/ask")["error"]


def test_talking_points_returns_distinct_cited_points(ui):
    result = client(ui["public"]).predict("sister-city education exchange", 3, "press", api_name="/talking_points")
    assert not result["abstained"] and 2 <= len(result["citations"]) <= 3
    quotes = [c["quote"] for c in result["citations"]]
    assert len(set(quotes)) == len(quotes)
    assert all(f"[{c['n']}]" in result["text"] for c in result["citations"])


def test_admin_endpoints_need_the_token_and_are_absent_without_one(ui, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    staff = client(ui["staff"])
    with pytest.raises(AppError, match="Wrong or missing admin token"):
        staff.predict("not-the-token-000000000", api_name="/documents")
    doc = tmp_path / "intruder.md"
    doc.write_text("Kaohsiung signed a secret pact with Atlantis.\n", encoding="utf-8")
    with pytest.raises(AppError, match="Wrong or missing admin token"):
        staff.predict("", handle_file(str(doc)), api_name="/upload_document")
    message, table, _ = staff.predict(ADMIN_TOKEN, api_name="/documents")
    assert "3 documents" in message
    assert [row[0] for row in table["data"]] == ["beyond-taipei-city-diplomacy.md", "harbour-notes.md",
                                                 "kaohsiung-silicon-valley-visit.md"]

    public = client(ui["public"])
    endpoints = public.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/ask", "/talking_points"}
    with pytest.raises(ValueError, match="upload_document"):
        public.predict(ADMIN_TOKEN, handle_file(str(doc)), api_name="/upload_document")
    assert not (Path(ui["assistant"].settings.corpus_dir) / "uploads").exists()


def test_html_disguised_as_pdf_is_refused_by_the_upload_endpoint(ui, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    fake = tmp_path / "minutes.pdf"
    fake.write_text("<html><script>alert(1)</script></html>", encoding="utf-8")
    with pytest.raises(AppError, match="not a PDF"):
        client(ui["staff"]).predict(ADMIN_TOKEN, handle_file(str(fake)), api_name="/upload_document")
    assert not (Path(ui["assistant"].settings.corpus_dir) / "uploads" / "minutes.pdf").exists()


def get(url: str, raw_path: str) -> int:
    """GET a path exactly as written (no client-side normalisation of `..` or `%2e`)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", raw_path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_file_route_never_serves_system_index_or_corpus_files(ui):
    s = ui["assistant"].settings
    index, corpus = Path(s.index_dir).resolve(), Path(s.corpus_dir).resolve()
    targets = ["/etc/passwd", str(index / "record.sqlite3"), str(index / "chroma" / "chroma.sqlite3"),
               str(corpus / "harbour-notes.md"), "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
               "..%2f..%2f..%2f..%2fetc%2fpasswd", "../../../../etc/passwd", "%2fetc%2fpasswd"]
    assert (index / "record.sqlite3").is_file() and (corpus / "harbour-notes.md").is_file()
    for url in (ui["public"], ui["staff"]):
        for target in targets:
            for prefix in ("/gradio_api/file=", "/file="):
                status = get(url, prefix + target)
                assert status != 200, f"{prefix}{target} returned 200"


def upload(url: str, name: str, data: bytes) -> urllib.request.Request:
    """A raw multipart POST to Gradio's upload route, as any script could send it."""
    boundary = "----boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return urllib.request.Request(url + "/gradio_api/upload", data=body, method="POST",
                                  headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_upload_route_refuses_a_file_over_the_size_limit_and_serves_a_small_one(ui):
    with pytest.raises(HTTPError) as refused:
        urllib.request.urlopen(upload(ui["staff"], "big.txt", b"x" * int(MAX_FILE_MB * 2**20 + 1024)), timeout=30)
    assert refused.value.code == 413
    with urllib.request.urlopen(upload(ui["staff"], "small.txt", b"small"), timeout=30) as response:
        [cached] = json.load(response)
    assert get(ui["staff"], "/gradio_api/file=" + cached) == 200  # the route works; only forbidden paths fail


def test_ui_settings_come_from_the_environment_and_bad_ones_are_named(monkeypatch):
    from assistant import ConfigError
    from assistant.web import web_settings

    for name in ("ASSISTANT_ADMIN_TOKEN", "ASSISTANT_QUEUE_SIZE", "ASSISTANT_CONCURRENCY", "ASSISTANT_FEEDBACK_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert web_settings() == {"admin_token": None, "feedback_path": "feedback.jsonl", "concurrency": 4,
                              "queue_size": 64}
    monkeypatch.setenv("ASSISTANT_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("ASSISTANT_QUEUE_SIZE", "8")
    assert web_settings()["admin_token"] == ADMIN_TOKEN and web_settings()["queue_size"] == 8
    monkeypatch.setenv("ASSISTANT_ADMIN_TOKEN", "letmein")
    with pytest.raises(ConfigError, match="ASSISTANT_ADMIN_TOKEN is 7 characters long; use at least 16"):
        web_settings()
    monkeypatch.setenv("ASSISTANT_ADMIN_TOKEN", "")
    monkeypatch.setenv("ASSISTANT_CONCURRENCY", "0")
    with pytest.raises(ConfigError, match="ASSISTANT_CONCURRENCY must be a whole number of at least 1, got '0'"):
        web_settings()


def test_an_upload_of_a_taken_name_says_what_happened(ui, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    staff = client(ui["staff"])
    notes = tmp_path / "notes.md"
    notes.write_text("The harbour festival opens in May.\n", encoding="utf-8")
    assert staff.predict(ADMIN_TOKEN, handle_file(str(notes)), "refuse",
                         api_name="/upload_document")[0].startswith("Added **uploads/notes.md**")
    with pytest.raises(AppError, match="uploads/notes.md already exists; choose to replace it or to keep both"):
        staff.predict(ADMIN_TOKEN, handle_file(str(notes)), api_name="/upload_document")
    notes.write_text("The harbour festival opens in June.\n", encoding="utf-8")
    said = staff.predict(ADMIN_TOKEN, handle_file(str(notes)), "keep both", api_name="/upload_document")[0]
    assert said.startswith("Kept both: added **uploads/notes-2.md**")
    said = staff.predict(ADMIN_TOKEN, handle_file(str(notes)), "replace", api_name="/upload_document")[0]
    assert said.startswith("Replaced **uploads/notes.md**")
    for doc_id in ("uploads/notes.md", "uploads/notes-2.md"):
        staff.predict(ADMIN_TOKEN, doc_id, api_name="/delete_document")
    assert [row[0] for row in staff.predict(ADMIN_TOKEN, api_name="/documents")[1]["data"]] == [
        "beyond-taipei-city-diplomacy.md", "harbour-notes.md", "kaohsiung-silicon-valley-visit.md"]
