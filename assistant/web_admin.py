"""The staff documents tab: list, upload, delete, re-ingest. Built only when an admin token is configured.

Enable it with the environment variable ASSISTANT_ADMIN_TOKEN (at least 16 characters; e.g.
`python -c "import secrets; print(secrets.token_urlsafe(24))"`). Hiding the tab is not the guard: every
handler compares the token sent with the request to the configured one, so the API endpoints refuse too.
Gradio's upload route, which stores a file before any handler runs, takes one only with the token: the
X-Admin-Token header (API clients) or the cookie this tab sets as the token is typed (see web_guard).
Document changes run one at a time in a background worker (worker.py) that steps aside for visitors'
questions; each handler follows its job, showing per-document progress, and returns what it did.
"""
from __future__ import annotations

import hmac
import html
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import gradio as gr

from .documents import IF_EXISTS, UPLOAD_TYPES, read_upload
from .errors import AssistantError
from .gaps import GAPS_COLUMNS, gaps_csv, gaps_table
from .markup import escape_markdown
from .web_guard import TOKEN_COOKIE, RateLimiter, client_of
from .worker import IngestWorker, Job

if TYPE_CHECKING:
    from .assistant import Assistant

COLUMNS = ["doc_id", "title", "date", "chunks", "ingested_at"]
# Shares of the table's width that add up to 100%, so long titles and questions wrap in their cells instead of
# widening the table past its box (Gradio sizes columns to their longest unwrapped text otherwise).
COLUMN_WIDTHS = ["24%", "40%", "10%", "8%", "18%"]
GAPS_COLUMN_WIDTHS = ["7%", "33%", "10%", "10%", "10%", "8%", "22%"]
# Changes wait for the worker, not for a queue slot; listing is never held up by an ingest.
_CHANGES = {"concurrency_limit": 8, "concurrency_id": "admin-changes"}
_LISTING = {"concurrency_limit": 4, "concurrency_id": "admin-listing"}
FOLLOW_EVERY_S = 0.5
WRONG_TOKENS_PER_MINUTE = 5  # then every attempt from that address, right or wrong, waits for the bucket to refill
SET_TOKEN_COOKIE = (f"(token) => {{ document.cookie = '{TOKEN_COOKIE}=' + encodeURIComponent(token || '') "
                    "+ '; path=/; SameSite=Strict'; }")


