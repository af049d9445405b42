"""Talking points a staff member can paste: distinct source sentences, decontextualised the journalists' way.

A point is a verbatim quote in which every word that is not the source's own stands in square brackets:
a relative time is resolved from the document's date ("This July" -> "[In July 2025]"), and a sentence that
opens with a pronoun takes the name the passage gave just before ("She discloses" -> "[Chang Yen-ching]
discloses"). The citation keeps the exact quote. The audience decides what comes first and what is left out.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from .constraints import named
from ..text import COUNTRY_ALIASES, sentence_spans
from .evidence import (
    RELATIVE_MONTH, RELATIVE_YEAR, Evidence, document_year, entity_coverage, neighbour, relative_year,
)

_AUDIENCES = {
    # what a reader in that role looks for first: the press figures and dates, a delegation its own city ...
    "press": "figures",
    "journalist": "figures",
    "council": "figures",
    "delegation": "partners",
    "foreign": "partners",
    "public": "short",
    "visitor": "short",
}
_FIGURE = re.compile(r"\d")
_SHORT_WORDS = 30
_HOME = {"kaohsiung", "taiwan", "taipei"}
_HOME_NAME_WORDS = _HOME | {"city", "county", "government", "municipal", "s"}  # "Kaohsiung City government"
_REFERENCE = re.compile(r"^(\[\d+\]\s*)?(author['’]s interview|ibid\b|image:|source:)", re.I)
_OPENING_PRONOUN = re.compile(r"^(She|He|They)\b(?!\s+(?:is|are|was|were)\s+(?:a|an|the)\b)")


def is_point(cand: Evidence) -> bool:
    """A statement worth pasting: not a footnote, caption or fragment."""
    return cand.words >= 6 and not _REFERENCE.match(cand.text)


# spaCy labels that make a sentence carry a fact a speaker can use (a partner, a date, a figure).
_FACT_LABELS = frozenset("PERSON ORG GPE LOC FAC EVENT NORP WORK_OF_ART PRODUCT LAW DATE CARDINAL PERCENT MONEY QUANTITY"
                         .split())
GENERAL_SHARE = 0.6  # of its score, that a point naming nothing specific keeps ("Cultural diplomacy is a linchpin ...")
ASIDE_SHARE = 0.4  # of its score, that a point keeps when the topic's partner is named nowhere near it


def weigh(cand: Evidence, topic_names: list[str]) -> float:
    """A point's score for a topic: it should state a fact, and one about the partner the topic names (a sentence
    on Kaohsiung's sister-city count is no point on "the Kaohsiung–Gdynia partnership")."""
    score = cand.score if states_a_fact(cand.text, topic_names) or attributed_quote(cand) else cand.score * GENERAL_SHARE
    away = [n for n in topic_names if not is_home(n)]
    if away:
        near = entity_coverage(away, f"{cand.passage.title} {cand.text} {cand.context}")
        score *= ASIDE_SHARE + (1 - ASIDE_SHARE) * near
    return score


SECTION_SHARE = 0.75  # of the score of the statement that opens a section on the topic, that its facts inherit


def inherit_from_statements(ranked: list[Evidence], scores: dict[int, float], strong: float,
                            is_break: Callable[[str], bool]) -> None:
    """A general statement that puts the topic in the documents' own words ("Cultural diplomacy is another linchpin
    of Kaohsiung's international outreach", scoring at least `strong`) opens the part of the document about it; the
    facts that follow it, up to the next heading, are that topic's examples (the 2025 Sunshine Island Vibe Fest)
    even when they share none of its words. They keep a share of its score. Only text the retrieved passages cover
    without a gap is read as one section."""
    statements = [c for c in ranked if c.score >= strong and not states_a_fact(c.text)]
    for statement in statements:
        end = _section_end(statement, ranked, is_break)
        for cand in ranked:
            at = cand.passage.start + cand.start
            if cand.passage.doc_id == statement.passage.doc_id and _position(statement) < at < end \
                    and states_a_fact(cand.text):
                scores[id(cand)] = max(scores[id(cand)], SECTION_SHARE * statement.score)


CARRIED_SHARE = 0.75  # of the score of the sentence before it, that a sentence carrying it on ("He also ...") keeps
_CARRIES_ON = re.compile(r"(?:He|She|They|It|His|Her|Their|Its|Additionally|Moreover|Furthermore|In addition)\b")


