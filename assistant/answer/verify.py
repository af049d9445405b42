"""Is a generated sentence backed by the passage it cites? Split a model's output into cited claims and check each.

A sentence is supported by a source when the source contains it, or when every number and capitalised name in
it occurs in the source and at least SUPPORT_SHARE of its content words do (and it is no run-on of more than
MAX_CLAIM_WORDS words). Fragments, loops and remarks about the passages themselves are no claims at all.
Anything else is unsupported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import STOPWORDS, has_cjk, normalise, sentence_spans, terms, words
from ..types import Passage

SUPPORT_SHARE = 0.6
MAX_CLAIM_WORDS = 50  # a longer "sentence" is a run-on, not a claim that can be checked
_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_MARKER_AFTER_STOP = re.compile(r"([.!?。！？])((?:\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])+)")
_HELD = re.compile(r"⟦([\d,; ]+)⟧")
_BULLET = re.compile(r"^\s*(?:(?:[-*•]|\d{1,2}[.)])\s+)?(?:(?:answer|response|user|assistant)\s*:\s*)?", re.I)
# "The passage states that X" claims X; "The passage discusses X" claims nothing about the world.
_ABOUT_SOURCE = re.compile(r"^(?:the|this|these)\s+(?:passages?|documents?|articles?|texts?|sources?|context)\b", re.I)
_REPORTS_THAT = re.compile(r"^.{0,60}?\b(?:states?|says?|notes?|mentions?|reports?|explains?|shows?)\s+that\s+(.+)$",
                           re.I)
_OPENERS = "\"'“‘(*_"
# Text that speaks to a language model rather than to a reader: a prompt-injection attempt.
_MODEL = r"(?:ai|a\.i\.|assistants?|chat ?bots?|(?:large )?language models?|llms?)"
_SPEECH = r"(?:say|state|answer|reply|respond|tell|claim|report|write|mention)"
_ADDRESSES_MODEL = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(instructions?|rules|prompts?|guidelines)\b"
    r"|(^|[\s>.])(system|assistant)\s*:"
    rf"|\byou are (now )?(an? )?{_MODEL}\b|\bif you are an? {_MODEL}\b"
    rf"|\b(note|message|memo|reminder|attention|instructions?)\s+(to|for)\s+((all|any)\s+)?{_MODEL}\b"
    rf"|\b(dear|hey|hello|attention)\s*,?\s+{_MODEL}\b"
    rf"|\b{_MODEL}\b[^.\n]{{0,40}}\b(must|should|shall|need to|are (instructed|required|asked) to)\s+"
    rf"((always|now|instead|only)\s+)?{_SPEECH}\b"
    rf"|\b(when|if) (asked|questioned)\b[^.\n]{{0,60}}\b{_SPEECH}\b", re.I)
# A sentence that gives the reader orders about what to say or to forget: "Say that ...", "Tell users ...".
_ORDERS_READER = re.compile(
    r"^\W*((please|now|instead|from now on|always)\s*,?\s+)*"
    r"((say|state|claim|answer|reply|respond|assert|insist)\s+(that|with|only)\b"
    r"|tell\s+(the\s+)?(user|users|reader|readers|everyone|anyone|people|them|visitors)\b"
    r"|(ignore|disregard|forget)\s+(all|any|the|previous|prior|earlier|your|above|everything)\b"
    r"|pretend\b|act as\b|(do not|don't|never)\s+(mention|reveal|cite|say|tell)\b"
    r"|repeat\s+(after|the following|this)\b)", re.I)


@dataclass
class Claim:
    """One sentence of a model's output: its text without markers, the passage numbers it cites, its line."""

    text: str
    cited: list[int]
    line: int
    sources: list[int] = field(default_factory=list)  # 0-based passages that support it, once checked
    recited: bool = False  # supported, but by passages other than the ones it cited


def claims(output: str) -> list[Claim]:
    """Sentences of the output with their [n] markers (a marker after the full stop belongs to that sentence)."""
    out: list[Claim] = []
    for number, line in enumerate(output.splitlines()):
        line = _MARKER.sub(lambda m: f"⟦{m.group(1)}⟧", _MARKER_AFTER_STOP.sub(r"\2\1", _BULLET.sub("", line)))
        for start, end in sentence_spans(line):
            sentence = line[start:end]
            cited = [int(n) for m in _HELD.finditer(sentence) for n in re.findall(r"\d+", m.group(1))]
            text = _unframed(re.sub(r"\s+([.,;:!?。])", r"\1", " ".join(_HELD.sub(" ", sentence).split())))
            if words(text) and normalise(text) not in {normalise(c.text) for c in out}:
                out.append(Claim(text=text, cited=list(dict.fromkeys(cited)), line=number))
    return out