def admin_tab(assistant: Assistant, secret: str) -> list:
    """Add the Documents tab to the Blocks being built; every handler checks the token first.

    Returns the tab's events, so the caller can chain a refresh of what depends on the corpus."""

    wrong_tokens = RateLimiter(WRONG_TOKENS_PER_MINUTE, "wrong admin tokens")

    def require(token: Any, request: gr.Request | None) -> None:
        """Constant-time check of the token; wrong ones are counted per address, and past the limit every
        attempt is refused until the count has refilled, so the token cannot be guessed by trying."""
        client = client_of(request)
        locked = wrong_tokens.spent(client)
        if locked:
            raise _refusal(locked, "Locked for now")
        if not isinstance(token, str) or not hmac.compare_digest(token.encode(), secret.encode()):
            wrong_tokens.refusal(client)
            raise _refusal("Wrong or missing admin token: document changes are refused.", "Not allowed")

    def listing(message: str) -> tuple[str, list[list], dict]:
        docs = assistant.documents()
        rows = [[_shown(c, d[c]) for c in COLUMNS] for d in docs]
        titles = [(f"{d['title'] or d['doc_id']} ({d['doc_id']})", d["doc_id"]) for d in docs]
        return message, rows, gr.update(choices=titles, value=None)

    def system(token: str, request: gr.Request) -> str:
        require(token, request)
        return system_status(assistant)

    worker = IngestWorker(assistant)

    def follow(label: str, action: Callable, n_outputs: int) -> Iterator:
        """Hand the change to the worker, show its progress in the status line until done, return its result."""
        job: Job = worker.submit(label, action)
        while not job.wait(FOLLOW_EVERY_S):
            yield job.describe(worker.ahead_of(job)), *[gr.update()] * (n_outputs - 1)
        if isinstance(job.error, AssistantError):
            raise _refusal(html.escape(str(job.error)), "Refused")  # the modal renders HTML
        if job.error is not None:
            raise job.error
        return job.result

    def unlock(token: str, request: gr.Request):
        require(token, request)
        return listing(f"{len(assistant.documents())} documents in the index.")

    def upload(token: str, file: str | None, if_exists: str = "refuse", request: gr.Request = None):
        require(token, request)
        if not file:
            raise _refusal("Choose a .md, .txt, .html or .pdf file first.", "No file")
        name = Path(file).name
        data = read_upload(file, assistant.settings)  # one byte over the limit is enough to refuse
        done = yield from follow(f"Adding {name}", lambda pace: assistant.add_document(name, data, if_exists, pace), 4)
        said = {"added": "Added", "replaced": "Replaced", "kept both": "Kept both: added"}[done.outcome]
        yield *listing(f"{said} **{escape_markdown(done.doc_id)}**: {done.report.summary()}"), None

    def confirm_delete(token: str, doc_id: str | None, request: gr.Request) -> tuple:
        """Ask before deleting: name the document and show Yes / Cancel (nothing is changed yet)."""
        require(token, request)
        if not doc_id:
            raise _refusal("Pick a document to delete first.", "No document")
        title = next((d["title"] for d in assistant.documents() if d["doc_id"] == doc_id), "") or doc_id
        question = f"Delete **{escape_markdown(title)}** ({escape_markdown(doc_id)}) from the corpus and the index?"
        return gr.update(visible=True), question

    def delete(token: str, doc_id: str | None, request: gr.Request):
        require(token, request)
        if not doc_id:
            raise _refusal("Pick a document to delete first.", "No document")
        report = yield from follow(f"Deleting {doc_id}", lambda pace: assistant.delete_document(doc_id, pace), 3)
        yield listing(f"Deleted **{escape_markdown(doc_id)}**: {report.summary()}")

    exports = tempfile.TemporaryDirectory(prefix="gaps-")

    def show_gaps(token: str, request: gr.Request) -> tuple[list[list], gr.File]:
        """The gaps view: groups of similar unanswered or disliked questions, and all entries as CSV."""
        require(token, request)
        groups = assistant.gaps()
        path = Path(exports.name) / "gaps.csv"
        path.write_text(gaps_csv(groups), encoding="utf-8")
        return gaps_table(groups), gr.File(value=str(path), visible=True)

    def delete_gap(token: str, gap_id: float | None, request: gr.Request) -> tuple[list[list], gr.File]:
        require(token, request)
        if gap_id is None or not assistant.delete_gap(int(gap_id)):
            raise _refusal("No gaps entry has that id.", "Not found")
        return show_gaps(token, request)

    def reingest(token: str, request: gr.Request):
        require(token, request)
        report = yield from follow("Re-ingesting the corpus folder",
                                   lambda pace: assistant.ingest(progress=False, pace=pace), 3)
        yield listing(f"Re-ingested: {report.summary()}")

    with gr.Tab("Documents", elem_id="documents-tab"):
        gr.Markdown("Staff only. Uploaded originals are kept in the corpus folder so the index can be rebuilt.")
        with gr.Row():
            token_box = gr.Textbox(label="Admin token", type="password", elem_id="admin-token", scale=4)
            unlock_btn = gr.Button("Show documents", elem_id="admin-unlock", scale=1)
        status = gr.Markdown(elem_id="admin-status")
        # Only the token field shows until the token is accepted (the handlers check it again all the same).
        with gr.Column(visible=False, elem_id="admin-unlocked") as unlocked:
            system_line = gr.Markdown(elem_id="admin-system")
            table = gr.Dataframe(headers=COLUMNS, datatype="str", interactive=False, wrap=True,
                                 column_widths=COLUMN_WIDTHS, elem_id="admin-documents")
            with gr.Row():
                file = gr.File(label=f"Upload ({', '.join(UPLOAD_TYPES)}, up to "
                               f"{assistant.settings.limits.max_file_mb:g} MiB)",
                               file_types=list(UPLOAD_TYPES), type="filepath", elem_id="admin-file")
                with gr.Column():
                    if_exists = gr.Radio(list(IF_EXISTS), value="refuse", label="If an upload of that name exists",
                                         elem_id="admin-if-exists")
                    add_btn = gr.Button("Add to corpus", variant="primary", elem_id="admin-add")
                    doc = gr.Dropdown(label="Document", choices=[], elem_id="admin-doc")
                    delete_btn = gr.Button("Delete document", variant="stop", elem_id="admin-delete")
                    with gr.Group(visible=False, elem_id="admin-confirm") as confirm:
                        confirm_text = gr.Markdown(elem_id="admin-confirm-text")
                        with gr.Row():
                            confirm_btn = gr.Button("Yes, delete", variant="stop", elem_id="admin-confirm-delete")
                            cancel_btn = gr.Button("Cancel", elem_id="admin-cancel-delete")
                    reingest_btn = gr.Button("Re-ingest corpus folder", elem_id="admin-reingest")
            gr.Markdown("### What the documents don't answer\nAbstentions and thumbs-down, grouped by similar "
                        "questions: the documents to add next.")
            gaps = gr.Dataframe(headers=GAPS_COLUMNS, datatype="str", interactive=False, wrap=True,
                                column_widths=GAPS_COLUMN_WIDTHS, elem_id="admin-gaps")
            with gr.Row():
                gaps_refresh = gr.Button("Refresh", elem_id="admin-gaps-refresh")
                gap_id = gr.Number(label="Entry id", precision=0, elem_id="admin-gap-id")
                gap_delete = gr.Button("Delete entry", variant="stop", elem_id="admin-gap-delete")
            # Hidden until its CSV is written: Gradio's empty file box fails axe (aria-label on a plain div).
            gaps_file = gr.File(label="All entries as CSV", elem_id="admin-gaps-csv", visible=False)
        # The browser's file uploads (Gradio's upload route, before any handler runs) carry the token as a cookie.
        token_box.change(None, token_box, None, api_name=False, queue=False, js=SET_TOKEN_COOKIE)
        outputs = [status, table, doc]
        hide_confirm = {"fn": lambda: gr.update(visible=False), "inputs": None, "outputs": confirm,
                        "api_name": False, "queue": False}
        delete_btn.click(confirm_delete, [token_box, doc], [confirm, confirm_text], api_name=False, queue=False)
        cancel_btn.click(**hide_confirm)
        confirm_btn.click(**hide_confirm)
        unlocking = unlock_btn.click(unlock, token_box, outputs, api_name="documents", **_LISTING)
        unlocking.success(lambda: gr.update(visible=True), None, unlocked, api_name=False, queue=False)
        unlocking.success(show_gaps, token_box, [gaps, gaps_file], api_name=False, **_LISTING)
        gaps_refresh.click(show_gaps, token_box, [gaps, gaps_file], api_name="gaps", **_LISTING)
        gap_delete.click(delete_gap, [token_box, gap_id], [gaps, gaps_file], api_name="delete_gap", **_LISTING)
        events = [
            unlocking,
            add_btn.click(upload, [token_box, file, if_exists], [*outputs, file], api_name="upload_document", **_CHANGES),
            confirm_btn.click(delete, [token_box, doc], outputs, api_name="delete_document", **_CHANGES),
            reingest_btn.click(reingest, token_box, outputs, api_name="reingest", **_CHANGES),
        ]
        for event in events:
            event.success(system, token_box, system_line, api_name=False, queue=False, show_progress="hidden")
        return events


def system_status(assistant: Assistant) -> str:
    """The technical status for staff: documents, chunks, embedding model and backend, index, answerer."""
    s = assistant.status()
    return escape_markdown(f"{s['documents']} documents · {s['chunks']} chunks · embeddings: {s['model']} "
                           f"({s['backend']} · CPU {s.get('cpu', '?')}) · index: {s['index']} · "
                           f"answers: {s.get('answerer', 'extractive')}")


def _shown(column: str, value: Any) -> Any:
    """Table cell: ingest times as local date and time, everything else as stored."""
    if column == "ingested_at" and isinstance(value, (int, float)):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value))
    return value


def _refusal(message: str, title: str) -> gr.Error:
    """An error shown to the user (modal toast, or the API client's exception), without a server traceback."""
    return gr.Error(message, title=title, print_exception=False)