def inherit_from_previous(ranked: list[Evidence], scores: dict[int, float]) -> None:
    """"Chen invited San Jose to the Expo. He also highlighted the possibility of a sister-city relationship.": a
    sentence opening on a pronoun (or "Additionally", "Moreover") says more of what the one before it said, and a point
    names the pronoun's person (decontextualise), so it keeps a share of that sentence's score."""
    at = _by_position(ranked)
    for cand in ranked:
        before = neighbour(cand, -1) if _CARRIES_ON.match(cand.text) else None
        previous = at.get(_place(before)) if before is not None else None
        if previous is not None:
            scores[id(cand)] = max(scores[id(cand)], CARRIED_SHARE * scores[id(previous)])


# "First, these platforms enable ... Second, this participation reflects ... Third, ...": the items of a list the
# document counts out, each a point of its own.
_ENUMERATED = re.compile(r"(First|Second|Third|Fourth|Fifth|Sixth|Finally|Lastly)(?:ly)?,", re.I)
_LIST_ITEMS = 6  # the longest list walked back to its lead


def inherit_from_enumeration(ranked: list[Evidence], scores: dict[int, float]) -> None:
    """"Kaohsiung's participation in both IURC and GCTF illustrates the significance of multilateral mechanisms.
    First, ... Second, ... Third, ...": the items of a counted-out list are what the sentence leading it promises
    (what Kaohsiung gains), though they name neither network; each keeps a share of the lead's score."""
    at = _by_position(ranked)
    for cand in ranked:
        if not _ENUMERATED.match(cand.text):
            continue
        before = neighbour(cand, -1)
        for _ in range(_LIST_ITEMS):
            if before is None or not _ENUMERATED.match(before.text):
                break
            before = neighbour(before, -1)
        lead = at.get(_place(before)) if before is not None else None
        if lead is not None:
            scores[id(cand)] = max(scores[id(cand)], SECTION_SHARE * lead.score)


def list_item(sentence: str) -> str:
    """Which item of a counted-out list the sentence is ("second"), or ""."""
    found = _ENUMERATED.match(sentence)
    return found.group(1).lower() if found else ""


PARAGRAPH_SHARE = 0.75  # of the score of the sentence naming the topic's partner, that the facts after it keep


def inherit_from_paragraph(ranked: list[Evidence], scores: dict[int, float], topic_names: list[str]) -> None:
    """"Take Gdynia as an example: ... Prior to the official agreement being signed in October 2025, senior officials
    from both cities ...": on a named partner, the facts a paragraph gives after naming it are the partner's, though
    they call it "both cities" and share no word with the request ("the Kaohsiung–Gdynia relationship")."""
    away = [n for n in topic_names if not is_home(n)]
    naming = [c for c in ranked if any(entity_coverage([name], c.text) == 1.0 for name in away)]
    for cand in ranked:
        if not states_a_fact(cand.text, topic_names):
            continue
        openers = [scores[id(c)] for c in naming if c.passage.doc_id == cand.passage.doc_id
                   and _position(c) < _position(cand) and "\n\n" not in (_text_between(c, cand, ranked) or "\n\n")]
        if openers:
            scores[id(cand)] = max(scores[id(cand)], PARAGRAPH_SHARE * max(openers))


def _position(cand: Evidence) -> int:
    return cand.passage.start + cand.start


def _place(cand: Evidence) -> tuple[str, int]:
    """Where a sentence stands in its document: the same sentence read from two chunks stands in one place."""
    return cand.passage.doc_id, _position(cand)


def _by_position(ranked: list[Evidence]) -> dict[tuple[str, int], Evidence]:
    """The ranked sentences by where they stand, to find a neighbour among them."""
    return {_place(c): c for c in ranked}


def _text_between(first: Evidence, then: Evidence, ranked: list[Evidence]) -> str | None:
    """The document's text from one sentence to a later one, read across the retrieved chunks of its document (a
    paragraph may be split between two); None where they do not cover it. A gap of more than one character between
    chunks is the blank line the splitter cut at."""
    bodies = {c.passage.start: c.passage.text for c in ranked if c.passage.doc_id == first.passage.doc_id}
    text, at, stop = "", _position(first), _position(then)
    for start, body in sorted(bodies.items()):
        if start > at + 1:
            return None
        if at < start + len(body):
            piece = body[max(at - start, 0) : stop - start]
            text, at = text + piece, max(at, start) + len(piece)
        if at >= stop:
            return text
    return None


