"""The chat UI in a real browser: Playwright driving Debian's headless Chromium against servers started here.

Two servers share one assistant: the staff one (admin token set, Documents tab) and the public one (no token).
Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import ROOT
from ui_server import ADMIN_TOKEN, staff_and_public_ui

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ANSWER_TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium "
                                                     "(apt-get install chromium; .ci/run installs it)"),
]


@pytest.fixture(scope="module")
def ui(tmp_path_factory, embeddings):
    with staff_and_public_ui(tmp_path_factory.mktemp("ui"), embeddings) as servers:
        yield servers


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def page(browser, request):
    """A fresh page that records every request it makes; its screenshot is saved when the test ends.

    A test parametrized with `layout` (DESKTOP or PHONE) gets that viewport, others 1280×900."""
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda r: page.requested.append(r.url))
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def open_chat(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#question textarea")


def ask(page, question: str) -> str:
    """Type a question, press Enter, wait until the final answer and its section of the sources panel are shown."""
    bots = page.locator("#chat [data-testid='bot']")
    before = bots.count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    bots.nth(before).wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_selector(f"#sources [data-turn='{before}']", timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_function("() => document.querySelector('#question textarea').value === ''")
    return bots.nth(before).inner_text()


def watch_bot_text(page) -> None:
    """Record every text the latest answer bubble shows, to see the answer arrive in pieces."""
    page.evaluate("""() => { window.__seen = []; const chat = document.querySelector('#chat');
        new MutationObserver(() => { const bots = chat.querySelectorAll('[data-testid="bot"]');
            if (bots.length) window.__seen.push(bots[bots.length - 1].innerText.trim()); })
        .observe(chat, {subtree: true, childList: true, characterData: true}); }""")


def test_question_streams_a_cited_answer_with_the_quote_in_the_sources_panel(ui, page):
    open_chat(page, ui["public"])
    watch_bot_text(page)
    answer = ask(page, "How many sister cities does Kaohsiung have?")
    assert "45 sister-city partnerships" in answer and "[1]" in answer
    partial = [t for t in dict.fromkeys(page.evaluate("window.__seen")) if t and t != answer.strip()]
    assert len(partial) >= 2, "the answer should arrive in pieces"
    assert all(answer.startswith(t) for t in partial)
    first = page.locator("#sources [data-turn='0'] .source-card").first
    assert first.locator(".card-title").inner_text().startswith("[1] Beyond Taipei")
    assert "2025-11" in first.locator(".date").inner_text()
    assert "45 sister-city partnerships" in first.locator(".quote mark").inner_text()
    assert len(first.locator(".passage").text_content()) > len(first.locator(".quote").inner_text())

    row = vote(page, ui["feedback"], "Like", -1)
    assert row["vote"] == "up" and row["question"] == "How many sister cities does Kaohsiung have?"
    assert row["citations"][0]["title"].startswith("Beyond Taipei") and "[1]" in row["answer"]


def test_a_vote_stores_the_answer_the_server_gave_by_its_id(ui, page):
    """The row holds the question and answer the server issued under the answer's id, cut to the limit."""
    open_chat(page, ui["public"])
    answer = ask(page, "How many sister cities does Kaohsiung have?")
    row = vote(page, ui["feedback"], "Like", -1)
    assert row["question"] == "How many sister cities does Kaohsiung have?"
    assert row["answer"].split() == answer.split() and re.fullmatch(r"[0-9a-f]{32}", row["answer_id"])
    limit = ui["assistant"].settings.feedback_max_chars
    assert len(row["question"]) <= limit and len(row["answer"]) <= limit


def test_a_vote_keeps_at_most_feedback_max_chars_of_question_and_answer(ui, page, embeddings, tmp_path):
    """A server that keeps 40 characters: a longer question and answer are stored cut to exactly that."""
    from assistant import Assistant
    from ui_server import running_ui

    short = Assistant(settings=ui["assistant"].settings.with_(feedback_max_chars=40), embeddings=embeddings,
                      auto_ingest=False)
    question = "How many sister cities does Kaohsiung have, counting every partnership it has signed?"
    with running_ui(short, tmp_path / "feedback.jsonl") as url:
        open_chat(page, url)
        answer = ask(page, question)
        row = vote(page, tmp_path / "feedback.jsonl", "Like", -1)
    assert row["question"] == question[:40] and len(answer) > 40
    assert len(row["answer"]) == 40 and " ".join(answer.split()).startswith(" ".join(row["answer"].split()))


def vote(page, feedback: Path, button: str, turn: int) -> dict:
    """Click Like/Dislike under one answer and return the row the server appended to the feedback file."""
    import time

    before = len(feedback.read_text(encoding="utf-8").splitlines()) if feedback.exists() else 0
    page.locator("#chat [data-testid='bot']").nth(turn).hover()
    page.get_by_role("button", name=button, exact=True).nth(turn).click()
    for _ in range(100):
        rows = feedback.read_text(encoding="utf-8").splitlines() if feedback.exists() else []
        if len(rows) > before:
            return json.loads(rows[-1])
        time.sleep(0.1)
    raise AssertionError(f"no feedback row written to {feedback}")


