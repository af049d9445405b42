"""build_ui(assistant) -> gr.Blocks: visitor chat with sources, staff talking points. No retrieval logic here."""
from __future__ import annotations

import html
import json
import logging
import shutil
import tempfile
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import gradio as gr
from starlette.middleware import Middleware

from .config import checked_token
from .errors import AssistantError
from .markup import literal_html, literal_markdown
from .types import Answer
from .web_admin import admin_tab
from .web_guard import IssuedAnswers, RateLimiter, UploadGuard, client_of
from .web_sources import CITATION_JS, SOURCES_CSS, sources_panel

if TYPE_CHECKING:
    from .assistant import Assistant
    from .config import Settings

log = logging.getLogger(__name__)

EXAMPLES = [
    "How many sister cities does Kaohsiung have?",
    "Who welcomed the Kaohsiung delegation at San Jose City Hall?",
    "Why is Gdynia a natural partner for Kaohsiung?",
    "What happened with Edinburgh's plan to partner with Kaohsiung?",
]
WARM_UP_TOPIC = "sister-city exchanges"
VOTES = {True: "up", False: "down"}  # Gradio's LikeData.liked for the Like and Dislike buttons
EMPTY_CONVERSATION = {"chat": [], "answers": []}
_ORANGE = gr.themes.colors.orange
# Gradio's orange two steps darker, so white on a primary button and the selected tab's orange text pass
# WCAG AA (#c2410c: 5.2:1 against white, where #f97316 was 2.8:1).
ACCESSIBLE_ORANGE = gr.themes.Color(
    c50=_ORANGE.c50, c100=_ORANGE.c100, c200=_ORANGE.c200, c300=_ORANGE.c400, c400=_ORANGE.c600, c500=_ORANGE.c700,
    c600=_ORANGE.c800, c700=_ORANGE.c800, c800=_ORANGE.c900, c900=_ORANGE.c900, c950=_ORANGE.c950,
    name="accessible_orange")
THEME = gr.themes.Default(primary_hue=ACCESSIBLE_ORANGE).set(
    body_text_color_subdued="#4b5563", button_cancel_background_fill="#b91c1c",  # red-700: white on it 6.5:1
    button_cancel_background_fill_hover="#991b1b")
# 16 px input text: iOS zooms into smaller text when it is tapped. Gradio's footer link is #bbbbc2 (1.9:1 on white).
# "New conversation" keeps to one line: the row's buttons share little width beside the question box.
CSS = ("#question textarea { font-size: 16px; } footer, footer .show-api { color: #4b5563 !important; opacity: 1; } "
       "#clear { white-space: nowrap; min-width: max-content; }")

WELCOME = ("**Welcome.** Ask about Kaohsiung's sister cities, delegations and agreements, or pick an example below. "
           "Every answer quotes the documents it comes from; if they do not say, the assistant tells you so.")


def about_line(documents: list[dict]) -> str:
    """What a visitor is told the assistant knows: how many documents, the latest date, and that it quotes them.

    >>> about_line([{"date": "2025-11"}, {"date": None}])
    "2 documents on Kaohsiung's city diplomacy, latest 2025-11. Answers quote their sources."
    """
    dates = [d["date"] for d in documents if d.get("date")]
    latest = f", latest {max(dates)[:7]}" if dates else ""
    plural = "" if len(documents) == 1 else "s"
    return f"{len(documents)} document{plural} on Kaohsiung's city diplomacy{latest}. Answers quote their sources."


def render_answer(answer: Answer) -> str:
    """The answer as the chat shows and copies it: its text, with only markup-starting '<' and '&' escaped."""
    return literal_html(answer.text)


