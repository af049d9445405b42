"""The Assistant facade: wires load -> chunk -> embed -> store -> retrieve -> answer. No logic of its own."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from .answer import ExtractiveAnswerer
from .answer.evidence import IdfTable
from .answer.extractive import wants_points
from .chunk import Chunker
from .config import Settings
from .embed import SentenceEmbeddings, cpu_features
from .errors import CorpusError, EmptyQuestionError, QuestionError
from .ingest import Indexer, writer_lock
from .records import Record
from .retrieve import HybridRetriever, standalone_question
from .store import ChromaStore, make_client
from .text import terms
from .types import Answer, IngestReport, Passage

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
        answer_step: a LangChain runnable replacing the extractive answerer ({question, standalone, passages} -> Answer).
        auto_ingest: build the index from the corpus when it is empty (default True).
    """

    def __init__(self, corpus_dir: str | Path | None = None, index_dir: str | Path | None = None, *,
                 settings: Settings | None = None, embeddings: SentenceEmbeddings | None = None,
                 answer_step: Runnable | None = None, auto_ingest: bool = True, **fields: Any):
        self.settings = settings or Settings.from_env(corpus_dir=corpus_dir, index_dir=index_dir, **fields)
        s = self.settings
        self.embeddings = embeddings or SentenceEmbeddings(s.model, s.backend, s.device, cache_dir=s.cache_dir or None)
        self.record = Record(Path(s.index_dir) / "record.sqlite3")
        self.store = ChromaStore(make_client(Path(s.index_dir), s.chroma_url), s.collection, self.embeddings)
        self.retriever = HybridRetriever(self.store, self.embeddings)
        self._idf: tuple[int, IdfTable] | None = None
        self._ingest_lock = threading.Lock()
        self.answer_step = answer_step or RunnableLambda(
            ExtractiveAnswerer(self.embeddings, self.idf, s.abstain_threshold, s.max_answer_sentences, s.max_answer_words)
        )
        self.chain = (
            RunnableLambda(self._prepare)
            | RunnablePassthrough.assign(passages=RunnableLambda(self._retrieve_step))
            | self.answer_step
        )
        if auto_ingest and self.store.count() == 0:
            if not Path(s.corpus_dir).is_dir():
                raise CorpusError(f"the index is empty and the corpus folder {s.corpus_dir} does not exist")
            self.ingest()

    # -- ingest -------------------------------------------------------------------------------------
    def indexer(self, progress: bool = True) -> Indexer:
        s = self.settings
        chunker = Chunker(self.embeddings.token_counter(), s.chunk_tokens, s.chunk_overlap_tokens, self.embeddings.window)
        return Indexer(self.record, self.store, self.embeddings, chunker,
                       f"{s.chunk_tokens}/{s.chunk_overlap_tokens}", int(s.max_file_mb * 2**20), progress)

    def ingest(self, paths: list[str | Path] | None = None, progress: bool = True) -> IngestReport:
        """Bring the index in step with `paths` (default: the corpus folder): new, changed and deleted files.

        Raises:
            CorpusError: a path does not exist or holds no readable document.
            IndexLockedError: another process is ingesting into the same index.
        """
        targets = [Path(p) for p in (paths or [self.settings.corpus_dir])]
        with self._ingest_lock, writer_lock(Path(self.settings.index_dir)):
            report = self.indexer(progress).ingest(targets)
        self.retriever.invalidate()
        self._idf = None
        return report

    # -- questions ----------------------------------------------------------------------------------
    def retrieve(self, question: str, k: int | None = None, history: History | None = None) -> list[Passage]:
        """The k passages that best match the question (resolved against the history), best first."""
        inputs = self._prepare({"question": question, "history": history, "k": k})
        return self._retrieve_step(inputs)

    def ask(self, question: str, history: History | None = None) -> Answer:
        """A cited answer, or an abstention (`abstained=True`) when the documents do not hold it."""
        return self.chain.invoke({"question": question, "history": history})

    def stream(self, question: str, history: History | None = None) -> Iterator[str | Answer]:
        """Yield the answer text in pieces, then the final Answer."""
        answer = self.ask(question, history)
        for piece in _pieces(answer.text):
            yield piece
        yield answer

    def talking_points(self, topic: str, n: int = 5, audience: str | None = None) -> Answer:
        """Distinct cited points on a topic, for a meeting or speech (audience is noted, not invented)."""
        answer = self.chain.invoke({"question": topic, "history": None, "mode": "points", "n": n,
                                    "k": max(self.settings.k * 2, n + 3)})
        if audience and not answer.abstained:
            answer.notes.append(f"audience: {audience}")
        return answer

    def status(self) -> dict[str, Any]:
        docs = self.record.documents()
        return {
            "documents": len(docs), "chunks": self.store.count(), "model": self.embeddings.model_name,
            "backend": self.embeddings.backend, "index": self.settings.chroma_url or str(Path(self.settings.index_dir)),
            "cpu": cpu_features(),
        }

    def documents(self) -> list[dict]:
        return self.record.documents()

    # -- chain steps --------------------------------------------------------------------------------
    def _prepare(self, inputs: dict) -> dict:
        question = self._check_question(inputs.get("question"))
        history = self._check_history(inputs.get("history"))
        mode = inputs.get("mode") or ("points" if wants_points(question) else "answer")
        k = inputs.get("k") or (self.settings.k * 2 if mode == "points" else self.settings.k)
        return {**inputs, "question": question, "history": history, "mode": mode, "k": k,
                "standalone": standalone_question(question, history, self.settings.max_history_turns)}

    def _retrieve_step(self, inputs: dict) -> list[Passage]:
        return self.retriever.retrieve(inputs["standalone"], inputs["k"])

    def idf(self) -> IdfTable:
        lexical = self.retriever.lexical()
        if self._idf is None or self._idf[0] != id(lexical):
            self._idf = (id(lexical), IdfTable([set(terms(c.text)) for c in lexical.chunks]))
        return self._idf[1]

    def _check_question(self, question: Any) -> str:
        if not isinstance(question, str) or not question.strip():
            raise EmptyQuestionError("the question is empty; type a question about the documents")
        question = " ".join(question.split())
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(question)} characters long; the limit is {self.settings.max_question_chars}"
            )
        return question

    def _check_history(self, history: Any) -> History:
        if history is None:
            return []
        if not isinstance(history, list) or not all(isinstance(m, dict) and "content" in m for m in history):
            raise QuestionError('history must be a list of {"role": "user"|"assistant", "content": str} messages')
        return [m for m in history if m.get("role") in ("user", "assistant")][-self.settings.max_history_turns :]


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), 4):
        yield " ".join(words[i : i + 4]) + (" " if i + 4 < len(words) else "")