def test_follow_up_question_uses_the_conversation(ui, page):
    open_chat(page, ui["public"])
    first = ask(page, "Tell me about Kaohsiung's partnership with Gdynia.")
    answer = ask(page, "When was the agreement signed?")
    assert "October 2025" in answer
    assert "Gdynia" in page.text_content("#sources [data-turn='1'] .passage")  # behind "Show passage"
    # the first answer keeps its sources, collapsed under the latest one's
    assert page.locator("#sources [data-turn='0'] .source-card").count() >= 1
    assert page.eval_on_selector("#sources [data-turn='1']", "e => e.open")
    assert not page.eval_on_selector("#sources [data-turn='0']", "e => e.open")
    row = vote(page, ui["feedback"], "Dislike", 0)  # the earlier answer, not the latest
    assert row["vote"] == "down" and row["question"] == "Tell me about Kaohsiung's partnership with Gdynia."
    assert row["answer"].split() == first.split() != answer.split()
    page.click("#clear")
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")
    page.wait_for_selector("#sources .sources-hint")
    assert page.locator("#sources [data-turn]").count() == 0


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_a_citation_links_to_its_own_answers_source_card(ui, page):
    """Two quotes from one passage make one card with both marked; a card says "date unknown" when the document
    has no date; an earlier answer's [1] still opens its own card, highlighted, in view and focused."""
    open_chat(page, ui["public"])
    edinburgh = ask(page, "What happened with Edinburgh's plan to partner with Kaohsiung?")
    first = page.locator("#sources [data-turn='0'] .source-card")
    assert first.count() == 1 and first.locator(".card-title").inner_text().startswith("[1] [2] Beyond Taipei")
    assert first.locator(".quote mark").count() == 2 and first.locator(".passage mark").count() == 2
    assert page.locator("#sources ol").count() == 0  # numbered once, by the markers
    ask(page, "Who welcomed the Kaohsiung delegation at San Jose City Hall?")
    latest = page.locator("#sources [data-turn='1'] .source-card")
    assert "date unknown" in latest.locator(".card-meta").inner_text()
    assert not page.eval_on_selector("#sources [data-turn='0']", "e => e.open")
    assert page.locator("#chat [data-testid='bot']").first.inner_text() == edinburgh  # linked once, not doubled

    cite = page.locator("#chat [data-testid='bot']").first.locator("a.cite", has_text="[1]")
    cite.focus()
    page.keyboard.press("Enter")  # keyboard-only: the link is focusable and opens the card
    page.wait_for_function("() => document.querySelector('#sources [data-turn=\"0\"]').open")
    assert first.evaluate("e => e.classList.contains('highlight') && document.activeElement === e")
    page.wait_for_function("""() => { const r = document.querySelector('#sources [data-turn="0"] .source-card')
        .getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }""")
    assert latest.evaluate("e => !e.classList.contains('highlight')")


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_the_question_shows_at_once_and_stop_stops_a_slow_models_answer(ui, page, embeddings, tmp_path):
    """With a chat model that streams slowly: the question is in the chat at once with one typing indicator and
    Stop in place of Ask; Stop ends the answer in the page and hangs up on the model's stream."""
    pytest.importorskip("langchain_openai", reason="the [llm] extra is not installed")
    import time

    from assistant import Assistant
    from ui_server import running_ui, slow_chat_server

    with slow_chat_server() as (base_url, streams):
        chatty = Assistant(settings=ui["assistant"].settings.with_(
            answerer="openai-compatible", llm_model="slow", llm_base_url=base_url), embeddings=embeddings,
            auto_ingest=False)
        with running_ui(chatty, tmp_path / "feedback.jsonl") as url:
            open_chat(page, url)
            page.fill("#question textarea", "How many sister cities does Kaohsiung have?")
            asked = time.monotonic()
            page.press("#question textarea", "Enter")
            page.wait_for_selector("#chat [data-testid='user']")
            assert time.monotonic() - asked < 1.5 and page.locator("#chat [data-testid='bot']").count() == 0
            # the one typing indicator: the chat's pending bubble, and no spinner anywhere else
            indicators = page.wait_for_function("""() => {
                const pending = document.querySelectorAll('#chat .pending').length;
                const spinners = [...document.querySelectorAll("[data-testid='status-tracker']:not(.hide)")]
                    .filter(e => e.offsetParent && !e.closest('#chat')).length;
                return pending ? [pending, spinners] : null; }""").json_value()
            assert indicators == [1, 0]
            assert page.is_visible("#stop") and not page.is_visible("#send")

            bot = page.locator("#chat [data-testid='bot']").first
            page.wait_for_function("() => (document.querySelector('#chat [data-testid=\"bot\"]') || {}).innerText"
                                   "?.includes('word5')", timeout=ANSWER_TIMEOUT_MS)
            page.click("#stop")
            page.wait_for_selector("#send", state="visible")
            shown = bot.inner_text()
            time.sleep(1.5)
            assert bot.inner_text() == shown and "word59" not in shown  # nothing more arrives
            assert page.locator("#sources [data-turn]").count() == 0
            for _ in range(50):  # the model's stream is hung up on, long before its end
                if any(s["hung_up"] for s in streams):
                    break
                time.sleep(0.1)
            [cut] = [s for s in streams if s["hung_up"]]
            assert cut["sent"] < 40


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_the_conversation_survives_a_reload_in_the_browser_only(ui, page):
    """After a reload the chat, each answer's sources and the [n] links are back, from the browser's storage;
    a vote on a restored answer still stores what the server said; New conversation forgets it."""
    open_chat(page, ui["public"])
    first = ask(page, "How many sister cities does Kaohsiung have?")
    ask(page, "Who welcomed the Kaohsiung delegation at San Jose City Hall?")
    stored = page.evaluate("() => Object.keys(localStorage)")
    assert "kaohsiung-assistant-conversation" in stored
    page.reload()
    page.wait_for_selector("#sources [data-turn='1'][open]")
    bots = page.locator("#chat [data-testid='bot']")
    assert bots.count() == 2 and bots.first.inner_text() == first
    assert "sister cities" in page.inner_text("#sources [data-turn='0'] summary")
    bots.first.locator("a.cite", has_text="[1]").click()
    page.wait_for_function("() => document.querySelector('#sources [data-turn=\"0\"]').open")
    row = vote(page, ui["feedback"], "Like", 0)
    assert row["question"] == "How many sister cities does Kaohsiung have?" and row["answer"].split() == first.split()

    page.click("#clear")
    page.wait_for_selector("#sources .sources-hint")
    page.reload()
    page.wait_for_selector("#question textarea")
    page.wait_for_timeout(1000)  # time for a restore to happen, were anything kept
    assert page.locator("#chat [data-testid='bot']").count() == 0 and page.locator("#sources [data-turn]").count() == 0