def points_markdown(topic: str, answer: Answer) -> str:
    """Talking points plus a numbered source list: what is shown, copied and downloaded (document text goes
    through literal_markdown, so it shows literally and copies without escapes)."""
    md = literal_markdown
    if answer.abstained:
        return f"# Talking points: {md(topic)}\n\n{md(answer.text)}"
    lines = [f"# Talking points: {md(topic)}", ""]
    lines += [f"{i}. {md(c.quote)} [{c.n}]" for i, c in enumerate(answer.citations, 1)]
    lines += ["", "## Sources", ""]
    lines += [f"[{c.n}] {md(c.passage.title)}{', ' + md(c.passage.date) if c.passage.date else ''} — “{md(c.quote)}”"
              for c in answer.citations]
    return "\n".join(lines)


def build_ui(assistant: Assistant, feedback_path: str | Path = "feedback.jsonl", admin_token: str | None = None) -> gr.Blocks:
    """The chat and talking-points tabs, plus the staff Documents tab when `admin_token` is set."""
    feedback_path = Path(feedback_path)
    feedback_lock = threading.Lock()
    drafts = tempfile.TemporaryDirectory(prefix="talking-points-")
    s = assistant.settings
    questions = RateLimiter(s.limits.ask_per_minute, "questions")
    votes = RateLimiter(s.limits.feedback_per_minute, "votes")
    issued = IssuedAnswers()

    def links() -> dict[str, str]:
        """doc_id -> the document's declared url, for the source cards' links."""
        return {d["doc_id"]: d["url"] for d in assistant.documents() if d.get("url")}

    def show_question(message: str, chat: list[dict]) -> tuple:
        """Put the question in the chat at once (no queue), swap Ask for Stop and hide the examples (they take
        the space a phone needs for the answer); `respond` answers it."""
        chat = chat + [{"role": "user", "content": literal_html(message)}]
        return "", chat, message, gr.update(visible=False), gr.update(visible=True), gr.update(visible=False)

    def respond(message: str, chat: list[dict], answers: list[dict], request: gr.Request) -> Iterator[tuple]:
        """Stream the answer to the question `show_question` put last in the chat; `answers` keeps each turn's
        JSON and the id it was issued under, for the sources panel (every answer keeps its sources) and feedback.
        Stop closes this generator, which closes the assistant's stream and so stops a chat model's generation."""
        history = [{"role": m["role"], "content": _plain(m["content"])} for m in chat[:-1]]
        try:
            limited = questions.refusal(client_of(request))
            if limited:
                raise AssistantError(limited)
            shown = ""
            with closing(assistant.stream(message, history=history)) as pieces:
                for piece in pieces:
                    if isinstance(piece, Answer):
                        given = piece.to_dict()
                        given["id"] = issued.issue(message, given)
                        if piece.abstained and not piece.corrected:  # for the staff's gaps view
                            assistant.note_gap("abstained", message, piece.text)
                        final = chat + [{"role": "assistant", "content": render_answer(piece)}]
                        yield final, sources_panel(answers + [given], links()), answers + [given]
                        return
                    shown += piece
                    # a draft stopped here stays a turn of its own (no id: no sources, no vote), so turns still line up
                    draft = {"text": shown, "abstained": False, "corrected": False, "citations": []}
                    yield chat + [{"role": "assistant", "content": literal_html(shown)}], gr.update(), answers + [draft]
        except AssistantError as e:
            reply = {"text": f"⚠ {e}", "abstained": True, "corrected": False, "citations": []}
            yield chat + [{"role": "assistant", "content": literal_html(reply["text"])}], gr.update(), answers + [reply]

    def ask_api(question: str, history: list[dict] | None = None, request: gr.Request = None) -> dict:
        limited = questions.refusal(client_of(request))
        if limited:
            return {"error": limited}
        try:
            return assistant.ask(question, history=history or None).to_dict()
        except AssistantError as e:
            return {"error": str(e)}

    def points_api(topic: str, n: float = 5, audience: str = "", request: gr.Request = None) -> dict:
        limited = questions.refusal(client_of(request))
        if limited:
            return {"error": limited}
        try:
            return assistant.talking_points(topic, n=int(n), audience=audience or None).to_dict()
        except AssistantError as e:
            return {"error": str(e)}

    def draft_points(topic: str, audience: str, n: float, request: gr.Request):
        limited = questions.refusal(client_of(request))
        if limited:
            return literal_markdown(f"⚠ {limited}"), gr.File(value=None, visible=False)
        try:
            answer = assistant.talking_points(topic, n=int(n), audience=audience or None)
        except AssistantError as e:
            return literal_markdown(f"⚠ {e}"), gr.File(value=None, visible=False)
        md = points_markdown(topic, answer)
        return md, gr.File(value=_write_draft(Path(drafts.name), md), visible=True)

    def record_feedback(answers: list[dict], chat: list[dict], data: gr.LikeData, request: gr.Request) -> tuple:
        """Append the vote with the question, answer and citations this server issued (looked up by the answer's
        id in this session, never taken from what the client sends), each text cut to feedback_max_chars.
        A dislike also goes to the gaps view, and opens the optional reason box for that entry."""
        limited = votes.refusal(client_of(request))
        if limited:
            raise gr.Error(limited, title="Slow down", print_exception=False)
        vote = VOTES.get(data.liked) if isinstance(data.liked, bool) else None
        if vote is None:  # only Like and Dislike are offered; anything else is not a vote to store
            raise gr.Error("Unknown feedback; nothing was recorded.", title="Not recorded", print_exception=False)
        at = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = sum(1 for m in chat[: at if isinstance(at, int) else 0] if m["role"] == "assistant")
        given = issued.get(answers[turn].get("id")) if turn < len(answers) else None
        if given is None:  # an error message, or a vote on nothing this server answered in this conversation
            raise gr.Error("Only answers given in this conversation can be rated; nothing was recorded.",
                           title="Not recorded", print_exception=False)
        cut = s.limits.feedback_max_chars
        row = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "vote": vote,
               "answer_id": answers[turn]["id"], "question": given["question"][:cut], "answer": given["text"][:cut],
               "citations": given["citations"]}
        with feedback_lock, feedback_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        if vote == "up":
            return gr.update(visible=False), None
        gap = assistant.note_gap("thumbs-down", given["question"], given["text"], _cited(given))
        return gr.update(visible=True), {"gap": gap, "answer_id": answers[turn]["id"]}

    def give_reason(reason: str, disliked: dict | None) -> tuple:
        """Keep the visitor's reason with their latest dislike: its gaps entry is noted again with the reason
        (the dislike is counted once). `disliked` is session state, set only by record_feedback."""
        given = issued.get(disliked["answer_id"]) if disliked else None
        reason = reason.strip()
        if given is None or not reason:
            return gr.update(visible=False), "", None
        assistant.delete_gap(disliked["gap"])
        assistant.note_gap("thumbs-down", given["question"], given["text"], _cited(given), reason=reason)
        gr.Info("Thank you: your reason was recorded.")
        return gr.update(visible=False), "", None

    with gr.Blocks(title="Kaohsiung city diplomacy assistant", delete_cache=(3600, 3600)) as demo:
        gr.Markdown("# Kaohsiung city diplomacy assistant", elem_id="title")
        about = gr.Markdown(elem_id="about")
        answers = gr.State([])
        asked = gr.State("")  # the question being answered, once show_question has cleared the box
        disliked = gr.State(None)  # the latest dislike's gaps entry, for the optional reason
        # The conversation survives a reload in the visitor's own browser (localStorage), never on the server.
        saved = gr.BrowserState(EMPTY_CONVERSATION, storage_key="kaohsiung-assistant-conversation")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(elem_id="chat", height=460, render_markdown=False, latex_delimiters=[],
                                         sanitize_html=True, allow_tags=False, buttons=["copy"],
                                         feedback_options=("Like", "Dislike"), placeholder=WELCOME)
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask about Kaohsiung's sister cities, visits, expos…",
                                         show_label=False, scale=5, elem_id="question", max_length=1000)
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="send")
                        stop = gr.Button("Stop", variant="stop", scale=1, elem_id="stop", visible=False)
                        clear = gr.Button("New conversation", scale=1, elem_id="clear")
                    with gr.Row(visible=False, elem_id="reason-row") as reason_row:
                        reason = gr.Textbox(label="What was wrong with this answer? (optional)", scale=5,
                                            max_length=300, elem_id="reason")
                        send_reason = gr.Button("Send reason", scale=1, elem_id="send-reason")
                    with gr.Column(elem_id="examples") as examples_column:  # shown only while the chat is empty
                        examples = gr.Examples(EXAMPLES, inputs=box)
                with gr.Column(scale=2):
                    sources = gr.HTML(sources_panel([]), elem_id="sources")
        with gr.Tab("Talking points"):
            topic = gr.Textbox(label="Topic", elem_id="topic")
            with gr.Row():
                audience = gr.Dropdown(["foreign delegation", "press", "city council", "general public"],
                                       label="Audience", allow_custom_value=True, elem_id="audience")
                count = gr.Slider(1, 10, value=5, step=1, label="Number of points", elem_id="count")
            draft = gr.Button("Draft talking points", variant="primary", elem_id="draft")
            points_out = gr.Markdown(elem_id="points", buttons=["copy"], line_breaks=True, latex_delimiters=[])
            # Hidden while empty: Gradio's empty file box carries an aria-label a div may not have (axe: serious).
            download = gr.File(label="Download as Markdown", elem_id="download", visible=False)
        admin_events = admin_tab(assistant, admin_token) if admin_token else []

        answering = []
        for asks in (send.click, box.submit, examples.load_input_event.then):
            shown = asks(show_question, [box, chatbot], [box, chatbot, asked, send, stop, examples_column],
                         api_name=False, queue=False, show_progress="hidden")
            # One typing indicator: the chatbot's own; the sources panel shows no spinner of its own.
            answer = shown.then(respond, [asked, chatbot, answers], [chatbot, sources, answers], api_name=False,
                                show_progress_on=chatbot)
            answer.then(_idle, None, [send, stop], api_name=False, queue=False, show_progress="hidden")
            answer.then(_conversation, [chatbot, answers], saved, api_name=False, queue=False, show_progress="hidden")
            answering.append(answer)
        stop.click(_idle, None, [send, stop], cancels=answering, api_name=False, queue=False)
        clear.click(lambda: ([], "", sources_panel([]), [], *_idle(), EMPTY_CONVERSATION, gr.update(visible=True),
                             gr.update(visible=False)), None,
                    [chatbot, box, sources, answers, send, stop, saved, examples_column, reason_row], api_name=False,
                    cancels=answering)
        chatbot.like(record_feedback, [answers, chatbot], [reason_row, disliked], api_name=False)
        for gives in (send_reason.click, reason.submit):
            gives(give_reason, [reason, disliked], [reason_row, reason, disliked], api_name=False)
        draft.click(draft_points, [topic, audience, count], [points_out, download], api_name=False)
        api_q, api_h, api_out = gr.Textbox(visible=False), gr.JSON(visible=False), gr.JSON(visible=False)
        api_t, api_n, api_a = gr.Textbox(visible=False), gr.Number(visible=False), gr.Textbox(visible=False)
        api_q.submit(ask_api, [api_q, api_h], api_out, api_name="ask")
        api_t.submit(points_api, [api_t, api_n, api_a], api_out, api_name="talking_points")
        def show_about() -> str:
            return about_line(assistant.documents())

        def restore(conversation: dict) -> tuple:
            """The conversation the browser kept, its sources panel rebuilt (every text escaped as always), and
            the examples only when it is empty."""
            if not isinstance(conversation, dict):  # storage is the visitor's: take only what has our shape
                conversation = EMPTY_CONVERSATION
            chat, given = conversation.get("chat") or [], conversation.get("answers") or []
            return chat, given, sources_panel(given, links()), gr.update(visible=not chat)

        demo.load(show_about, None, about, api_name=False, queue=False)  # cheap: never takes a queue slot
        demo.load(restore, saved, [chatbot, answers, sources, examples_column], api_name=False, queue=False)
        for event in admin_events:
            event.success(show_about, None, about, api_name=False, queue=False, show_progress="hidden")
    return demo


