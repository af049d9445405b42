"""Scoring how well a source sentence answers a question: term coverage, meaning, answer type."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..text import STOPWORDS, has_cjk, terms, words
from ..types import Passage

_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?)\b", re.I)
_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|spring|summer|autumn|fall|winter|year|month|week|day)\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)+\b|[\u4e00-\u9fff]{2,4}")
_PLACE = re.compile(r"\b[A-Z][a-z]+\b")
_ASK_NUMBER = re.compile(r"\bhow (many|much|long|far|big|large)\b|\b(count|number|pop|population|percent)\b", re.I)
_ASK_DATE = re.compile(r"\bwhen\b|\bwhat (year|date|month|day)\b|\bwhich (year|date|month)\b|\bsince when\b", re.I)
_ASK_PERSON = re.compile(r"\bwho\b|\bwhom\b|\bwhich (professor|official|mayor|director|person|people)\b", re.I)
_ASK_PLACE = re.compile(r"\bwhere\b|\bwhich (city|country|cities|countries|place)\b", re.I)


def answer_type(question: str) -> str:
    """The kind of fact a question asks for: number, date, person, place, or '' (anything)."""
    for kind, pattern in (("number", _ASK_NUMBER), ("date", _ASK_DATE), ("person", _ASK_PERSON), ("place", _ASK_PLACE)):
        if pattern.search(question):
            return kind
    return ""


def has_answer_type(sentence: str, kind: str) -> bool:
    pattern = {"number": _NUMBER, "date": _DATE, "person": _NAME, "place": _PLACE}.get(kind)
    return pattern is None or bool(pattern.search(sentence))


def question_entities(question: str) -> list[str]:
    """Capitalised names the question mentions after its first word (e.g. Dresden, San Jose)."""
    tokens = re.findall(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*", question)
    first = question.strip().split(" ")[0] if question.strip() else ""
    out = []
    for t in tokens:
        if question.strip().startswith(t) and t == first:
            continue
        name = re.sub(r"[’']s$", "", t)
        if name.lower() not in STOPWORDS:
            out.append(name)
    return out


@dataclass
class Evidence:
    """One candidate sentence with the signals used to rank it and to decide abstention."""

    passage_rank: int
    passage: Passage
    start: int
    end: int
    coverage: float = 0.0
    similarity: float = 0.0
    entity_coverage: float = 1.0
    typed: bool = True
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]

    @property
    def words(self) -> int:
        return len(self.text.split())


class IdfTable:
    """Inverse document frequency over chunks; terms never seen in the corpus weigh most."""

    def __init__(self, chunk_terms: list[set[str]]):
        self.n = max(len(chunk_terms), 1)
        self.df: dict[str, int] = {}
        for ts in chunk_terms:
            for t in ts:
                self.df[t] = self.df.get(t, 0) + 1

    def __call__(self, term: str) -> float:
        return math.log(1 + (self.n + 1) / (self.df.get(term, 0) + 0.5))

    def known(self, term: str) -> bool:
        return term in self.df


def coverage(question_terms: dict[str, float], text_terms: set[str]) -> float:
    """IDF-weighted share of the question's content terms found in `text_terms` (prefix match for stubs)."""
    total = sum(question_terms.values())
    if total == 0:
        return 0.0
    hit = sum(w for t, w in question_terms.items() if t in text_terms or _prefix_hit(t, text_terms))
    return hit / total


def _prefix_hit(term: str, text_terms: set[str]) -> bool:
    # Terse queries abbreviate ("pop" for population): a stub of 3+ letters matching a longer term counts.
    return len(term) >= 3 and term.isalpha() and any(len(x) > len(term) and x.startswith(term) for x in text_terms)


def entity_coverage(entities: list[str], context: str) -> float:
    if not entities:
        return 1.0
    lowered = " ".join(words(context))
    found = sum(1 for e in entities if " ".join(words(e)) in lowered)
    return found / len(entities)


def weighted_terms(question: str, idf: IdfTable) -> dict[str, float]:
    if has_cjk(question):
        return {}
    return {t: idf(t) for t in set(terms(question, drop_frame=True))}