def test_uncovered_question_abstains_without_sources(ui, page):
    open_chat(page, ui["public"])
    answer = ask(page, "What is the annual budget of Kaohsiung's Department of Administrative and International Affairs?")
    assert "do not answer" in answer and "[1]" not in answer
    assert page.locator("#sources .source-card").count() == 0
    assert "No sources" in page.inner_text("#sources [data-turn='0']")


def test_talking_points_are_cited_and_download_as_markdown(ui, page):
    page.goto(ui["public"])
    page.get_by_role("tab", name="Talking points").click()
    page.fill("#topic textarea", "sister-city education exchange")
    page.fill("#audience input", "press")
    page.click("#draft")
    page.wait_for_selector("#download a", timeout=ANSWER_TIMEOUT_MS)
    points = page.locator("#points li").all_inner_texts()
    assert len(points) >= 2 and all(re.search(r"\[\d+\]$", p.strip()) for p in points)
    assert "Sources" in page.inner_text("#points") and "[1] Beyond Taipei" in page.inner_text("#points")
    with page.expect_download() as download:
        page.locator("#download a").first.click()
    path = download.value.path()
    markdown = Path(path).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "talking-points.md"
    assert markdown.startswith("# Talking points: sister-city education exchange")
    numbered = re.findall(r"^\d+\. .+ \[(\d+)\]$", markdown, re.MULTILINE)
    assert len(numbered) >= 2 and "## Sources" in markdown
    assert all(f"[{n}] Beyond Taipei" in markdown or f"[{n}] Kaohsiung" in markdown for n in numbered)


def test_html_in_documents_and_questions_is_shown_as_text(ui, page):
    open_chat(page, ui["public"])
    question = ('Tell me about the Zanzibar lantern festival <script>window.__pwned=1</script> '
                '<img src=x onerror="window.__pwned=1"> ![probe](http://127.0.0.1:9/probe.png)')
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    # The question's bubble is read as soon as it shows (a CI run once timed out looking for it after the answer).
    user = page.locator("#chat [data-testid='user']").first
    user.wait_for(timeout=ANSWER_TIMEOUT_MS)
    shown = user.inner_text()
    assert "<script>window.__pwned=1</script>" in shown and "![probe](http://127.0.0.1:9/probe.png)" in shown
    page.wait_for_selector("#sources [data-turn='0']", timeout=ANSWER_TIMEOUT_MS)
    answer = page.locator("#chat [data-testid='bot']").first.inner_text()
    assert "<script>window.__pwned=1</script>" in answer or '<img src=x onerror="window.__pwned=1">' in answer
    sources = page.text_content("#sources")  # the whole passage too, behind "Show passage"
    assert 'Harbour notes <img src=x onerror="window.__pwned=1">' in sources
    assert "[the guide](javascript:window.__pwned=1)" in sources and "<script>" in sources
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x'], a[href^='javascript:'], #chat script, #sources script").count() == 0
    assert page.locator("#chat .message-content a:not(.cite), #chat .message-content img, #sources img").count() == 0
    links = page.locator("#sources a").evaluate_all("links => links.map(a => [a.className, a.getAttribute('href')])")
    assert links == [["source-link", "https://example.org/harbour-notes"]]
    assert not [u for u in page.requested if "probe.png" in u or "boat.png" in u]


