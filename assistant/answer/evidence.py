"""Scoring how well a source sentence answers a question: term coverage, meaning, answer type."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ..question import MONTHS, YEAR
from ..text import DEMONYMS, STOPWORDS, has_cjk, meets_qualifier, names_region_member, sentence_spans, stem, terms, words
from ..types import Passage

_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?)\b", re.I)
_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|spring|summer|autumn|fall|winter|year|month|week|day)\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)+\b|\([\u4e00-\u9fff]{2,4}\)")
# Capitalised words that make a multi-word name an institution, place or event rather than a person.
_NOT_PERSON = frozenset("""city council hall university office government ministry department expo summit park stadium
    center centre institute company association event framework workshop union states kingdom republic festival fest
    island valley channel airport program programme congress world committee bureau agency school college county
    january february march april may june july august september october november december""".split())
_REASON = re.compile(r"\b(because|due to|since|thanks to|as a result|therefore|thus|so that|based on|resembl\w*|"
                     r"similar\w*|shared|in order to|aim(s|ed)? to|centers on|known for)\b"
                     # "..., as such engagement focuses on ...": a clause that gives the cause of what it follows
                     r"|, as (?:such|it|they|this|these|its|their)\b", re.I)
_PLACE = re.compile(r"\b[A-Z][a-z]+\b")
# "This July", "last year": a time the document's own date places.
RELATIVE_MONTH = re.compile(r"\b([Tt]his|[Ll]ast) (" + "|".join(m.title() for m in MONTHS) + r")\b")
RELATIVE_YEAR = re.compile(r"\b([Tt]his|[Ll]ast) year\b")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
# "October 2024", "March 20, 2025", "2013": a year and the month said with it.
_DATED = re.compile(r"(?:\b(" + "|".join(m.title() for m in MONTHS) + r")\s+(?:\d{1,2},?\s+)?)?\b(1[89]\d\d|20\d\d)\b")


def has_answer_type(sentence: str, kind: str, question: str = "") -> bool:
    """Does the sentence hold the kind of fact asked for (a person other than those the question names, ...)?"""
    if kind == "person":
        asked = set(words(question))
        return any(_is_new_person(m.group(), asked) for m in _NAME.finditer(sentence))
    pattern = {"number": _NUMBER, "date": _DATE, "place": _PLACE, "reason": _REASON}.get(kind)
    if pattern is None:
        return True
    asked = question.lower()
    # A number or date the question already states ("in October 2024") is not the answer.
    return any(m.group().lower() not in asked for m in pattern.finditer(sentence))


def _is_new_person(name: str, asked: set[str]) -> bool:
    parts = words(name)
    if any(p in _NOT_PERSON or p in STOPWORDS for p in parts):
        return False
    return not all(p in asked for p in parts)


def document_year(date: str) -> int | None:
    found = re.match(r"^(\d{4})", date or "")
    return int(found.group(1)) if found else None


def relative_year(match: re.Match, year: int) -> int:
    """The year a "this/last July" or "this/last year" match means in a document of `year`."""
    return year - (match.group(1).lower() == "last")


def dated_years(text: str, date: str) -> list[str]:
    """The years the text's relative times mean, read from its document's date ("This July" in 2025: 2025)."""
    year = document_year(date)
    if year is None:
        return []
    return [str(relative_year(m, year)) for pattern in (RELATIVE_MONTH, RELATIVE_YEAR) for m in pattern.finditer(text)]


def paragraph_so_far(cand: "Evidence") -> str:
    """The sentence's paragraph up to and including it: what its reader has been told of the scene."""
    return cand.passage.text[: cand.end].rsplit("\n\n", 1)[-1]


def running_time(cand: "Evidence") -> str:
    """The time a paragraph's narrative is in, for a sentence that gives none of its own: "In October 2024, X
    co-hosted a workshop. ... In his opening remarks, ..." happened in October 2024 too. The last time said before
    the sentence in its paragraph (its month only when the sentence names no month either), or ""."""
    own_month = re.search(r"\b(" + "|".join(MONTHS) + r")\b", cand.text, re.I)
    if YEAR.search(cand.text) or RELATIVE_YEAR.search(cand.text) or RELATIVE_MONTH.search(cand.text):
        return ""
    paragraph = cand.passage.text[: cand.start].rsplit("\n\n", 1)[-1]
    year = document_year(cand.passage.date)
    stamps = [(m.start(), m.group(2), m.group(1) or "") for m in _DATED.finditer(paragraph)]
    if year is not None:
        stamps += [(m.start(), str(relative_year(m, year)), m.group(2)) for m in RELATIVE_MONTH.finditer(paragraph)]
        stamps += [(m.start(), str(relative_year(m, year)), "") for m in RELATIVE_YEAR.finditer(paragraph)]
    if not stamps:
        return ""
    _, said_year, month = max(stamps)
    return said_year if own_month else f"{month} {said_year}".strip()


