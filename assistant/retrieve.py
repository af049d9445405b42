"""question + history -> ranked Passages: vector search and BM25 fused by reciprocal rank."""
from __future__ import annotations

import re
import threading
import time

from rank_bm25 import BM25Okapi

from .bm25 import SparseBM25, top
from .embed import SentenceEmbeddings
from .index import ChromaStore, to_passage
from .text import DEMONYMS, stem, terms
from .types import Chunk, Passage

RRF_K = 60
# How often a question checks whether another process changed the store (a count costs ~8 ms at 100k chunks);
# an ingest in this process invalidates at once.
RECHECK_S = 2.0
_COMPARISON = re.compile(r"\b(compare|comparison|contrast|differ\w*|similar\w*|both|versus|vs\.?|each of)\b", re.I)
_ANAPHORA = re.compile(
    r"\b(he|she|it|they|them|his|her|its|their|there|that|this|those|these|the same|such|former|latter)\b", re.I
)


_ELLIPSIS = re.compile(r"^\s*(what|how) about\b|^\s*and\b|\b(which|that|this|the) ones?\b", re.I)


def wants_comparison(question: str) -> bool:
    """Comparison and "both" questions need evidence from more than one document."""
    return bool(_COMPARISON.search(question))


def refers_back(question: str) -> bool:
    """The question leans on what was said before: a pronoun, "the same", "what about ..."."""
    return bool(_ANAPHORA.search(question) or _ELLIPSIS.match(question))


def user_turns(history: list[dict], max_turns: int = 20) -> list[str]:
    """What the user said in the last `max_turns` messages, oldest first."""
    return [str(m.get("content", "")) for m in history[-max_turns:] if m.get("role") == "user"]


def standalone_question(question: str, history: list[dict] | None, max_turns: int = 20) -> str:
    """Resolve a follow-up against the conversation: add the previous user turn when the question leans on it."""
    users = [u for u in user_turns(history or [], max_turns) if u.strip() and u.strip() != question.strip()]
    if not users:
        return question
    if refers_back(question) or len(set(terms(question, drop_frame=True))) <= 4:
        return f"{question} {users[-1]}"
    return question


_COUNTRY_TERMS = {stem(adjective): terms(country) for adjective, country in DEMONYMS.items()}
_LIVING_THERE, _POPULATION = set(terms("people live")), terms("population")


class LexicalIndex:
    """BM25 over every stored chunk, rebuilt when the store's contents change."""

    def __init__(self, chunks: list[Chunk]):
        self.chunks = chunks
        self.bm25 = BM25Okapi([terms(c.text) or ["\0"] for c in chunks]) if chunks else None
        self.vocabulary = sorted(self.bm25.idf) if self.bm25 else []
        self.sparse = SparseBM25(self.bm25) if self.bm25 else None

    def expand(self, query_terms: list[str]) -> list[str]:
        """Terse queries abbreviate ("pop", "gov", "tech"): add the corpus terms a short stub begins.
        A nationality also asks for its country ("German cities": Dresden, Germany), and the people living in a
        place for its population."""
        extra = []
        for term in query_terms:
            extra += _COUNTRY_TERMS.get(term, [])
            if 3 <= len(term) <= 4 and term.isalpha():
                extra += [v for v in self.vocabulary if v.startswith(term) and v != term][:3]
        if _LIVING_THERE <= set(query_terms) or "inhabit" in query_terms:
            extra += _POPULATION  # "How many people live in Kaohsiung?" asks for its population
        return query_terms + extra

    def search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        query_terms = self.expand(terms(query))
        if self.bm25 is None or not query_terms:
            return []
        scores = self.sparse.scores(query_terms)
        return [(self.chunks[i], float(scores[i])) for i in top(scores, n)]


# Chunks retrieved for each thing of a list of three or more ("Give the year of each: A, B and C"): the whole
# question's best rarely hold them all.
_LISTED_PART_K = 3


class HybridRetriever:
    """Fuses the vector ranking and the BM25 ranking (reciprocal rank fusion), best first."""

    def __init__(self, store: ChromaStore, embeddings: SentenceEmbeddings, candidates: int = 30):
        self.store = store
        self.embeddings = embeddings
        self.candidates = candidates
        self._lexical: LexicalIndex | None = None
        self._lexical_key: tuple | None = None
        self._recheck = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._lexical = None

    def lexical(self) -> LexicalIndex:
        with self._lock:
            if self._lexical is not None and time.monotonic() < self._recheck:
                return self._lexical
            key = (self.store.count(),)
            if self._lexical is None or key != self._lexical_key:
                self._lexical = LexicalIndex(self.store.all_chunks())
                self._lexical_key = key
            self._recheck = time.monotonic() + RECHECK_S
            return self._lexical

    def retrieve(self, query: str, k: int, spread: bool = False) -> list[Passage]:
        """The k best chunks; with `spread`, the last place goes to another document if none made the cut."""
        n = max(self.candidates, k * 4)
        dense = self.store.search(self.embeddings.embed_query(query), n)
        sparse = self.lexical().search(query, n)
        fused: dict[str, float] = {}
        first: dict[str, int] = {}
        by_id: dict[str, Chunk] = {}
        for ranking in (dense, sparse):
            for rank, (chunk, _) in enumerate(ranking):
                fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
                first[chunk.id] = min(first.get(chunk.id, rank), rank)
                by_id[chunk.id] = chunk
        # Ties (e.g. ranks 1+3 vs 2+2) go to the chunk one of the rankers liked best, then to the id: deterministic.
        ranked = sorted(fused, key=lambda i: (-round(fused[i], 12), first[i], i))
        best = ranked[:k]
        if spread and k > 1 and len({by_id[i].doc_id for i in best}) == 1:
            other = next((i for i in ranked[k:] if by_id[i].doc_id != by_id[best[0]].doc_id), None)
            best = best[:-1] + [other] if other else best
        top = 2.0 / (RRF_K + 1)
        return [to_passage(by_id[i], fused[i] / top) for i in best]

    def retrieve_covering(self, query: str, parts: tuple[str, ...], k: int, spread: bool = False) -> list[Passage]:
        """The k best chunks for the whole question, then each of its parts' best chunks that are not among them
        ("how many cities ... in Barcelona, and how many countries ... at the GCTF workshop?" needs both events)."""
        best = self.retrieve(query, k, spread)
        placed = {(p.doc_id, p.chunk_index) for p in best}
        for i, part in enumerate(parts):
            # "..., and in what years?" leans on the part before; "..., and how many countries ... GCTF?" does not.
            leans = i > 0 and (refers_back(part) or len(set(terms(part, drop_frame=True))) <= 2)
            for passage in self.retrieve(f"{part} {parts[i - 1]}" if leans else part,
                                         max(1, k // len(parts)) if len(parts) <= 2 else _LISTED_PART_K):
                if (passage.doc_id, passage.chunk_index) not in placed:
                    placed.add((passage.doc_id, passage.chunk_index))
                    best.append(passage)
        return best