def test_admin_uploads_a_document_then_the_chat_cites_it(ui, page, tmp_path):
    page.goto(ui["staff"])
    page.get_by_role("tab", name="Documents").click()
    page.fill("#admin-token input", ADMIN_TOKEN)
    page.click("#admin-unlock")
    page.wait_for_selector("#admin-documents :text('beyond-taipei-city-diplomacy')")
    page.wait_for_selector("#admin-system :text('chunks')")
    assert re.search(r"3 documents · \d+ chunks · embeddings: .*all-MiniLM-L6-v2", page.inner_text("#admin-system"))
    assert 'Harbour notes <img src=x onerror="window.__pwned=1">' in page.inner_text("#admin-documents")
    doc = tmp_path / "tromso-pact.md"
    doc.write_text('---\ntitle: "Kaohsiung and Tromsø sign aurora research pact"\ndate: "2025-12"\n---\n\n'
                   "In December 2025 Kaohsiung and the Norwegian city of Tromsø signed an aurora research pact "
                   "covering polar light observation and student exchange. Deputy Mayor Lin signed it at Tromsø "
                   "city hall.\n", encoding="utf-8")
    page.set_input_files("#admin-file input[type=file]", str(doc))
    page.click("#admin-add")
    page.wait_for_selector("#admin-status :text('Added uploads/tromso-pact.md')", timeout=ANSWER_TIMEOUT_MS)
    assert "added 1" in page.inner_text("#admin-status")
    page.wait_for_selector("#about :text('4 documents')")  # the visitor's header follows the corpus
    assert (Path(ui["assistant"].settings.corpus_dir) / "uploads" / "tromso-pact.md").is_file()

    page.get_by_role("tab", name="Ask").click()
    answer = ask(page, "What did Kaohsiung and Tromsø sign?")
    assert "aurora research pact" in answer and "[1]" in answer
    assert "Kaohsiung and Tromsø sign aurora research pact" in page.inner_text("#sources")

    page.get_by_role("tab", name="Documents").click()
    page.locator("#admin-doc input").click()
    page.get_by_role("option", name="Kaohsiung and Tromsø sign aurora research pact (uploads/tromso-pact.md)").click()
    page.click("#admin-delete")
    page.wait_for_selector("#admin-confirm-text :text('Delete Kaohsiung and Tromsø sign aurora research pact')")
    page.click("#admin-confirm-delete")
    page.wait_for_selector("#admin-status :text('Deleted uploads/tromso-pact.md')", timeout=ANSWER_TIMEOUT_MS)
    assert "tromso" not in page.inner_text("#admin-documents")
    assert not (Path(ui["assistant"].settings.corpus_dir) / "uploads" / "tromso-pact.md").exists()
    assert all(c.passage.doc_id != "uploads/tromso-pact.md"
               for c in ui["assistant"].ask("What did Kaohsiung and Tromsø sign?").citations)


