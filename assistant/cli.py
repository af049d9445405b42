"""`assistant` command line: thin commands over the library; AssistantError -> message and exit code 1, in one place."""
from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from .config import Settings
from .errors import AssistantError

if TYPE_CHECKING:
    from .assistant import Assistant
    from .types import Answer

# Document text, titles, file names and messages are printed as text, never read as Rich markup (`[/b]`,
# `[link=...]`) or emoji codes (`:smile:`): styled pieces are joined as Text, plain ones printed with markup=False.
out = Console(soft_wrap=True, emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)


class _Commands(TyperGroup):
    """The one error mapping: any AssistantError a command raises becomes `error: <message>` and exit code 1."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except AssistantError as e:
            err.print(Text.assemble(("error:", "bold red"), f" {e}"), highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(cls=_Commands, add_completion=False, no_args_is_help=True, help=__doc__)
ANSWERER_HELP = ("extractive, ollama:<model>, openai-compatible[:<model>] or hf:<path> [env ASSISTANT_ANSWERER]; "
                 "server via ASSISTANT_LLM_BASE_URL, key via ASSISTANT_LLM_API_KEY.")


@app.callback()
def options(
    ctx: typer.Context,
    corpus_dir: Optional[Path] = typer.Option(None, help="Source documents folder [env ASSISTANT_CORPUS_DIR]."),
    index_dir: Optional[Path] = typer.Option(None, help="Index folder [env ASSISTANT_INDEX_DIR]."),
    chroma_url: Optional[str] = typer.Option(None, help="Chroma server URL [env ASSISTANT_CHROMA_URL]."),
    model: Optional[str] = typer.Option(None, help="Embedding model name or path [env ASSISTANT_MODEL]."),
    backend: Optional[str] = typer.Option(None, help="Embedding backend [env ASSISTANT_BACKEND]."),
    answerer: Optional[str] = typer.Option(None, help=ANSWERER_HELP),
) -> None:
    """Answers questions about Kaohsiung's city diplomacy from its documents, citing them."""
    ctx.obj = Settings.from_env(corpus_dir=corpus_dir, index_dir=index_dir, chroma_url=chroma_url, model=model,
                                backend=backend, answerer=answerer)


def _settings(ctx: typer.Context, **changes) -> Settings:
    """The settings the global options made (ctx.obj), with a command's own options that were given."""
    return ctx.obj.with_(**{name: value for name, value in changes.items() if value is not None})


def _assistant(settings: Settings, auto_ingest: bool = True, rebuild: bool = False) -> Assistant:
    from .assistant import Assistant

    return Assistant(settings=settings, auto_ingest=auto_ingest, rebuild=rebuild)


def _ask(assistant: Assistant, question: str, history: list | None = None) -> Answer:
    """The answer; a chat model's draft is shown live on stderr while it is written, then verified."""
    drafted = False
    for piece in assistant.stream(question, history=history, type_out=False):
        if not isinstance(piece, str):
            if drafted:
                err.print()
            return piece
        drafted = True
        err.print(piece, end="", style="dim", highlight=False, markup=False)