def event_time(cand: "Evidence") -> tuple[int, int] | None:
    """When the sentence's event happened, as (year, month or 0): the date it states ("In October 2024", "This July"
    in a 2025 document), else the time its paragraph is in; None when it names two years or none can be placed."""
    year = document_year(cand.passage.date)
    stamps = {(int(y), _month_number(m)) for m, y in _DATED.findall(cand.text)}
    if year is not None:
        stamps |= {(relative_year(m, year), _month_number(m.group(2))) for m in RELATIVE_MONTH.finditer(cand.text)}
        stamps |= {(relative_year(m, year), 0) for m in RELATIVE_YEAR.finditer(cand.text)}
    if not stamps:
        running = _DATED.search(running_time(cand))
        if running is None:
            return None
        own_month = re.search(r"\b(" + "|".join(MONTHS) + r")\b", cand.text, re.I)
        stamps = {(int(running.group(2)), _month_number(own_month.group(1) if own_month else running.group(1)))}
    return next(iter(stamps)) if len({y for y, _ in stamps}) == 1 and len(stamps) == 1 else None


def _month_number(month: str | None) -> int:
    return MONTHS.index(month.lower()) + 1 if month else 0


def novelty(sentence: str, question: str) -> float:
    """Share of the sentence's content terms the question does not already contain."""
    own = set(terms(sentence))
    return len(own - set(terms(question))) / len(own) if own else 0.0


# The acronym a question asks to spell out: "what does the abbreviation ITS stand for?", "ITS is short for what?".
_ASKED_ACRONYM = re.compile(r"\b([A-Z]{2,6})\s+(?:stands?|is short|short)\s+for\b|\b(?:abbreviation|acronym)\s+[\"“']?([A-Z]{2,6})\b")


def asked_acronyms(question: str) -> list[str]:
    """The acronyms the question asks about: the one it asks to spell out, or else every one it uses."""
    spelled = [a or b for a, b in _ASKED_ACRONYM.findall(question)]
    return spelled or _ACRONYM.findall(question)


def spells_out_asked(question: str) -> bool:
    """The question asks what an acronym stands for (not merely uses one, as "the IURC presentations" does)."""
    return bool(_ASKED_ACRONYM.search(question))


def defines_acronym(question: str, sentence: str) -> bool:
    """The sentence spells out an acronym the question asks about: `... Cooperation (IURC)`; "In the IURC
    presentations, what does ITS stand for?" is answered by `... systems (ITS)`, not by the IURC's full name."""
    return any(f"({a})" in sentence for a in asked_acronyms(question))


# Words that open a question with a capital of their own, before a name ("Besides Barcelona, ...").
_OPENERS = frozenset("besides beyond apart aside unlike like except compared including excluding following given "
                     "despite according".split())