def unlock(page, token: str = ADMIN_TOKEN) -> None:
    """Type the token into the Documents tab and show the documents."""
    page.fill("#admin-token input", token)
    page.click("#admin-unlock")
    page.wait_for_selector("#admin-add", state="visible", timeout=ANSWER_TIMEOUT_MS)


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_the_documents_tab_shows_only_the_token_field_until_it_is_accepted(ui, page, tmp_path):
    """A server of its own (its wrong-token count starts at zero): until the token is accepted only its field
    shows; wrong tokens are refused, and after five even the right one waits; on a fresh server the right one
    shows the documents by title, and Delete asks first (axe finds nothing critical or serious in the dialog)."""
    from ui_server import running_ui

    hidden = ["#admin-add", "#admin-file", "#admin-documents", "#admin-delete", "#admin-reingest", "#admin-system"]
    with running_ui(ui["assistant"], tmp_path / "feedback.jsonl", ADMIN_TOKEN) as url:
        page.goto(url)
        page.get_by_role("tab", name="Documents").click()
        page.wait_for_selector("#admin-token input")
        assert page.is_visible("#admin-unlock") and not any(page.is_visible(h) for h in hidden)
        for attempt in range(5):
            page.fill("#admin-token input", f"wrong-token-{attempt:016d}")
            page.click("#admin-unlock")
            _refusal_shown(page, "Wrong or missing admin token")
            page.locator(".toast-close").first.click()  # so the next attempt's message is a new one
            page.wait_for_selector(".toast-body", state="detached")
        page.fill("#admin-token input", ADMIN_TOKEN)
        page.click("#admin-unlock")
        _refusal_shown(page, "Too many wrong admin tokens from your address: at most 5 a minute. Try again in")
        assert not any(page.is_visible(h) for h in hidden)

    with running_ui(ui["assistant"], tmp_path / "feedback.jsonl", ADMIN_TOKEN) as url:
        page.goto(url)
        page.get_by_role("tab", name="Documents").click()
        unlock(page)
        assert all(page.is_visible(h) for h in hidden if h != "#admin-system")
        page.locator("#admin-doc input").click()
        options = page.get_by_role("option").all_inner_texts()
        assert "Kaohsiung Mayor Chen Chi-mai Leads Delegation to San Jose and Stanford " \
               "(kaohsiung-silicon-valley-visit.md)" in options
        page.get_by_role("option", name="Kaohsiung Mayor Chen Chi-mai", exact=False).click()
        page.click("#admin-delete")
        page.wait_for_selector("#admin-confirm-text :text('Delete Kaohsiung Mayor Chen Chi-mai Leads Delegation')")
        if AXE.exists():
            found = axe_violations(page, exclude=("#admin-file .upload-container",))
            assert not found, "\n".join(found)
        page.click("#admin-cancel-delete")
        page.wait_for_selector("#admin-confirm", state="hidden")
        assert "kaohsiung-silicon-valley-visit.md" in page.inner_text("#admin-documents")
        assert (Path(ui["assistant"].settings.corpus_dir) / "kaohsiung-silicon-valley-visit.md").is_file()


# The gaps table's rows as lists of cell texts (Gradio's dataframe is a grid of cells, not a <table>).
GAPS_ROWS = """() => { const rows = {};
    document.querySelectorAll('#admin-gaps [role=gridcell][data-row]').forEach(
        c => (rows[c.dataset.row] ||= [])[+c.dataset.col] = c.innerText.trim());
    return Object.values(rows); }"""


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_the_gaps_view_lists_an_abstained_and_a_disliked_question(ui, page):
    """A visitor's question the documents do not answer, and a thumbs-down, show in the staff's gaps view with
    a count and today's date; an entry can be deleted there; the CSV export holds the entries."""
    import datetime

    unanswered = "What is the annual budget of Kaohsiung's Department of Administrative and International Affairs?"
    disliked = "Who welcomed the Kaohsiung delegation at San Jose City Hall?"  # no other test dislikes a like one
    open_chat(page, ui["public"])
    ask(page, unanswered)
    ask(page, disliked)
    vote(page, ui["feedback"], "Dislike", 1)

    page.goto(ui["staff"])
    page.get_by_role("tab", name="Documents").click()
    unlock(page)
    page.wait_for_function(f"() => document.querySelector('#admin-gaps').innerText.includes({json.dumps(unanswered)})",
                           timeout=ANSWER_TIMEOUT_MS)
    rows = {r[1]: r for r in page.evaluate(GAPS_ROWS)}
    today = datetime.date.today().isoformat()
    count, _, first, last, kinds, ids, _ = rows[unanswered]
    assert int(count) >= 1 and last == today and "abstained" in kinds
    assert "thumbs-down" in rows[disliked][4] and rows[disliked][3] == today
    with page.expect_download() as download:
        page.locator("#admin-gaps-csv a").first.click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith("group,group_question,id,time,kind,question") and unanswered in exported

    page.fill("#admin-gap-id input", ids.split()[-1])
    page.click("#admin-gap-delete")
    page.wait_for_function(f"""([question, left]) => {{ const row = ({GAPS_ROWS})().find(r => r[1] === question);
        return left === 0 ? !row : row && row[0] === String(left); }}""", arg=[unanswered, int(count) - 1])
    assert int(ids.split()[-1]) not in [e["id"] for g in ui["assistant"].gaps() for e in g["entries"]]


def _refusal_shown(page, text: str) -> None:
    page.wait_for_selector(f".toast-body:has-text({json.dumps(text)})", timeout=ANSWER_TIMEOUT_MS)


def test_wrong_token_an_html_pdf_and_an_oversized_file_are_refused(ui, page, tmp_path):
    uploads = Path(ui["assistant"].settings.corpus_dir) / "uploads"
    page.goto(ui["staff"])
    page.get_by_role("tab", name="Documents").click()
    fake = tmp_path / "report.pdf"
    fake.write_text("<html><body><h1>Not a PDF</h1></body></html>", encoding="utf-8")
    page.fill("#admin-token input", "not-the-token-000000000")
    page.click("#admin-unlock")
    _refusal_shown(page, "Wrong or missing admin token")
    assert not page.is_visible("#admin-add")

    unlock(page)  # typing the token sets the cookie Gradio's upload route asks for
    page.set_input_files("#admin-file input[type=file]", str(fake))
    page.click("#admin-add")
    _refusal_shown(page, "report.pdf: the content is not a PDF")
    assert not (uploads / "report.pdf").exists()

    page.reload()
    page.get_by_role("tab", name="Documents").click()
    unlock(page)
    big = tmp_path / "big.txt"
    big.write_text("lantern " * 40_000, encoding="utf-8")  # 320 kB, over the 0.25 MiB limit
    page.set_input_files("#admin-file input[type=file]", str(big))
    _refusal_shown(page, "exceed the maximum allowed size")
    assert not (uploads / "big.txt").exists()


