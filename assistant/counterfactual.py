"""Unanswerable variants of answerable questions, for calibrating abstention on more than a handful of examples.

Each answerable question without history yields variants the documents cannot answer: its year or number
moved to one the documents never use, a named entity swapped for another of the same kind from the
documents (kept only when that entity never shares a sentence with the expected answer), a title given
another rank (Mayor <-> Deputy Mayor), or an attribute the documents never give about a place they name.
No rule names a particular question: the variants come from spaCy's reading of each question.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from .question import nlp
from .text import normalise, sentence_spans

_SWAPPABLE = ("GPE", "PERSON", "ORG")
# (question, the word that would give it away when it shares a sentence with the place)
_ATTRIBUTES = (("What is the population of {}?", "population"), ("What is the annual budget of {}?", "annual"),
               ("In what year was {} founded?", "founded"))


def counterfactuals(rows: list[dict], documents: list[str]) -> list[dict]:
    """Unanswerable variants of the answerable, history-free rows (ids `<id>-cf-<kind>`)."""
    sentences = [normalise(d[s:e]) for d in documents for s, e in sentence_spans(d)]
    corpus = normalise(" ".join(documents))
    pool = _entities_by_label(documents)
    out: list[dict] = []
    seen = {normalise(r["question"]) for r in rows}
    for row in rows:
        if not row.get("answerable", True) or row.get("history") or row.get("kind") in ("zh", "talking-points"):
            continue
        question = row["question"]
        answers = [normalise(a) for group in row.get("expect") or [] for a in group]
        variants = {
            "year": _moved_number(question, r"\b(?:19|20)\d\d\b", (3, -3, 7), corpus),
            "number": _moved_number(question, r"(?<![\d.-])\b(?!(?:19|20)\d\d\b)\d{1,4}\b(?![.-]\d)", (7, 13, 29), corpus),
            "entity": _swapped_entity(question, pool, sentences, answers),
            "role": _swapped_role(question),
            "attribute": _absent_attribute(question, sentences),
        }
        for kind, text in variants.items():
            if text and normalise(text) not in seen:
                seen.add(normalise(text))
                out.append({"id": f"{row['id']}-cf-{kind}", "question": text, "history": [], "kind": "unanswerable",
                            "answerable": False, "expect": [], "evidence": []})
    return out


def _entities_by_label(documents: list[str]) -> dict[str, list[str]]:
    pool: dict[str, set[str]] = defaultdict(set)
    for doc in nlp().pipe(documents):
        for ent in doc.ents:
            if ent.label_ in _SWAPPABLE and ent.text[:1].isupper() and len(ent.text) > 2:
                pool[ent.label_].add(ent.text)
    return {label: sorted(names) for label, names in pool.items()}


def _moved_number(question: str, pattern: str, steps: tuple[int, ...], corpus: str) -> str | None:
    match = re.search(pattern, question)
    if not match:
        return None
    value = int(match.group())
    for step in steps:
        new = value + step
        if new > 0 and not re.search(rf"\b{new}\b", corpus):
            return question[: match.start()] + str(new) + question[match.end() :]
    return None


def _swapped_entity(question: str, pool: dict[str, list[str]], sentences: list[str], answers: list[str]) -> str | None:
    for ent in nlp()(question).ents:
        if ent.label_ not in pool:
            continue
        names = pool[ent.label_]
        start = int(hashlib.sha256(question.encode()).hexdigest(), 16) % len(names)  # varied, yet reproducible
        for other in names[start:] + names[:start]:
            name = normalise(other)
            if name in normalise(question) or normalise(ent.text) in name or name in normalise(ent.text):
                continue
            if any(name in s and any(a in s for a in answers) for s in sentences):
                continue  # the swapped entity shares a sentence with the answer: the variant may be answerable
            return question[: ent.start_char] + other + question[ent.end_char :]
    return None


def _swapped_role(question: str) -> str | None:
    if re.search(r"\b(deputy|vice)\s+mayor\b", question, re.I):
        return re.sub(r"\b(deputy|vice)\s+(mayor)\b", r"\2", question, count=1, flags=re.I)
    if re.search(r"\bmayor\b", question, re.I):
        return re.sub(r"\b(mayor)\b", r"deputy \1", question, count=1, flags=re.I)
    if re.search(r"\bdirector-general\b", question, re.I):
        return re.sub(r"\b(director-general)\b", r"deputy \1", question, count=1, flags=re.I)
    return None


def _absent_attribute(question: str, sentences: list[str]) -> str | None:
    places = [e.text for e in nlp()(question).ents if e.label_ == "GPE" and e.text[:1].isupper()]
    for place in places:
        name = normalise(place)
        for template, word in _ATTRIBUTES:
            if not any(name in s and word in s for s in sentences):
                return template.format(place)
    return None