def question_entities(question: str) -> list[str]:
    """Capitalised names the question mentions after its first word (e.g. Dresden, San Jose)."""
    # "Kaohsiung's Pier 2 residency": two names, the second with its number (a month's day is no part of it).
    runs = re.findall(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*(?:(?<![’']s)\s+\d{1,3}\b(?![.,:]?\d))?", question)
    tokens = [part for run in runs for part in re.split(r"(?<=[’']s)\s+(?=[A-Z])", run)]
    tokens = [re.sub(r"\s+\d+$", "", t) if t.split()[0].lower() in MONTHS else t for t in tokens]
    first = question.strip().split(" ")[0] if question.strip() else ""
    out = []
    for t in tokens:
        if question.strip().startswith(t):
            if t == first:
                continue
            if first.lower() in STOPWORDS | _OPENERS:  # capitalised for being first: "Besides Barcelona", not "San Jose"
                t = t[len(first):].strip()
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
    context: str = ""
    # What was retrieved of the sentence's document: who holds which title may be said a chunk away.
    document: str = ""
    coverage: float = 0.0
    similarity: float = 0.0
    entity_coverage: float = 1.0
    typed: bool = True
    kind: str = ""
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]

    @property
    def words(self) -> int:
        return len(self.text.split())


def neighbour(cand: Evidence, step: int) -> Evidence | None:
    """The sentence `step` places after (or before, when negative) `cand` in its passage."""
    spans = sentence_spans(cand.passage.text)
    at = next((i for i, (start, _) in enumerate(spans) if start >= cand.start), None)
    if at is None or not 0 <= at + step < len(spans):
        return None
    start, end = spans[at + step]
    return replace(cand, start=start, end=end, context="")


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
    hit = sum(w for t, w in question_terms.items()
              if t in text_terms or _prefix_hit(t, text_terms) or _shared_root(t, text_terms))
    return hit / total


def _prefix_hit(term: str, text_terms: set[str]) -> bool:
    # Terse queries abbreviate ("pop" for population): a stub of 3+ letters matching a longer term counts.
    return len(term) >= 3 and term.isalpha() and any(len(x) > len(term) and x.startswith(term) for x in text_terms)


def _shared_root(term: str, text_terms: set[str]) -> bool:
    # Stems of one word family that the stemmer leaves apart ("definit" / "defin"): the text's is a 5+ letter prefix.
    return term.isalpha() and any(4 < len(x) < len(term) <= len(x) + 3 and term.startswith(x) for x in text_terms)


def entity_coverage(entities: list[str], context: str) -> float:
    """Mean share of each named entity's words that occur in `context` (San Jose City Hall vs San Jose); a region
    is there when one of its countries is ("Europe" by "the Baltic coast of Poland"), a nationality when its country
    is ("American" by "the United States")."""
    if not entities:
        return 1.0
    present = {stem(w) for w in words(context)}
    shares = []
    for entity in entities:
        if names_region_member(entity, context) or (entity.lower() in DEMONYMS and meets_qualifier(entity, context)):
            shares.append(1.0)
            continue
        parts = [stem(w) for w in words(entity) if w not in STOPWORDS]
        shares.append(sum(_stem_present(p, present) for p in parts) / len(parts) if parts else 1.0)
    return sum(shares) / len(shares)


def referred_names(entities: list[str], text: str, document: str) -> list[str]:
    """The question's names that `text` gives in the short form its document introduced: a person's surname or
    given name ("Matt Mahan" ... "Mahan praised"), an acronym ("Global Cooperation and Training Framework (GCTF)"
    ... "GCTF has long been"), or the full name around an acronym ("Waving Waves Community (WWC) International
    Art Forum"). Writers name a thing in full once and briefly after; the brief mention is about the same thing."""
    found = []
    for entity in entities:
        parts = entity.split() if " " in entity else entity.split("-")  # "Pier-2" is "Pier 2"
        if len(parts) < 2:
            continue
        spelled = _spelled_with_acronyms(parts)
        if spelled.search(text):
            found.append(entity)
            continue
        in_document = list(spelled.finditer(document))
        if not in_document:
            continue
        short = {a for m in in_document for a in m.groups() if a}
        # The start of a longer name the document shortens: "Pier 2" of "Pier 2 Artist in Residence (PAIR)".
        short |= {m.group(m.lastindex) for m in re.finditer(f"(?i:{spelled.pattern}){_NAME_GOES_ON}", document)}
        if len(parts) <= 3 and not {w.lower() for w in parts} & _NOT_PERSON and all(p[:1].isupper() for p in parts):
            short |= {p for p in (parts[0], parts[-1]) if len(p) >= 3 and p.lower() not in STOPWORDS}
        # Standing alone: the "San" of "San Jose" is not San Francisco's.
        if any(re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])(?!\s+[A-Z])", text) for form in short):
            found.append(entity)
    return found


_NAME_GOES_ON = r"(?:\s+(?:[A-Z][\w-]*|of|in|and|for|the)){1,6}\s*\(([A-Z][A-Za-z]{1,7})\)"


def _spelled_with_acronyms(parts: list[str]) -> re.Pattern:
    """A name's words in order, an acronym in brackets allowed between them or after them."""
    acronym = r"(?:\s*\(([A-Z][A-Za-z]{1,7})\))?"
    return re.compile(r"\b" + acronym.join(r"\s+" + re.escape(p) if i else re.escape(p) for i, p in enumerate(parts))
                      + acronym, re.I)


def _stem_present(part: str, present: set[str]) -> bool:
    # "Taiwanese" ~ "Taiwan", "German" ~ "Germany": a shared stem prefix of 5+ letters counts.
    return part in present or (len(part) >= 5 and any(p[:5] == part[:5] and p.isalpha() for p in present))


def weighted_terms(question: str, idf: IdfTable, leave_out: set[str] = frozenset()) -> dict[str, float]:
    """The question's content terms (minus `leave_out`) weighted by IDF."""
    if has_cjk(question):
        return {}
    return {t: idf(t) for t in set(terms(question, drop_frame=True)) - leave_out}


def entity_terms(entities: list[str]) -> set[str]:
    return {t for e in entities for t in terms(e)}