def test_without_the_token_there_is_no_documents_tab_and_no_upload(ui, page):
    page.goto(ui["public"])
    page.wait_for_selector("#question textarea")
    tabs = page.get_by_role("tab").all_inner_texts()
    assert "Ask" in tabs and "Talking points" in tabs and "Documents" not in tabs
    assert page.locator("input[type=file]").count() == 0
    assert page.locator("#admin-token, #admin-add").count() == 0


def test_every_example_question_is_answered_with_sources(ui, page):
    from assistant.web import EXAMPLES

    open_chat(page, ui["public"])
    for question in EXAMPLES:
        answer = ask(page, question)
        assert "[1]" in answer and "do not answer" not in answer, question
        assert page.locator("#sources details[open] .source-card").count() >= 1, question


def test_which_one_is_in_poland_follows_the_sister_city_question(ui, page):
    open_chat(page, ui["public"])
    assert "45" in ask(page, "How many sister cities does Kaohsiung have?")
    answer = ask(page, "Which one is in Poland?")
    assert "Gdynia" in answer and "[1]" in answer
    assert "Poland" in page.locator("#sources details[open] .quote mark").first.inner_text()


def test_a_false_premise_is_shown_as_a_correction_with_its_source(ui, page):
    open_chat(page, ui["public"])
    answer = ask(page, "Why did the Maldives reject the pact Kaohsiung and Malé signed in 2016?")
    assert "do not say that" in answer and "[1]" in answer
    assert "Correction" in page.inner_text("#sources [data-turn='0'].correction")
    assert "2013" in page.locator("#sources details[open] .quote mark").first.inner_text()


def copied(page, button) -> str:
    """Click a copy button and return what it put on the clipboard."""
    page.evaluate("navigator.clipboard.writeText('')")
    button.click()
    page.wait_for_function("async () => (await navigator.clipboard.readText()) !== ''")
    return page.evaluate("navigator.clipboard.readText()")


