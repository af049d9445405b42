"""The UI's HTTP surface without a browser: gradio_client on the named endpoints, file-route and upload limits."""
from __future__ import annotations

import http.client
import json
import re
import time
import urllib.request
import uuid
from urllib.error import HTTPError
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

from ui_server import ADMIN_TOKEN, MAX_FILE_MB, running_ui, staff_and_public_ui


@pytest.fixture(scope="module")
def ui(tmp_path_factory, embeddings):
    with staff_and_public_ui(tmp_path_factory.mktemp("ui-api"), embeddings) as servers:
        yield servers


def client(url: str, token: str | None = None):
    """A gradio_client; with a token, its file uploads carry it as Gradio's upload route requires."""
    from gradio_client import Client

    return Client(url, verbose=False, headers={"X-Admin-Token": token} if token else None)


def test_ask_returns_structured_json_with_cited_quotes(ui):
    result = client(ui["public"]).predict("Who welcomed Chen Chi-mai's delegation at San Jose City Hall?", [],
                                          api_name="/ask")
    assert set(result) == {"question", "text", "abstained", "corrected", "citations", "notes"}  # Answer.to_dict()
    assert result["abstained"] is False and "Matt Mahan" in result["text"]
    for c in result["citations"]:
        assert set(c) == {"n", "title", "date", "doc_id", "quote", "passage"}
        assert f"[{c['n']}]" in result["text"] and c["quote"] in result["text"] and c["quote"] in c["passage"]["text"]
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
    with pytest.raises(httpx.HTTPStatusError, match="403"):  # the file itself is refused by the upload route
        staff.predict("", handle_file(str(doc)), api_name="/upload_document")
    with pytest.raises(AppError, match="Wrong or missing admin token"):
        client(ui["staff"], ADMIN_TOKEN).predict("", handle_file(str(doc)), api_name="/upload_document")
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
        client(ui["staff"], ADMIN_TOKEN).predict(ADMIN_TOKEN, handle_file(str(fake)), api_name="/upload_document")
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


STAFF = {"X-Admin-Token": ADMIN_TOKEN}


def upload(url: str, name: str, data: bytes, headers: dict[str, str] | None = None) -> urllib.request.Request:
    """A raw multipart POST to Gradio's upload route, as any script could send it."""
    boundary = "----boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return urllib.request.Request(url + "/gradio_api/upload", data=body, method="POST",
                                  headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})})