def _conversation(chat: list[dict], answers: list[dict]) -> dict:
    """What the browser keeps: the chat and each turn's answer (ids only name answers this server issued)."""
    return {"chat": chat, "answers": answers}


def _cited(given: dict) -> list[str]:
    """The doc ids an issued answer cites."""
    return [c["doc_id"] for c in given["citations"]]


def _idle() -> tuple:
    """Ask back in place of Stop."""
    return gr.update(visible=True), gr.update(visible=False)


def _plain(content: Any) -> str:
    """Chat message content back to plain text (Gradio may hand back structured content)."""
    if isinstance(content, list):
        content = " ".join(str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content)
    return html.unescape(str(content))


def _write_draft(folder: Path, text: str) -> str:
    """Save a talking-points download in its own sub-folder; drafts older than an hour are removed first."""
    cutoff = time.time() - 3600
    for old in folder.glob("*/talking-points.md"):
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old.parent, ignore_errors=True)
    path = folder / uuid.uuid4().hex / "talking-points.md"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return str(path)


def launch_options(settings: Settings, host: str | None = None, port: int | None = None) -> dict[str, Any]:
    """Hardened Gradio launch settings (loopback, no share link, no extra file access, index and corpus blocked)
    and the accessible theme."""
    return dict(
        server_name=host or settings.web.host, server_port=port or settings.web.port,
        share=False, show_error=settings.web.debug,
        max_file_size=int(settings.limits.max_file_mb * 2**20), allowed_paths=[],
        blocked_paths=[str(Path(settings.index_dir).resolve()), str(Path(settings.corpus_dir).resolve())],
        strict_cors=True, enable_monitoring=False, mcp_server=False, footer_links=["api"], theme=THEME,
        css=CSS + SOURCES_CSS, js=CITATION_JS,
    )


