"""Frozen values passed between the pipeline stages: load -> chunk -> embed -> store -> retrieve -> answer."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """A loaded source document: its clean text and the metadata its file declares."""

    doc_id: str
    text: str
    source: str
    title: str = ""
    date: str = ""
    url: str = ""
    language: str = ""
    content_hash: str = ""


@dataclass(frozen=True)
class Chunk:
    """A window of a document that fits the embedding model; `id` is a hash of its content."""

    id: str
    doc_id: str
    text: str
    chunk_index: int
    start: int
    end: int
    title: str = ""
    date: str = ""
    source: str = ""


@dataclass(frozen=True)
class Passage:
    """A retrieved span of a document, with where it comes from and how well it matched."""

    text: str
    doc_id: str
    title: str
    date: str
    source: str
    chunk_index: int
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Role:
    """A title the question names, with its modifier and whose it is: 'deputy mayor' of 'Dresden'."""

    title: str
    modifier: str = ""
    owner: str = ""


@dataclass(frozen=True)
class Action:
    """An event the question asks about: the verb's lemma and its object ("sign" "agreement")."""

    verb: str
    object: str = ""
    main: bool = False  # the question's own verb, not one describing a thing in it ("the city that signed ...")


@dataclass(frozen=True)
class Query:
    """What a question asks, understood once (question.py) and checked against the evidence (answer/constraints.py).

    `mode` is answer, list, compare or points. `answer_type` is the kind of fact that fills the asked slot:
    person, place, organisation, date, number, money, duration, reason, yesno or description. The
    constraints (entities, roles, years, months, numbers, ordinals, qualifiers, rate, actions) must all hold in
    the evidence for the assistant to answer; `count` is how many things it asks for ("which two cities": 2);
    `parts` splits a question that asks two things. A drafting request is understood by its `topic` (its
    entities and constraints are the topic's), and `audience` is who the request says the points are for.
    """

    text: str
    english: str
    standalone: str
    mode: str = "answer"
    answer_type: str = "description"
    focus: str = ""
    entities: tuple[str, ...] = ()
    context_entities: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    years: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    count: int = 0
    every: bool = False  # asks for every one of a kind ("Which foreign cities ...?"), not one of them
    ordinals: tuple[int, ...] = ()
    qualifiers: tuple[str, ...] = ()
    rate: str = ""
    modifiers: tuple[str, ...] = ()  # nouns narrowing the asked noun: "member" in "how many member cities"
    predicate: tuple[str, ...] = ()
    language: str = "en"
    actions: tuple[Action, ...] = ()
    parts: tuple[str, ...] = ()  # a question that asks two things, split ("Which ..., and when?")
    ordering: str = ""  # its parts are two times compared: "first", "last" (which came first / later), "years" (between)
    topic: str = ""  # a drafting request's subject ("Draft three talking points on <topic> for ...")
    audience: str = ""  # who the request says the points are for ("for a city council briefing": "a city council")
    terse: bool = False  # typed as search-box words, no question word and no verb ("coldplay concert revenue")

    @property
    def plural(self) -> bool:
        """The question asks for several things (a list, each of both sides, a multi-part question)."""
        return self.mode in ("list", "compare")


@dataclass(frozen=True)
class Citation:
    """Answer marker `[n]` -> the passage it cites and the exact supporting `quote` inside `passage.text`."""

    n: int
    passage: Passage
    quote: str

    def to_dict(self) -> dict[str, Any]:
        """The marker, the quote, where it comes from (title, date, doc_id) and the whole passage."""
        p = self.passage
        return {"n": self.n, "quote": self.quote, "title": p.title, "date": p.date, "doc_id": p.doc_id,
                "passage": p.to_dict()}


@dataclass(frozen=True)
class Answer:
    """An answer whose text carries `[n]` markers; `abstained` is True when the documents do not answer.

    A correction (`corrected`) is an abstention that keeps its citations: the question's premise is
    contradicted by the documents, and the answer quotes what they say instead.
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    question: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def corrected(self) -> bool:
        """The question's premise was wrong: the answer says so (abstained) and cites what the documents say."""
        return self.abstained and bool(self.citations)

    def to_dict(self) -> dict[str, Any]:
        """The one JSON form of an answer: `assistant ask --json` prints it, the web API returns it."""
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "corrected": self.corrected,
            "citations": [c.to_dict() for c in self.citations],
            "notes": list(self.notes),
        }


@dataclass
class IngestReport:
    """What one ingest did; printed as a summary by the CLI."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks_added: int = 0
    chunks_deleted: int = 0
    embedded: int = 0
    readded: int = 0  # chunks search could not find after the writes, written again
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        text = (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"deleted {self.deleted} documents; {self.chunks_added} chunks written, "
            f"{self.chunks_deleted} removed, {self.embedded} embedded; {self.seconds:.1f} s"
        )
        if self.readded:
            text += f"; {self.readded} chunk(s) search could not find were re-added"
        if self.errors:
            text += f"; {len(self.errors)} file(s) skipped"
        return text