def _section_end(statement: Evidence, ranked: list[Evidence], is_break: Callable[[str], bool]) -> int:
    """Where the statement's section stops being known: at the next heading, or where the retrieved passages of its
    document stop covering the text."""
    doc = statement.passage.doc_id
    spans = sorted({(c.passage.start, c.passage.end) for c in ranked if c.passage.doc_id == doc})
    end = statement.passage.end
    for start, stop in spans:
        if start <= end + 2:  # adjacent chunks are cut at the whitespace between them
            end = max(end, stop)
    texts = {(c.passage.start, c.passage.end): c.passage.text for c in ranked if c.passage.doc_id == doc}
    for (start, _), text in sorted(texts.items()):
        spans = sentence_spans(text)
        for (s, e), after in zip(spans, spans[1:] + [(len(text), len(text))]):
            # A picture's title and caption sit inside a section: "Sunshine Island Vibe Fest" then "Image: ..."
            caption = _REFERENCE.match(text[s:e]) or _REFERENCE.match(text[after[0] : after[1]])
            if _position(statement) < start + s < end and is_break(text[s:e]) and not caption:
                end = start + s
    return end


def states_a_fact(sentence: str, topic_names: list[str] | tuple[str, ...] = ()) -> bool:
    """The sentence names a partner, a date or a figure beyond the home city and the topic's own names: on "Beijing's
    interference", "Despite periodic interference by Beijing, ... continues to thrive" is a claim, not a case."""
    own = {form.lower() for name in topic_names for form in COUNTRY_ALIASES.get(name.lower(), (name,))}
    return any(label in _FACT_LABELS and not is_home(text) and text.lower() not in own for text, label in named(sentence))


REPEAT_SHARE = 0.5  # of its score, that a point keeps when every partner, date and figure it names is already said
SAME_POINT = 0.75  # cosine above which two sentences say the same thing


def pick_distinct(ranked: list[Evidence], vectors, limit: int, topic_names: list[str]) -> list[Evidence]:
    """Up to `limit` points, best first, each saying something the ones before it did not: a point whose facts
    (names, dates, figures beyond the topic's own) were all in earlier points keeps REPEAT_SHARE of its score, so
    "how Beijing interfered" gets the Maldives case beside Edinburgh, not Edinburgh twice. A point that names
    nothing specific repeats any such point before it: one general claim is enough."""
    # The items of a counted-out list say different things by the document's own count.
    facts = [_facts(c.text, topic_names) or {list_item(c.text)} for c in ranked]
    said: set[str] = set()
    chosen: list[int] = []
    while len(chosen) < limit:
        best, best_score = None, 0.0
        for i, cand in enumerate(ranked):
            if i in chosen or any(float(vectors[i] @ vectors[j]) > SAME_POINT for j in chosen):
                continue
            new = sum(1 for f in facts[i] if not _already_said(f, said)) / len(facts[i])
            score = cand.score * (REPEAT_SHARE + (1 - REPEAT_SHARE) * new)
            if best is None or score > best_score:
                best, best_score = i, score
        if best is None:
            break
        chosen.append(best)
        said |= facts[best]
    return [ranked[i] for i in chosen]


def _already_said(fact: str, said: set[str]) -> bool:
    """"edinburgh" was said by "the edinburgh city council"; the general claim ("") only by another one."""
    return any(fact == s or (fact and s and (fact in s or s in fact)) for s in said)


def _facts(sentence: str, topic_names: list[str]) -> set[str]:
    own = {name.lower() for name in topic_names}
    return {text.lower() for text, label in named(sentence)
            if label in _FACT_LABELS and not is_home(text) and text.lower() not in own}


def is_home(name: str) -> bool:
    """Kaohsiung, Taiwan or their governments; a figure or a year ("220", "2021") is no place at all."""
    words = set(re.findall(r"[a-z]+", name.lower()))
    return bool(words) and words <= _HOME_NAME_WORDS


def audience_emphasis(audience: str | None) -> str:
    """'figures', 'partners', 'short' or '' for the audience named (matched on its words)."""
    for word in re.findall(r"\w+", (audience or "").lower()):
        for form in (word, word[:-1] if word.endswith("s") else word):
            if form in _AUDIENCES:
                return _AUDIENCES[form]
    return ""


def arrange(points: list[Evidence], emphasis: str, n: int) -> list[Evidence]:
    """The n points the audience needs most, best-scoring first within each group."""
    if emphasis == "figures":
        keyed = sorted(points, key=lambda c: not _FIGURE.search(c.text))
    elif emphasis == "partners":
        keyed = sorted(points, key=lambda c: not _names_a_partner(c.text))
    elif emphasis == "short":
        keyed = sorted(points, key=lambda c: c.words > _SHORT_WORDS)
    else:
        keyed = points
    return keyed[:n]