def test_copied_answers_and_talking_points_are_the_text_shown_without_escapes(ui, page):
    """The chat's copy button gives the answer as shown; the talking points copy equals their download."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_chat(page, ui["public"])
    answer = ask(page, "Who welcomed the Kaohsiung delegation at San Jose City Hall?")
    bot = page.locator("#chat [data-testid='bot']").last
    bot.hover()
    text = copied(page, page.get_by_role("button", name="Copy message").last)
    assert "\\" not in text and re.search(r"\[\d\]", text)
    assert " ".join(text.split()) == " ".join(answer.split())

    page.get_by_role("tab", name="Talking points").click()
    page.fill("#topic textarea", "Kaohsiung's partnership with Gdynia (Poland)")
    page.click("#draft")
    page.wait_for_selector("#download a", timeout=ANSWER_TIMEOUT_MS)
    points = copied(page, page.locator("#points button").first)
    with page.expect_download() as download:
        page.locator("#download a").first.click()
    assert points == Path(download.value.path()).read_text(encoding="utf-8")
    assert "\\" not in points and points.startswith("# Talking points: Kaohsiung's partnership with Gdynia (Poland)")
    assert re.search(r"^1\. .+ \[\d\]$", points, re.MULTILINE)
    assert page.locator("#points h1").inner_text() == "Talking points: Kaohsiung's partnership with Gdynia (Poland)"


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_a_visitor_sees_what_it_knows_a_welcome_and_examples_that_ask(ui, page):
    """An h1 and one plain line about the documents, no engine details; a welcome; an example click asks it."""
    from assistant.web import EXAMPLES

    open_chat(page, ui["public"])
    assert page.locator("h1").inner_text() == "Kaohsiung city diplomacy assistant"
    page.wait_for_selector("#about :text('documents')")
    about = page.inner_text("#about")
    assert about.strip() == "3 documents on Kaohsiung's city diplomacy, latest 2025-11. Answers quote their sources."
    header = page.inner_text("body")
    assert not re.search(r"chunks|embeddings|avx|index:|/tmp/", header)
    assert "Welcome." in page.inner_text("#chat")
    page.get_by_text(EXAMPLES[0], exact=True).click()
    bot = page.locator("#chat [data-testid='bot']").first
    bot.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_selector("#sources [data-turn='0']", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#chat [data-testid='user']").first.inner_text().strip() == EXAMPLES[0]
    assert "45 sister-city partnerships" in bot.inner_text()


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_the_examples_hide_once_the_chat_starts_and_come_back_with_an_empty_conversation(ui, page):
    """Examples show on an empty chat only: hidden after the first question and after a reload that restores
    the conversation, back with New conversation and after a reload of the emptied one."""
    from assistant.web import EXAMPLES

    example = page.locator("#examples").get_by_text(EXAMPLES[1], exact=True)
    open_chat(page, ui["public"])
    example.wait_for()
    assert page.is_visible("#examples")
    example.click()
    page.wait_for_selector("#sources [data-turn='0']", timeout=ANSWER_TIMEOUT_MS)
    assert not page.is_visible("#examples") and not example.is_visible()
    page.reload()
    page.wait_for_selector("#sources [data-turn='0']")
    assert not page.is_visible("#examples")
    page.click("#clear")
    example.wait_for()
    assert page.locator("#chat [data-testid='bot']").count() == 0
    page.reload()
    open_chat(page, ui["public"])
    example.wait_for()
    assert page.is_visible("#examples")


# Each box inside an element (itself included) that scrolls or clips sideways, less the hidden rows Gradio's
# dataframe measures its columns with: [scrollWidth, clientWidth, tag.class].
OVERFLOWS = """e => [e, ...e.querySelectorAll('*')].filter(b => !b.closest('.sizing-body')
    && b.scrollWidth > b.clientWidth && ['auto', 'scroll', 'hidden'].includes(getComputedStyle(b).overflowX))
    .map(b => [b.scrollWidth, b.clientWidth, b.tagName + '.' + b.className])"""


@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_new_conversation_is_one_line_and_the_documents_tables_are_not_cut_off(ui, page):
    """"New conversation" keeps to one line, and at 1366 px the staff's document and gaps tables show every
    column in full: nothing inside them scrolls or clips sideways."""
    open_chat(page, ui["staff"])
    height, line = page.eval_on_selector("#clear", """e => { const s = getComputedStyle(e);
        const line = s.lineHeight === 'normal' ? 1.2 * parseFloat(s.fontSize) : parseFloat(s.lineHeight);
        return [e.getBoundingClientRect().height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom)
                - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth), line]; }""")
    assert height < 1.6 * line, (height, line)
    if page.viewport_size["width"] < 1366:
        return
    ui["assistant"].note_gap("thumbs-down", "Which Kaohsiung districts host the most foreign delegations each year?",
                             "…", reason="it lists no districts at all, only the city's overall numbers")
    page.get_by_role("tab", name="Documents").click()
    unlock(page)
    page.wait_for_selector("#admin-documents :text('beyond-taipei-city-diplomacy')")
    page.wait_for_function("() => document.querySelector('#admin-gaps').innerText.includes('only the city')",
                           timeout=ANSWER_TIMEOUT_MS)
    for table in ("#admin-documents", "#admin-gaps"):
        assert page.eval_on_selector(table, OVERFLOWS) == [], table


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


SETTLED = """() => [...document.querySelectorAll('.prose')].every(block => {
    for (let e = block; e; e = e.parentElement) if (parseFloat(getComputedStyle(e).opacity) < 1) return false;
    return true;
})"""


def axe_violations(page, exclude: tuple[str, ...] = ()) -> list[str]:
    """Run axe-core on the page, less the `exclude` selectors; 'impact rule: target …' for each critical or
    serious violation."""
    # Gradio dims an output while it updates (opacity on a wrapper, fading back): axe would read the faded text's
    # contrast. Wait until every text block is fully opaque again.
    page.wait_for_function(SETTLED, timeout=15_000)
    if not page.evaluate("'axe' in window"):
        page.add_script_tag(path=str(AXE))
    context = {"include": [["html"]], "exclude": [[e] for e in exclude]}
    result = page.evaluate("context => axe.run(context, {resultTypes: ['violations']})", context)
    return [f"{v['impact']} {v['id']}: {n['target']} {n.get('failureSummary', '')[:160]!r} {n['html'][:300]}"
            for v in result["violations"] if v["impact"] in ("critical", "serious") for n in v["nodes"]]


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: npm install --no-save axe-core@4 (.ci/run does)")
@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_the_chat_view_has_no_critical_or_serious_accessibility_violations(ui, page):
    """axe-core on the chat with an answer and its sources shown; the input text is 16 px (no zoom on iOS)."""
    open_chat(page, ui["public"])
    ask(page, "How many sister cities does Kaohsiung have?")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert page.eval_on_selector("#question textarea", "e => getComputedStyle(e).fontSize") == "16px"


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: npm install --no-save axe-core@4 (.ci/run does)")
@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_the_talking_points_and_documents_views_have_no_critical_or_serious_accessibility_violations(ui, page):
    """axe-core on drafted talking points, then on the staff Documents tab once the token is accepted, less
    Gradio's own upload area (its aria-label, 'Click to upload or drop files', differs from its visible text)."""
    page.goto(ui["staff"])
    page.get_by_role("tab", name="Talking points").click()
    page.wait_for_selector("#topic textarea")
    found = axe_violations(page)  # before a draft: no empty download box
    page.fill("#topic textarea", "sister-city education exchange")
    page.click("#draft")
    page.wait_for_selector("#download a", timeout=ANSWER_TIMEOUT_MS)
    found += axe_violations(page)
    page.get_by_role("tab", name="Documents").click()
    unlock(page)
    page.wait_for_selector("#admin-system :text('chunks')")
    found += axe_violations(page, exclude=("#admin-file .upload-container",))  # the gaps CSV still being written
    page.wait_for_selector("#admin-gaps-csv a", timeout=ANSWER_TIMEOUT_MS)
    found += axe_violations(page, exclude=("#admin-file .upload-container",))
    assert not found, "\n".join(found)