def _print_answer(answer, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    if answer.corrected:
        out.print("[bold yellow]Correction[/] — the documents contradict the question:", highlight=False)
    out.print(answer.text, highlight=False, markup=False)
    if answer.citations:
        out.print()
    for c in answer.citations:
        title = c.passage.title + (f" ({c.passage.date})" if c.passage.date else "")
        out.print(Text.assemble((f"[{c.n}]", "bold"), f" {title}\n    ", (f"“{c.quote}”", "dim")), highlight=False)
    for note in answer.notes:
        out.print(Text(f"note: {note}", style="dim"), highlight=False)


@app.command()
def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(None, help="Files or folders; default: the corpus folder."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Start the index over, e.g. after changing the model."),
) -> None:
    """Add new, replace changed and remove deleted documents in the index."""
    from .index import ensure_unlocked
    from .ingest import unchanged_corpus

    ensure_unlocked(Path(ctx.obj.index_dir))
    report = None if rebuild else unchanged_corpus(ctx.obj, paths or [Path(ctx.obj.corpus_dir)])
    if report is None:
        report = _assistant(ctx.obj, auto_ingest=False, rebuild=rebuild).ingest(paths or None)
    for problem in report.errors:
        err.print(Text.assemble(("skipped:", "yellow"), f" {problem}"), highlight=False)
    out.print(f"ingest: {report.summary()}", highlight=False, markup=False)
    if report.errors:
        raise typer.Exit(1)


@app.command("add")
def add_document(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .md, .txt, .html or .pdf file."),
    if_exists: str = typer.Option("refuse", help="When an upload of that name exists: refuse, replace or 'keep both'."),
) -> None:
    """Keep a file in the corpus folder (under uploads/) and index it, as the web UI's Documents tab does."""
    from .documents import read_upload

    assistant = _assistant(ctx.obj)
    done = assistant.add_document(file.name, read_upload(file, assistant.settings), if_exists)
    out.print(f"{done.outcome} {done.doc_id}: {done.report.summary()}", highlight=False, markup=False)


@app.command("delete")
def delete_document(
    ctx: typer.Context,
    doc_id: str = typer.Argument(..., help="The document's id: its path under the corpus folder, as the web UI's Documents tab lists it."),
) -> None:
    """Delete a document's file from the corpus folder and remove it from the index."""
    report = _assistant(ctx.obj).delete_document(doc_id)
    out.print(f"deleted {doc_id}: {report.summary()}", highlight=False, markup=False)


@app.command()
def ask(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer, citations and passages as JSON."),
    k: int = typer.Option(None, "-k", "--k", help="Passages to retrieve (default from settings)."),
) -> None:
    """Answer one question, with its sources."""
    assistant = _assistant(_settings(ctx, k=k))
    answer = assistant.ask(question) if as_json else _ask(assistant, question)
    _print_answer(answer, as_json)


@app.command()
def points(
    ctx: typer.Context,
    topic: str = typer.Argument(..., help="What the talking points are about."),
    n: int = typer.Option(5, "-n", help="Number of points."),
    audience: Optional[str] = typer.Option(None, help="Who will hear them (e.g. press, council)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Draft distinct, cited talking points on a topic."""
    answer = _assistant(ctx.obj).talking_points(topic, n=n, audience=audience)
    _print_answer(answer, as_json)


@app.command()
def chat(ctx: typer.Context) -> None:
    """A conversation in the terminal; follow-up questions use the history. Ctrl-D or 'exit' ends it."""
    assistant = _assistant(ctx.obj)
    history: list[dict[str, str]] = []
    while True:
        try:
            question = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if question.lower() in {"exit", "quit"}:
            return
        if not question:
            continue
        try:
            answer = _ask(assistant, question, history)
        except AssistantError as e:
            err.print(Text(str(e), style="red"), highlight=False)
            continue
        _print_answer(answer)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Question files (JSONL, format of shared/eval/README.md)."),
    k: int = typer.Option(5, "--k", "-k", help="Passages per question."),
    as_json: bool = typer.Option(False, "--json"),
    answerer: Optional[str] = typer.Option(None, help="Answerer to measure: " + ANSWERER_HELP),
    cv: int = typer.Option(0, "--cv", min=0, help="Calibrate the abstention threshold on the questions plus "
                           "generated unanswerable variants, and report N-fold cross-validated figures (e.g. 5)."),
) -> None:
    """Score the assistant on question files: evidence recall@k, MRR, fact accuracy, abstention, wrong answers."""
    from .eval import calibrate, evaluate as run_eval, format_calibration, format_report, load_questions

    if cv == 1:
        raise AssistantError("--cv needs at least 2 folds")
    settings = _settings(ctx, answerer=answerer or None)
    if cv:
        rows = [row for file in files for row in load_questions(file)]
        calibration = calibrate(_assistant(settings), rows, k, cv)
        if as_json:
            print(json.dumps(calibration, default=lambda o: asdict(o) if hasattr(o, "__dataclass_fields__") else str(o),
                             ensure_ascii=False, indent=2))
        else:
            out.print(format_calibration(calibration), highlight=False, markup=False)
        return
    result = run_eval(_assistant(settings), list(files), k)
    if as_json:
        payload = {"k": k, "headline": asdict(result["headline"]),
                   "zh": asdict(result["zh"]) if result["zh"] else None,
                   "outcomes": [asdict(o) for o in result["outcomes"]]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        out.print(format_report(result), highlight=False, markup=False)


@app.command()
def serve(
    ctx: typer.Context,
    host: Optional[str] = typer.Option(None, help="Address to bind (env ASSISTANT_HOST; default 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, help="Port (env ASSISTANT_PORT; default 7860)."),
) -> None:
    """Start the chat UI (as `python app.py`); the staff Documents tab needs ASSISTANT_ADMIN_TOKEN."""
    from .web import launch

    launch(_assistant(_settings(ctx, host=host, port=port)))


@app.command()
def gaps(ctx: typer.Context, csv_path: Path = typer.Option(None, "--csv", help="Also write every entry here as CSV."),
         ) -> None:
    """What the documents don't answer: abstentions and thumbs-down grouped by similar questions, as the staff
    view lists them."""
    from .gaps import gaps_csv, gaps_table

    groups = _assistant(ctx.obj, auto_ingest=False).gaps()
    if not groups:
        out.print("No gaps recorded.", highlight=False, markup=False)
    for count, question, first, last, kinds, ids, reasons in gaps_table(groups):
        why = f"; reasons: {reasons}" if reasons else ""
        out.print(f"{count:>4} × {question}  ({first} – {last}; {kinds}; ids {ids}{why})", highlight=False,
                  markup=False)
    if csv_path:
        csv_path.write_text(gaps_csv(groups), encoding="utf-8")


@app.command()
def status(ctx: typer.Context) -> None:
    """Documents, chunks, embedding model and backend, index location."""
    info = _assistant(ctx.obj, auto_ingest=False).status()
    for key, value in info.items():
        out.print(f"{key:>10}: {value}", highlight=False, markup=False)


@app.command()
def bench(
    ctx: typer.Context,
    handbook: bool = typer.Option(False, "--handbook", help="Use the Debian Administrator's Handbook "
                                  "(apt-get install debian-handbook) instead of the corpus folder."),
    corpus: Optional[Path] = typer.Option(None, help="Benchmark on this folder (default: the corpus folder)."),
    rounds: int = typer.Option(3, help="Alternating rounds; medians are reported."),
    limit: int = typer.Option(300, help="Most chunks in the embed comparison."),
    grow: int = typer.Option(5000, help="Also time queries on a store grown to this many chunks (0: skip)."),
    backends: Optional[str] = typer.Option(None, help="Comma-separated backends to compare (default: all available)."),
    sections: Optional[str] = typer.Option(None, help="Which parts to run: embed, ingest, query, startup "
                                           "(default embed,ingest,query; none with --decide)."),
    decide: bool = typer.Option(False, "--decide", help="Measure auto's backend decision again and remember it."),
    tiny: bool = typer.Option(False, "--tiny", help="A smoke run of a few seconds (1 round, 16 chunks, 200-chunk store)."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON instead of tables."),
) -> None:
    """Embedding throughput per backend, ingest vs the naive LangChain pipeline, query latency, cold start;
    with --decide, auto's backend decision measured again."""
    from .bench import HANDBOOK, BenchOptions, render, run_bench

    settings = ctx.obj
    opts = BenchOptions(
        corpus=HANDBOOK if handbook else corpus or settings.corpus_dir,
        rounds=1 if tiny else rounds, limit=16 if tiny else limit, grow=200 if tiny else grow,
        backends=backends.split(",") if backends else None,
        sections=tuple(sections.split(",")) if sections else () if decide else ("embed", "ingest", "query"),
        cache_dir=settings.cache_dir or None, device=settings.device, decide=decide,
        log=lambda message: err.print(Text(message, style="dim"), highlight=False),
    )
    with contextlib.redirect_stdout(sys.stderr):  # library progress output must not mix into --json
        result = run_bench(opts)
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        render(result, out)


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check the index against the record (ids, counts, a query, model) and repair it, saying what it did."""
    from .index import doctor as run_doctor

    lines, healthy = run_doctor(ctx.obj)
    for line in lines:
        out.print(line, highlight=False, soft_wrap=True, markup=False)
    if not healthy:
        raise typer.Exit(1)


def main() -> None:
    app(prog_name="assistant")


if __name__ == "__main__":
    sys.exit(main())