def _names_a_partner(sentence: str) -> bool:
    return any(label == "GPE" and not is_home(text) for text, label in named(sentence))


_QUOTE_OPENS, _QUOTE_CLOSES = "“", "”"
_QUOTE_SENTENCES = 3  # the longest quotation walked back to its opening


def whole_quote(cand: Evidence) -> Evidence:
    """A point that ends a quotation opened sentences before takes them in, from the one naming the speaker: "We are
    telling the world what ‘Kaohsiung experience’ means ...”" alone quotes nobody; "As Director-General Chang
    Yen-ching said, “We want to let the world know ... We are telling the world ...”" is pasteable. So does one that
    opens a quotation closed sentences after, up to its "..., said Director-General Chang"."""
    opened = cand.text.count(_QUOTE_OPENS) - cand.text.count(_QUOTE_CLOSES)
    if opened == 0:
        return cand
    step, side = (-1, _QUOTE_OPENS) if opened < 0 else (1, _QUOTE_CLOSES)
    other = cand
    for _ in range(_QUOTE_SENTENCES):
        other = neighbour(other, step)
        if other is None:
            return cand
        if side in other.text:
            return replace(cand, start=other.start) if step < 0 else replace(cand, end=other.end)
    return cand


def attributed_quote(cand: Evidence) -> bool:
    """A quotation its document gives a speaker for ("“Politicians will step down ...” ... said Director-General
    Chang"): a named official's words are a point to paste, though they name no partner, date or figure."""
    whole = whole_quote(cand)
    return whole is not cand and bool(_SAID_BY.search(whole.text))


_SAID_BY = re.compile(r"[”\"]\s*(?:said|says|added|noted|stated|explained|stressed)\s+[A-Z]|\b(?:said|says)\s*,\s*“")


def within_another(picked: list[Evidence]) -> list[Evidence]:
    """Points with those dropped whose text another point's whole quotation already holds."""
    def inside(a: Evidence, b: Evidence) -> bool:
        return a is not b and a.passage is b.passage and b.start <= a.start and a.end <= b.end
    return [a for a in picked if not any(inside(a, b) for b in picked)]


def decontextualise(cand: Evidence) -> str:
    """The quote with bracketed context a reader needs when it stands alone."""
    text = cand.text
    year = document_year(cand.passage.date)
    if year:
        text = RELATIVE_MONTH.sub(lambda m: _bracket(m, f"in {m.group(2)} {relative_year(m, year)}"), text)
        text = RELATIVE_YEAR.sub(lambda m: _bracket(m, f"in {relative_year(m, year)}"), text)
    opening = _OPENING_PRONOUN.match(text)
    if opening and opening.group(1) != "They":
        name = _last_person(cand.passage.text[: cand.start])
        if name:
            text = f"[{name}]" + text[opening.end() :]
    thing = _OPENING_THING.match(text)
    if thing:
        name = _last_named(thing.group(1).lower(), cand.passage.text[max(0, cand.start - 1500) : cand.start])
        if name:
            text = f"[The {name}]" + text[thing.end() :]
    return text


# "The event featured ...": a point opening on a kind of thing names the one the passage named last before it.
_KIND_HEADS = {"event": "Fest Festival Event Expo Summit Congress Forum Workshop Concert",
               "festival": "Fest Festival", "workshop": "Workshop", "forum": "Forum", "expo": "Expo",
               "summit": "Summit", "program": "Program Programme program", "programme": "Programme Program programme",
               "agreement": "Agreement MOU Memorandum Pact", "initiative": "Initiative Cooperation Network"}
_OPENING_THING = re.compile(r"^The (" + "|".join(_KIND_HEADS) + r")\b")
_NAME_WORD = r"(?:[A-Z][\w’'&-]*|\d{1,4}|\([A-Z]{2,8}\))"


def _last_named(kind: str, before: str) -> str:
    """The last name of that kind the text gives ("the 2025 Sunshine Island Vibe Fest" for an event), or ""."""
    heads = "|".join(_KIND_HEADS[kind].split())
    named = re.findall(rf"{_NAME_WORD}(?:\s+(?:(?:in|of|and|for)\s+)?{_NAME_WORD})*\s+(?:{heads})\b", before)
    return re.sub(r"^(?:The|A|An)\s+", "", named[-1]) if named else ""


def _bracket(match: re.Match, words: str) -> str:
    return "[" + (words[:1].upper() + words[1:] if match.group(0)[:1].isupper() else words) + "]"


def _last_person(before: str) -> str:
    people = [text for text, label in named(before[-1500:]) if label == "PERSON"]
    return people[-1] if people else ""