@pytest.mark.skipif(not AXE.exists(), reason="needs axe-core: npm install --no-save axe-core@4 (.ci/run does)")
@pytest.mark.parametrize("page", [DESKTOP, PHONE], ids=["desktop", "phone"], indirect=True)
def test_a_dislike_with_a_reason_is_one_thumbs_down_with_that_reason_in_the_gaps_view_and_cli(ui, page):
    """Dislike opens an optional reason box; the reason sent is kept with that one dislike (counted once), and
    staff see it in the gaps view and in `assistant gaps`; axe finds nothing critical or serious in the box."""
    from typer.testing import CliRunner

    from assistant.cli import app

    question = "Why is Gdynia a natural partner for Kaohsiung?"  # no other test dislikes it
    why = f"it does not say when they met ({page.viewport_size['width']} px)"

    def entries() -> list[dict]:
        return [e for g in ui["assistant"].gaps() for e in g["entries"] if e["question"] == question]

    before = len(entries())
    open_chat(page, ui["public"])
    ask(page, question)
    assert not page.is_visible("#reason-row")
    row = vote(page, ui["feedback"], "Dislike", -1)
    assert row["vote"] == "down" and row["question"] == question
    page.wait_for_selector("#reason textarea", state="visible")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    page.fill("#reason textarea", why)
    page.click("#send-reason")
    page.wait_for_selector("#reason-row", state="hidden")
    page.wait_for_selector(".toast-body:has-text('your reason was recorded')")
    mine = [e for e in entries() if e["reason"] == why]
    assert len(entries()) == before + 1 and len(mine) == 1 and mine[0]["kind"] == "thumbs-down"

    page.goto(ui["staff"])
    page.get_by_role("tab", name="Documents").click()
    unlock(page)
    page.wait_for_function(f"() => document.querySelector('#admin-gaps').innerText.includes({json.dumps(why)})",
                           timeout=ANSWER_TIMEOUT_MS)
    [shown] = [r for r in page.evaluate(GAPS_ROWS) if why in r[6]]
    assert "thumbs-down" in shown[4] and str(mine[0]["id"]) in shown[5].split()
    s = ui["assistant"].settings
    printed = CliRunner().invoke(app, ["--corpus-dir", str(s.corpus_dir), "--index-dir", str(s.index_dir), "gaps"])
    assert printed.exit_code == 0, printed.output
    assert why in " ".join(printed.output.split())


SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.mark.parametrize("page", [DESKTOP], ids=["desktop"], indirect=True)
def test_readme_screenshots_of_each_tab(ui, page, tmp_path):
    """The README's pictures, taken here so they show the UI as it is: Ask with a cited answer and its source
    card, drafted Talking points, and the unlocked Documents tab. They replace the committed ones only with
    UPDATE_SCREENSHOTS=1, so that a test run leaves the checkout clean."""
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(exist_ok=True)
    open_chat(page, ui["staff"])
    ask(page, "What happened with Edinburgh's plan to partner with Kaohsiung?")
    page.locator("#chat [data-testid='bot']").first.locator("a.cite", has_text="[1]").click()
    page.wait_for_selector("#sources .source-card.highlight")
    page.mouse.move(0, 0)
    page.screenshot(path=str(folder / "ask.png"))
    page.get_by_role("tab", name="Talking points").click()
    page.fill("#topic textarea", "sister-city education exchange")
    page.fill("#audience input", "press")
    page.click("#draft")
    page.wait_for_selector("#download a", timeout=ANSWER_TIMEOUT_MS)
    page.screenshot(path=str(folder / "talking-points.png"), full_page=True)
    page.get_by_role("tab", name="Documents").click()
    unlock(page)
    page.wait_for_selector("#admin-system :text('chunks')")
    page.screenshot(path=str(folder / "documents.png"), full_page=True)
    assert all((folder / f"{name}.png").stat().st_size > 10_000 for name in ("ask", "talking-points", "documents"))