def serve(assistant: Assistant, host: str | None = None, port: int | None = None, *, admin_token: str | None = None,
          feedback_path: str | Path = "feedback.jsonl", concurrency: int = 4, queue_size: int = 64,
          block: bool = True) -> gr.Blocks:
    """Build and start the UI with a bounded queue; `block=False` returns once it serves (tests, embedding).

    The models warm up in the background while the UI is built, and the port opens only when they are warm,
    so the first visitor's question is as fast as the tenth."""
    token = checked_token(admin_token)
    warming = threading.Thread(target=_warm_up, args=(assistant,), name="warm-up", daemon=True)
    warming.start()
    demo = build_ui(assistant, feedback_path, token)
    demo.queue(default_concurrency_limit=concurrency, max_size=queue_size)
    uploads = RateLimiter(assistant.settings.limits.uploads_per_minute, "uploads")
    guard = Middleware(UploadGuard, secret=token, limiter=uploads)
    warming.join()
    demo.launch(**launch_options(assistant.settings, host, port), prevent_thread_lock=not block,
                app_kwargs={"middleware": [guard]})
    return demo


def _warm_up(assistant: Assistant) -> None:
    """Ask the first example and draft points on WARM_UP_TOPIC while the UI is built, so the first visitor does
    not pay for loading the models. Best effort: a failure (a broken index, an unreachable chat model) is only
    logged here, and the first visitor meets it with its usual message."""
    try:
        seconds = assistant.warm_up(EXAMPLES[0], WARM_UP_TOPIC)
    except Exception as e:  # noqa: BLE001 - a background warm-up must not die with a traceback
        log.warning("warm-up failed: %s: %s", type(e).__name__, e)
    else:
        log.info("warmed up in %.1f s", seconds)


def launch(assistant: Assistant) -> None:
    """Serve the UI as the assistant's settings.web configures it; blocks until stopped."""
    web = assistant.settings.web
    serve(assistant, admin_token=web.admin_token, feedback_path=web.feedback_file, concurrency=web.concurrency,
          queue_size=web.queue_size)