def refused(request: urllib.request.Request) -> tuple[int, str]:
    """The status and message of a request the server must refuse."""
    with pytest.raises(HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    return error.value.code, error.value.read().decode()


def test_the_upload_route_stores_a_file_only_for_a_staff_session(ui):
    from gradio.utils import get_upload_folder

    name = f"anonymous-{uuid.uuid4().hex}.txt"
    for url, headers in [(ui["staff"], {}), (ui["staff"], {"X-Admin-Token": "not-the-token-000000000"}),
                         (ui["staff"], {"Cookie": "assistant_admin_token=not-the-token-000000000"}),
                         (ui["public"], STAFF)]:
        assert refused(upload(url, name, b"x" * 100_000, headers)) == (
            403, "Uploads are for staff: send the admin token (the Documents tab does).")
    assert not list(Path(get_upload_folder()).rglob(name)), "a refused upload must not be stored"
    cookie = {"Cookie": f"theme=dark; assistant_admin_token={quote(ADMIN_TOKEN)}"}  # as the Documents tab sets it
    with urllib.request.urlopen(upload(ui["staff"], name, b"staff file", cookie), timeout=30) as response:
        [stored] = json.load(response)
    assert Path(stored).name == name and Path(stored).read_bytes() == b"staff file"


def test_upload_route_refuses_a_file_over_the_size_limit_and_serves_a_small_one(ui):
    big = upload(ui["staff"], "big.txt", b"x" * int(MAX_FILE_MB * 2**20 + 1024), STAFF)
    assert refused(big)[0] == 413
    with urllib.request.urlopen(upload(ui["staff"], "small.txt", b"small", STAFF), timeout=30) as response:
        [cached] = json.load(response)
    assert get(ui["staff"], "/gradio_api/file=" + cached) == 200  # the route works; only forbidden paths fail


def test_ui_settings_come_from_the_environment_and_bad_ones_are_named():
    from assistant import ConfigError, Settings

    web = Settings.from_env(env={}).web
    assert (web.host, web.port, web.admin_token, web.feedback_file, web.concurrency, web.queue_size, web.debug) == (
        "127.0.0.1", 7860, "", Path("feedback.jsonl"), 4, 64, False)
    web = Settings.from_env(env={"ASSISTANT_ADMIN_TOKEN": ADMIN_TOKEN, "ASSISTANT_QUEUE_SIZE": "8"}).web
    assert web.admin_token == ADMIN_TOKEN and web.queue_size == 8 and ADMIN_TOKEN not in repr(web)
    with pytest.raises(ConfigError, match="ASSISTANT_ADMIN_TOKEN is 7 characters long; use at least 16"):
        Settings.from_env(env={"ASSISTANT_ADMIN_TOKEN": "letmein"})
    with pytest.raises(ConfigError, match="concurrency must be at least 1, got 0"):
        Settings.from_env(env={"ASSISTANT_CONCURRENCY": "0"})
    with pytest.raises(ConfigError, match="setting port: cannot read 'web' as int"):
        Settings.from_env(env={"ASSISTANT_PORT": "web"})


def test_an_upload_of_a_taken_name_says_what_happened(ui, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    staff = client(ui["staff"], ADMIN_TOKEN)
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


def test_questions_and_uploads_over_the_rate_limit_get_a_clear_message(ui, embeddings, tmp_path):
    """A server with tight limits over the same index: 2 questions a minute (talking points count as questions),
    1 upload a minute, per client address."""
    from assistant import Assistant

    tight = Assistant(settings=ui["assistant"].settings.with_(ask_per_minute=2, uploads_per_minute=1),
                      embeddings=embeddings, auto_ingest=False)
    with running_ui(tight, tmp_path / "feedback.jsonl", ADMIN_TOKEN) as url:
        api = client(url)
        for _ in range(2):
            assert "45" in api.predict("How many sister cities does Kaohsiung have?", None, api_name="/ask")["text"]
        limited = r"Too many questions from your address: at most 2 a minute\. Try again in \d+ s\."
        assert re.fullmatch(limited, api.predict("Who is the mayor?", None, api_name="/ask")["error"])
        assert re.fullmatch(limited, api.predict("sister cities", 3, "", api_name="/talking_points")["error"])
        with urllib.request.urlopen(upload(url, "first.txt", b"one", STAFF), timeout=30):
            pass
        status, message = refused(upload(url, "second.txt", b"two", STAFF))
        assert status == 429 and re.fullmatch(r"Too many uploads from your address: at most 1 a minute\. "
                                              r"Try again in \d+ s\.", message)


def run_event(url: str, session: str, elem_id: str, event: str, data: list, event_data: dict | None = None,
              then: int = 0) -> dict:
    """Trigger a UI event the way the browser does (queue/join by fn_index, then read the event stream),
    sending whatever data a hostile client likes; returns the process_completed message. `then` follows the
    event's chain that many steps (the browser runs a `.then` step as its own event)."""
    config = httpx.get(f"{url}/config", timeout=30).json()
    target = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    fn = next(d["id"] for d in config["dependencies"] if [target, event] in [list(t) for t in d["targets"]])
    for _ in range(then):
        fn = next(d["id"] for d in config["dependencies"] if d.get("trigger_after") == fn)
    with httpx.Client(base_url=url, timeout=120) as http:
        http.post("/gradio_api/queue/join", json={"data": data, "event_data": event_data, "fn_index": fn,
                                                  "trigger_id": target, "session_hash": session}).raise_for_status()
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as events:
            for line in events.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError(f"no process_completed message for {event} on #{elem_id}")


def forged(chat: list[dict], text: str) -> list[dict]:
    """The chat as the server sent it, with the last answer's text replaced."""
    chat = json.loads(json.dumps(chat))
    last = chat[-1]
    if isinstance(last["content"], list):
        last["content"] = [{**part, "text": text} if "text" in part else part for part in last["content"]]
    else:
        last["content"] = text
    return chat


def test_a_forged_vote_is_refused_and_a_real_one_stores_only_what_the_server_said(ui):
    """Feedback names an answer by the id the server keeps in the session; text or ids a client sends are ignored."""
    feedback = ui["feedback"]
    rows = lambda: feedback.read_text(encoding="utf-8").splitlines() if feedback.exists() else []
    session = uuid.uuid4().hex
    question = "How many sister cities does Kaohsiung have?"
    shown = run_event(ui["public"], session, "question", "submit", [question, []])  # the chat shows it at once
    answered = run_event(ui["public"], session, "question", "submit", [None, shown["output"]["data"][1], None],
                         then=1)  # then the answer step answers it
    assert answered["success"], answered
    chat = forged(answered["output"]["data"][0], "The mayor of Kaohsiung resigned in disgrace.")
    lie = [{"id": "0" * 32, "question": "Did the mayor resign?", "text": "The mayor of Kaohsiung resigned.",
            "citations": []}]
    vote = {"index": 1, "value": "The mayor of Kaohsiung resigned in disgrace.", "liked": True}

    before = len(rows())
    refused = run_event(ui["public"], uuid.uuid4().hex, "chat", "like", [lie, chat], vote)  # a session never answered
    assert not refused["success"] and "Only answers given in this conversation can be rated" in json.dumps(refused)
    assert len(rows()) == before

    other = run_event(ui["public"], session, "chat", "like", [lie, chat], vote | {"liked": "Inaccurate"})
    assert not other["success"] and "Unknown feedback" in json.dumps(other)  # not taken for a Like
    assert len(rows()) == before

    stored = run_event(ui["public"], session, "chat", "like", [lie, chat], vote)
    assert stored["success"], stored
    row = json.loads(rows()[-1])
    assert len(rows()) == before + 1 and row["vote"] == "up"
    assert row["question"] == "How many sister cities does Kaohsiung have?"
    assert "45 sister-city partnerships" in row["answer"] and "resign" not in json.dumps(row)
    assert row["answer_id"] != lie[0]["id"]


def test_a_staff_upload_runs_in_the_background_with_progress_while_visitors_are_answered(ui, embeddings, tmp_path):
    """While a visitor's question is in flight the worker waits before embedding (here for up to 10 minutes), and
    says so per document; meanwhile questions are answered and documents listed; then the upload completes."""
    from gradio_client import handle_file

    from assistant import Assistant

    patient = Assistant(settings=ui["assistant"].settings.with_(background_wait_s=600), embeddings=embeddings,
                        auto_ingest=False)
    notes = tmp_path / "ferry-times.md"
    notes.write_text("The ferry to Cijin island leaves the Gushan pier every ten minutes.\n", encoding="utf-8")
    with running_ui(patient, tmp_path / "feedback.jsonl", ADMIN_TOKEN) as url:
        staff = client(url, ADMIN_TOKEN)
        with patient.traffic.question():
            job = staff.submit(ADMIN_TOKEN, handle_file(str(notes)), "refuse", api_name="/upload_document")
            shown = ""
            for _ in range(240):
                shown = next((o[0] for o in job.outputs() if "embedding 0/1 chunks" in o[0]), "")
                if shown:
                    break
                time.sleep(0.5)
            assert shown.startswith("**Adding ferry-times.md**: 0 of 1 changed documents indexed"), job.outputs()
            assert shown.endswith("  \n1/1 uploads/ferry-times.md\\: embedding 0/1 chunks")  # Markdown-escaped
            answer = client(url).predict("How many sister cities does Kaohsiung have?", None, api_name="/ask")
            assert "45" in answer["text"]
            assert "3 documents" in staff.predict(ADMIN_TOKEN, api_name="/documents")[0]
            assert not job.done()
        assert job.result(timeout=120)[0].startswith("Added **uploads/ferry-times.md**: added 1")
    assert patient.retrieve("ferry to Cijin island from the Gushan pier", k=1)[0].doc_id == "uploads/ferry-times.md"
    patient.delete_document("uploads/ferry-times.md")
