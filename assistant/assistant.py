"""The Assistant facade: wires load -> chunk -> embed -> store -> retrieve -> answer. No logic of its own."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Iterator

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from .answer import ExtractiveAnswerer
from .answer.base import AnswerStep, WholeAnswerStep, as_answer_step
from .answer.evidence import IdfTable
from .answer.sentence_store import SentenceStore
from .chunk import Chunker
from .config import Settings, default_cache_dir
from .documents import IfExists, Upload, remove_source, store_upload
from .embed import SentenceEmbeddings, cpu_features
from .errors import CorpusError, EmptyQuestionError, QuestionError
from .gaps import group_gaps
from .index import ChromaStore, HealthReport, Index, Record
from .ingest import Indexer, chunk_signature
from .load import DocumentLimits
from .pacing import Pace, Traffic
from .question import understand
from .retrieve import HybridRetriever
from .text import has_cjk, terms
from .types import Answer, IngestReport, Passage, Query

History = list[dict[str, str]]


class Assistant:
    """Cited question answering over a folder of documents.

    >>> a = Assistant()                                  # ./corpus and ./index, built on first use
    >>> a.ask("How many sister cities does Kaohsiung have?").text
    'So far, Kaohsiung has 45 sister-city partnerships... [1]'

    Args:
        corpus_dir, index_dir, chroma_url, ...: any `Settings` field; unset ones come from ASSISTANT_* variables.
        settings: a complete Settings object instead of keyword fields.
        embeddings: share one loaded embedding model between assistants.
        answer_step: a LangChain runnable replacing the extractive answerer ({question, standalone, passages} -> Answer);
            one that is an `AnswerStep` (answer/base.py) also streams its draft and condenses follow-ups.
        auto_ingest: build the index from the corpus when it is empty (default True).
        rebuild: start the index over (e.g. for a new embedding model): the collection and the record's
            documents are cleared, stored vectors kept; the next ingest fills it. Without it, an index built
            with another model is refused (ModelMismatchError) rather than mixed.

    Raises:
        ModelMismatchError: the index was built with another embedding model and rebuild is False.
        StoreError: the Chroma server is unreachable, or the index could not be repaired from the record.
    """

    def __init__(self, corpus_dir: str | Path | None = None, index_dir: str | Path | None = None, *,
                 settings: Settings | None = None, embeddings: SentenceEmbeddings | None = None,
                 answer_step: Runnable | None = None, auto_ingest: bool = True, rebuild: bool = False,
                 **fields: Any):
        self.settings = settings or Settings.from_env(corpus_dir=corpus_dir, index_dir=index_dir, **fields)
        s = self.settings
        self.embeddings = embeddings or SentenceEmbeddings(s.model, s.backend, s.device, cache_dir=s.cache_dir or None)
        self._ingest_lock = threading.Lock()
        self.traffic = Traffic()  # questions in flight: a background ingest steps aside for them (pacing.py)
        self.index = Index.open(s, self.embeddings)
        if rebuild:
            with self._ingest_lock:
                self.index.reset(self.embeddings.model_name)
        self.record.check_model(self.embeddings.model_name)
        self.retriever = HybridRetriever(self.store, self.embeddings)
        self._idf: tuple[int, IdfTable] | None = None
        cache_dir = Path(s.cache_dir).expanduser() if s.cache_dir else default_cache_dir()
        self.extractive = ExtractiveAnswerer(self.embeddings, self.idf, s.abstain_threshold, s.max_answer_sentences,
                                             s.max_answer_words, SentenceStore(cache_dir / "sentences.sqlite3"))
        self.answer_step: AnswerStep = (as_answer_step(answer_step, s.answerer) if answer_step
                                        else _configured_step(s, WholeAnswerStep(self.extractive, s.answerer)))
        self.chain = (
            RunnableLambda(self._prepare)
            | RunnablePassthrough.assign(passages=RunnableLambda(self._retrieve_step))
            | self.answer_step
        )
        if auto_ingest and self.store.count() == 0:
            if not Path(s.corpus_dir).is_dir():
                raise CorpusError(f"the index is empty and the corpus folder {s.corpus_dir} does not exist")
            self.ingest()

    # -- the index ----------------------------------------------------------------------------------
    @property
    def record(self) -> Record:
        return self.index.record

    @property
    def store(self) -> ChromaStore:
        return self.index.store

    @property
    def health(self) -> HealthReport:
        """What the check on open found and did."""
        return self.index.health

    # -- ingest -------------------------------------------------------------------------------------
    def indexer(self, progress: bool = True, pace: Pace | None = None) -> Indexer:
        s = self.settings
        make_chunker = lambda: Chunker(self.embeddings.token_counter(), s.chunk_tokens, s.chunk_overlap_tokens,
                                       self.embeddings.window)
        return Indexer(self.index, self.embeddings, make_chunker, chunk_signature(s), DocumentLimits.from_settings(s),
                       progress, pace)

    def ingest(self, paths: list[str | Path] | None = None, progress: bool = True,
               pace: Pace | None = None) -> IngestReport:
        """Bring the index in step with `paths` (default: the corpus folder): new, changed and deleted files.

        Args:
            pace: per-document progress and how embedding shares the machine (pacing.py); a
                `YieldingPace(assistant.traffic)` steps aside while questions are answered.

        Raises:
            CorpusError: a path does not exist or holds no readable document.
            IndexLockedError: another process is ingesting into the same index.
        """
        targets = [Path(p) for p in (paths or [self.settings.corpus_dir])]
        with self._ingest_lock, self.index.lock():
            report = self.indexer(progress, pace).ingest(targets)
        self.retriever.invalidate()
        self._idf = None
        return report

    # -- questions ----------------------------------------------------------------------------------
    def retrieve(self, question: str, k: int | None = None, history: History | None = None) -> list[Passage]:
        """The k passages that best match the question (resolved against the history), best first."""
        inputs = self._prepare({"question": question, "history": history, "k": k})
        return self._retrieve_step(inputs, with_parts=False)  # the parts' best are read by the answer step only

    def understand(self, question: str, history: History | None = None) -> Query:
        """The Query the answer step works from: English rendering, standalone form, answer type, constraints."""
        return self._query(self._check_question(question), self._check_history(history))

    def ask(self, question: str, history: History | None = None) -> Answer:
        """A cited answer, or an abstention (`abstained=True`) when the documents do not hold it."""
        with self.traffic.question():
            return self.chain.invoke({"question": question, "history": history})

    def stream(self, question: str, history: History | None = None, *, type_out: bool = True
               ) -> Iterator[str | Answer]:
        """Yield the answer text in pieces (a chat model's tokens as they arrive), then the final Answer.

        Args:
            type_out: when the answer step writes no draft (the extractive step), yield the finished text in
                pieces first, as if typed; with False only a real draft comes before the Answer.
        """
        with self.traffic.question():
            inputs = self._prepare({"question": question, "history": history})
            drafted = False
            for piece in self.answer_step.stream({**inputs, "passages": self._retrieve_step(inputs)}):
                if isinstance(piece, str):
                    drafted = True
                elif type_out and not drafted:
                    yield from _pieces(piece.text)
                yield piece

    def talking_points(self, topic: str, n: int = 5, audience: str | None = None) -> Answer:
        """Distinct cited points on a topic, for a meeting or speech.

        The audience sets the emphasis: the press and a council get points with figures first, a foreign
        delegation points naming partner cities, the general public the shorter points.
        """
        with self.traffic.question():
            answer = self.chain.invoke({"question": topic, "history": None, "mode": "points", "n": n,
                                        "k": max(self.settings.k * 2, n + 3), "audience": audience})
        if audience and not answer.abstained:
            answer.notes.append(f"audience: {audience}")
        return answer

    def warm_up(self, question: str, topic: str) -> float:
        """Answer one question and draft one set of talking points and throw both away, so that the models,
        the index and the caches they fill are loaded before the first visitor asks (the first question is then
        as fast as the tenth). Returns the seconds it took.

        >>> a.warm_up("How many sister cities does Kaohsiung have?", "sister cities")
        1.9
        """
        started = time.perf_counter()
        self.ask(question)
        self.talking_points(topic, n=3)
        return time.perf_counter() - started

    def note_gap(self, kind: str, question: str, answer: str = "", cited: list[str] | None = None,
                 reason: str = "") -> int:
        """Keep a question the documents did not answer well ("abstained", "thumbs-down") for the gaps view,
        texts cut to limits.feedback_max_chars; entries past web.gaps_retention_days are dropped first.
        Nothing identifying (no address) is kept. Returns the entry's id."""
        cut = self.settings.limits.feedback_max_chars
        self.record.prune_gaps(time.time() - self.settings.web.gaps_retention_days * 86_400)
        return self.record.add_gap(kind, question[:cut], answer[:cut], list(cited or []), reason[:cut])

    def gaps(self) -> list[dict]:
        """The kept gaps grouped by similar questions (embedding clusters), largest group first: what to add next.

        >>> a.gaps()[0]["question"], a.gaps()[0]["count"]
        ("What is the annual budget of Kaohsiung's foreign affairs office?", 3)
        """
        self.record.prune_gaps(time.time() - self.settings.web.gaps_retention_days * 86_400)
        entries = self.record.gaps()
        if not entries:
            return []
        return group_gaps(entries, self.embeddings.embed_documents([e["question"] for e in entries]))

    def delete_gap(self, gap_id: int) -> bool:
        """Delete one gaps entry; False when there was none with that id."""
        return self.record.delete_gap(gap_id)

    def status(self) -> dict[str, Any]:
        docs = self.record.documents()
        return {
            "documents": len(docs), "chunks": self.store.count(), "model": self.embeddings.model_name,
            "backend": self.embeddings.backend, "decision": self.embeddings.decision.describe(), "index": self.settings.chroma_url or str(Path(self.settings.index_dir)),
            "health": self.health.summary(),
            "answerer": self.answer_step.label,
            "cpu": cpu_features(),
        }

    def documents(self) -> list[dict]:
        return self.record.documents()

    def add_document(self, name: str, data: bytes, if_exists: IfExists = "refuse",
                     pace: Pace | None = None) -> Upload:
        """Check an uploaded file by loading it, keep it under `<corpus>/uploads/`, and index it.

        >>> a.add_document("notes.md", b"The harbour festival opens in May.").outcome
        'added'

        Args:
            if_exists: when an upload of that name is already there: "refuse" (the default), "replace" it, or
                "keep both" (the new file gets the next free name, `notes-2.md`).
            pace: per-document progress and sharing of the machine during the ingest (see `ingest`).
        Returns:
            The document's id, what happened ("added", "replaced", "kept both") and the ingest report.
        Raises:
            LoadError: wrong type, too large, binary, not UTF-8, not a PDF, no text in it, or over a document limit.
            CorpusError: the name is taken and `if_exists` is "refuse".
        """
        doc_id, outcome = store_upload(Path(self.settings.corpus_dir), DocumentLimits.from_settings(self.settings),
                                       name, data, if_exists, self.indexer(progress=False).chunks)
        return Upload(doc_id, outcome, self.ingest(progress=False, pace=pace))

    def delete_document(self, doc_id: str, pace: Pace | None = None) -> IngestReport:
        """Remove a document's file from the corpus folder and from the index.

        Args:
            pace: per-document progress and sharing of the machine during the ingest (see `ingest`).
        Raises:
            CorpusError: no such document, its file lies outside the corpus folder, or it is the last one.
        """
        source = remove_source(Path(self.settings.corpus_dir), self.documents(), doc_id)
        report = self.ingest(progress=False, pace=pace)
        if any(d["doc_id"] == doc_id for d in self.documents()):
            raise CorpusError(f"{doc_id!r} is still indexed after deleting {source}; run `assistant doctor`")
        return report

    # -- chain steps --------------------------------------------------------------------------------
    def _prepare(self, inputs: dict) -> dict:
        """Check the input, then understand it once (question.py): every later step reads the Query."""
        original = self._check_question(inputs.get("question"))
        history = self._check_history(inputs.get("history"))
        query = self._query(original, history, inputs.get("mode"))
        mode = "points" if query.mode == "points" else "answer"
        # Points and "every X" answers gather from more places than one answer needs.
        k = inputs.get("k") or (self.settings.k * 2 if mode == "points" or query.every else self.settings.k)
        standalone = query.standalone
        if history:
            standalone = self.answer_step.condense(query.english, history) or standalone
        return {**inputs, "question": query.english, "original_question": original, "history": history,
                "mode": mode, "k": k, "standalone": standalone, "query": query}

    def _query(self, question: str, history: History, mode: str | None = None) -> Query:
        # Chinese is rendered with the documents' own spellings and senses (translate.py); a lower-case query takes
        # the documents' capitals (question.spelled_out).
        wanted = has_cjk(question + str(history)) or question == question.lower()
        texts = tuple(c.text for c in self.retriever.lexical().chunks) if wanted else ()
        return understand(question, history, texts, self.settings.limits.max_history_turns, mode=mode)

    def _retrieve_step(self, inputs: dict, with_parts: bool = True) -> list[Passage]:
        query: Query = inputs["query"]
        return self.retriever.retrieve_covering(inputs["standalone"], query.parts if with_parts else (), inputs["k"],
                                                spread=query.mode == "compare")

    def idf(self) -> IdfTable:
        lexical = self.retriever.lexical()
        if self._idf is None or self._idf[0] != id(lexical):
            self._idf = (id(lexical), IdfTable([set(terms(c.text)) for c in lexical.chunks]))
        return self._idf[1]

    def _check_question(self, question: Any) -> str:
        if not isinstance(question, str) or not question.strip():
            raise EmptyQuestionError("the question is empty; type a question about the documents")
        question = " ".join(question.split())
        stray = next((c for c in question if "\udc80" <= c <= "\udcff"), None)  # how Python keeps a non-UTF-8 byte
        if stray:
            raise QuestionError(f"the question holds the byte 0x{ord(stray) - 0xDC00:X}, which is not UTF-8 text; "
                                "set the terminal to UTF-8 and type it again")
        if len(question) > self.settings.limits.max_question_chars:
            raise QuestionError(
                f"the question is {len(question)} characters long; the limit is {self.settings.limits.max_question_chars}"
            )
        if not any(c.isalnum() for c in question):  # nothing to search for: any sentence found would be unrelated
            raise QuestionError(f"the question {question!r} has no words, only symbols or emoji; "
                                "ask it in words about the documents")
        return question

    def _check_history(self, history: Any) -> History:
        if history is None:
            return []
        if not isinstance(history, list) or not all(isinstance(m, dict) and "content" in m for m in history):
            raise QuestionError('history must be a list of {"role": "user"|"assistant", "content": str} messages')
        kept = [m for m in history if m.get("role") in ("user", "assistant")][-self.settings.limits.max_history_turns :]
        limit = self.settings.limits.max_question_chars
        for m in kept:
            if not isinstance(m["content"], str) or (m["role"] == "user" and len(m["content"]) > limit):
                raise QuestionError(f"history messages must be text, and user turns at most {limit} characters")
        return kept


def _configured_step(settings: Settings, extractive: AnswerStep) -> AnswerStep:
    """The extractive step, or a chat model's generative step (falling back to extractive) per settings.answerer."""
    if settings.answerer.strip().lower() == "extractive":
        return extractive
    from .answer.llm import generative_step

    return generative_step(settings, extractive)


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), 4):
        yield " ".join(words[i : i + 4]) + (" " if i + 4 < len(words) else "")
