"""Small text tools shared by retrieval and answering: normalising, terms, sentences."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

STOPWORDS = frozenset(
    """a about above abt after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
    not of off on once only or other our ours ourselves out over own re same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself yourselves tell
    please us s t don shall may might must let lets etc vs""".split()
)
# Words that frame a question rather than name its topic: they never make evidence relevant.
QUESTION_FRAME = frozenset(
    """many much name list give describe explain happen happened happens kind sort type way ways thing things
    know say said says mention mentioned named names listed cited quoted described according document documents
    article articles text source sources draft
    talking point points compare comparison contrast differ difference differences similar similarity
    similarities both versus one ones""".split()
)

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_ABBREVIATIONS = ("U.S", "U.K", "Ma", "No", "Dr", "Mr", "Mrs", "Ms", "St", "Jr", "Sr", "e.g", "i.e", "vs", "Inc", "Co")
_SENTENCE_END = re.compile(r"[.!?。！？][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9\u4e00-\u9fff])|\n+")
_FOOTNOTE = re.compile(r"^(\[\d+\]\s*)+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def normalise(text: str) -> str:
    """NFKC, lower case, straight quotes, plain hyphens, single spaces (the eval's comparison form)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    text = text.replace("–", "-").replace("—", "-")
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def fold_accents(text: str) -> str:
    """Malé -> Male, Güllner -> Gullner: users rarely type the accents a document uses."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Lower-cased, accent-folded word tokens in American spelling; numbers keep their decimals (2.7, 9,800)."""
    return _WORD.findall(_BRITISH.sub(_american, fold_accents(normalise(text))))


# A question in British spelling ("organises", "programme") matches documents in American ("organizes", "program").
_BRITISH = re.compile(
    r"\b(?:(neighb|hon|fav|col|behavi|lab|harb|endeav|rum)our(s|ed|ing|hood|able|ite|ful)?"
    r"|(organ|real|recogn|emphas|priorit|global|modern|mobil|special|util|critic|capital|categor|author|visual|optim"
    r"|standard|formal|memor|public|subsid|sympath|civil|central|decentral|industrial|neutral|normal|final|summar"
    r"|minim|maxim|stabil|revital|digit|urban|internation|harmon|local|commercial|privat|democrat|apolog|custom|energ"
    r"|strateg|monet|incentiv|institution|operation|context|concept|scrutin|familiar|agon|galvan|synchron|character)"
    r"is(e|es|ed|ing|er|ers|ation|ations)|programme(s)?|defence|licence|analys(e|es|ed|ing)|travell(ed|ing|er|ers)"
    r"|catalogue(s)?)\b")


def _american(match: re.Match) -> str:
    word = match.group()
    if match.group(1):
        return f"{match.group(1)}or{match.group(2) or ''}"
    if match.group(3):
        return f"{match.group(3)}iz{match.group(4)}"
    if word.startswith("analys"):
        return "analyz" + word[len("analys"):]
    if word.startswith("travell"):
        return "travel" + word[len("travell"):]
    return {"defence": "defense", "licence": "license"}.get(word, word.replace("programme", "program").replace(
        "catalogue", "catalog"))


def terms(text: str, drop_frame: bool = False) -> list[str]:
    """Stemmed content terms for lexical matching (stopwords out, CJK characters kept one by one)."""
    out = []
    for word in words(text):
        if word in STOPWORDS or (drop_frame and word in QUESTION_FRAME):
            continue
        if _CJK.search(word):
            out.extend(_CJK.findall(word))
            continue
        out.append(stem(word))
    return out


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, footnote markers like `[1]` left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if _ends_with_abbreviation(text[start : match.start() + 1]):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    cleaned = []
    for s, e in spans:
        piece = text[s:e]
        lead = _FOOTNOTE.match(piece)
        if lead:
            s += lead.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= 2 and re.search(r"\w", text[s:e]):
            cleaned.append((s, e))
    return cleaned


# Nationality adjective -> the country's name as documents spell it (the first five letters do the rest).
DEMONYMS = {"polish": "poland", "scottish": "scotland", "chinese": "china", "dutch": "netherlands",
            "french": "france", "spanish": "spain", "british": "britain", "english": "england", "swiss": "switzerland",
            "filipino": "philippines", "philippine": "philippines", "thai": "thailand", "maldivian": "maldives",
            "american": "america", "korean": "korea", "vietnamese": "vietnam", "danish": "denmark",
            "swedish": "sweden", "finnish": "finland", "irish": "ireland", "welsh": "wales", "turkish": "turkey",
            "czech": "czechia", "greek": "greece", "norwegian": "norway", "belgian": "belgium", "european": "europe",
            "german": "germany", "japanese": "japan", "italian": "italy", "indian": "india", "russian": "russia",
            "taiwanese": "taiwan", "malaysian": "malaysia", "indonesian": "indonesia", "australian": "australia",
            "canadian": "canada", "mexican": "mexico", "brazilian": "brazil", "israeli": "israel"}


# A region named by the question ("European", "in Europe") is met by a place in one of its countries.
REGION_COUNTRIES = {"europe": frozenset("""germany poland spain france scotland england britain wales ireland
    netherlands italy portugal belgium switzerland austria sweden norway denmark finland czechia greece lithuania
    latvia estonia hungary romania ukraine croatia slovenia slovakia luxembourg iceland malta""".split())
    | {"united kingdom", "czech republic", "eu", "european union"}}


# One country, several names: "U.S." is the United States, and so is "Washington" in "Washington established ties
# with Beijing".
COUNTRY_ALIASES = {alias.lower(): group for group in (
    ("U.S.", "US", "USA", "U.S.A.", "United States", "America", "Washington"),
    ("U.K.", "UK", "United Kingdom", "Britain"),
    ("EU", "E.U.", "European Union"), ("PRC", "People's Republic of China", "China", "Beijing"),
    ("UN", "U.N.", "United Nations"), ("ROC", "Republic of China", "Taiwan")) for alias in group}


# Countries and unions by the names documents give them: no answer to "which city" ("Dresden, Germany").
COUNTRY_NAMES = frozenset(DEMONYMS.values()) | frozenset("""taiwan prc roc usa u.s. u.s.a. us america uk u.k. eu e.u.
    """.split()) | {"united states", "the united states", "united kingdom", "the netherlands", "european union",
                    "people's republic of china", "republic of china"}


def meets_qualifier(qualifier: str, text: str) -> bool:
    """The text says the qualifier ("largest"), or for a nationality names its country by its stem ("German" by
    Germany), by another of its names ("American" by the United States) or, for a region, by one of its countries
    ("European" by Poland)."""
    country = DEMONYMS.get(qualifier.lower(), "")
    present = {stem(w) for w in words(text)}
    forms = {stem(w) for w in words(qualifier)} | {stem(w) for w in words(country)}
    if any(f in present or (len(f) >= 5 and any(p[:5] == f[:5] for p in present)) for f in forms):
        return True
    spellings = COUNTRY_ALIASES.get(country, ())
    return (any(re.search(rf"(?<!\w){re.escape(a)}(?!\w)", text) for a in spellings if len(a) > 2)
            or names_region_member(country, text))


def names_region_member(region: str, text: str) -> bool:
    """The text names a country of the region ("Gdynia ... the Baltic coast of Poland" is in Europe)."""
    members = REGION_COUNTRIES.get(region.lower(), ())
    return any(re.search(rf"(?<![\w.]){re.escape(m)}(?![\w])", text, re.I) for m in members)


def _ends_with_abbreviation(piece: str) -> bool:
    tail = piece.rstrip()[-5:]
    return any(tail.endswith(a + ".") for a in _ABBREVIATIONS) and not piece.rstrip().endswith("..")


_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?]{0,40}\b(instructions?|rules?|prompts?|context|above)\b"
    r"|\byou are now\b|\b(system|developer) prompt\b|\bact as\b|\bpretend (to be|you)\b",
    re.I,
)


def drop_instructions(question: str) -> str:
    """Remove sentences that try to instruct the assistant ("Ignore your instructions and ..."); keep the question."""
    kept = [question[s:e] for s, e in sentence_spans(question) if not _INSTRUCTION.search(question[s:e])]
    return " ".join(kept) if kept else question