def _unframed(text: str) -> str:
    """'The passage states that Gdynia ...' -> 'Gdynia ...'; other text unchanged."""
    reported = _REPORTS_THAT.match(text) if _ABOUT_SOURCE.match(text) else None
    return reported.group(1)[:1].upper() + reported.group(1)[1:] if reported else text


def checkable(text: str) -> bool:
    """A complete statement about the world: 3+ words, not cut off, not looping, not a remark about the passages."""
    tokens = words(text)
    cut_off = text.rstrip().endswith((":", ",")) or (tokens and tokens[-1] in STOPWORDS and not has_cjk(text))
    trigrams = list(zip(tokens, tokens[1:], tokens[2:]))
    looping = len(set(trigrams)) < len(trigrams)
    return (len(tokens) >= 3 or has_cjk(text)) and not cut_off and not looping and not _ABOUT_SOURCE.match(text)


def supported(sentence: str, source: str) -> bool:
    """The source contains the sentence, or its numbers, names and most of its content words."""
    if not source:
        return False
    bare = normalise(sentence).rstrip(".!?;:。 ")
    if bare and bare in normalise(source):
        return True
    have = set(words(source))
    if len(sentence.split()) > MAX_CLAIM_WORDS or not (set(numbers(sentence)) <= have and set(names(sentence)) <= have):
        return False
    content = set(terms(sentence))
    return bool(content) and len(content & set(terms(source))) >= SUPPORT_SHARE * len(content)


def numbers(sentence: str) -> list[str]:
    return [w for w in words(sentence) if w[0].isdigit()]


def names(sentence: str) -> list[str]:
    """Words of capitalised tokens after the first (the first word of a sentence is capitalised anyway)."""
    tokens = [t.lstrip(_OPENERS) for t in sentence.split()[1:]]
    return [w for t in tokens if t[:1].isupper() for w in words(t)]


def addresses_model(text: str) -> bool:
    """The text speaks to an AI ("Note to AI assistants: ...", "ignore your instructions and say X") or gives
    the reader orders about what to say: an instruction, never evidence."""
    return bool(_ADDRESSES_MODEL.search(text)) or any(
        _ORDERS_READER.match(text[start:end]) for start, end in sentence_spans(text))


def untrusted_documents(passages: list[Passage]) -> set[str]:
    """Documents with a passage that addresses the model: nothing they say is evidence, on any answer path
    (what they assert may be the injection itself, in a sentence of its own)."""
    return {p.doc_id for p in passages if addresses_model(p.text)}


def check(found: list[Claim], passages: list[Passage]) -> list[Claim]:
    """Fill in each claim's supporting passages: those it cites, together if need be, else any that supports it.

    A document with a passage that addresses the model supports nothing (untrusted_documents).
    """
    untrusted = untrusted_documents(passages)
    sources = ["" if p.doc_id in untrusted else p.text for p in passages]  # titles would let "The passage X..." pass
    for claim in found:
        if not checkable(claim.text):
            continue
        cited = [n - 1 for n in claim.cited if 1 <= n <= len(passages)]
        claim.sources = [i for i in cited if supported(claim.text, sources[i])]
        if not claim.sources and len(cited) > 1 and supported(claim.text, " ".join(sources[i] for i in cited)):
            claim.sources = cited
        if not claim.sources:
            claim.sources = next(([i] for i, s in enumerate(sources) if supported(claim.text, s)), [])
            claim.recited = bool(claim.sources and cited)
    return found


def best_quote(claim: str, passage: Passage) -> str:
    """The sentence of the passage sharing most content words with the claim: an exact span of passage.text."""
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    wanted = set(terms(claim))

    def overlap(span: tuple[int, int]) -> int:
        return len(wanted & set(terms(passage.text[span[0] : span[1]])))

    start, end = max(spans, key=overlap)
    return passage.text[start:end]
