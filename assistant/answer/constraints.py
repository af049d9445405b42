"""Does a candidate sentence satisfy every constraint of the Query? ok, missing (look further) or conflict.

The evidence is the sentence, its neighbours and its document's title: names, roles, years, months,
numbers, ordinals, qualifiers and rates stated by the question must all be there, and the sentence itself
must fill the asked slot with a span of the right type that the question does not already hold. A
*conflict* is evidence about the question's subject that says otherwise (2013, not 2016; Deputy Mayor, not
Mayor; No.2, not third): the answer then corrects the premise instead of answering it.
"""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Iterator

from ..question import (
    MONTHS, NAMED_KINDS, NUMBER_WORDS, ORDINALS, ORG_NOUNS, PERSON_NOUNS, PLACE_NOUNS, ROLE_MODIFIERS, ROLE_TITLES,
    SHARE_ASKED, SUBSET_ASKED, YEAR, nlp,
)
from ..text import COUNTRY_ALIASES, COUNTRY_NAMES, DEMONYMS, STOPWORDS, fold_accents, meets_qualifier, stem, terms, words
from ..types import Query, Role
from .evidence import (
    Evidence, asked_acronyms, coverage, dated_years, defines_acronym, entity_coverage, has_answer_type, neighbour,
    paragraph_so_far, referred_names, running_time, spells_out_asked,
)
from .sentence_store import SentenceStore

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

OK, MISSING, CONFLICT = "ok", "missing", "conflict"
_ORDINAL_WORDS = {n: word for word, n in ORDINALS.items()}
_ORDINAL_IN_TEXT = re.compile(r"\bno\.\s?(\d{1,2})\b|\b(\d{1,2})(?:st|nd|rd|th)\b|\b(" + "|".join(_ORDINAL_WORDS.values())
                              + r")\b", re.I)
_MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b", re.I)
_DAY = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+\d{1,2}\b|\b\d{1,2}\s+(" + "|".join(MONTHS) + r")\b", re.I)
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b|\b(" + "|".join(NUMBER_WORDS) + r"|dozens?|hundreds?|thousands?|millions?)\b",
                     re.I)
_MONEY = re.compile(r"(NT\$|US\$|\$|€|£|¥)\s?\d|\b\d[\d.,]*\s*(million|billion)?\s*(dollars?|euros?|yuan|yen|pounds?)\b",
                    re.I)
_SHARE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:%|percent\b|per cent\b)|\b(?:half|a third|a quarter|two thirds|"
                    r"three quarters|one in \w+)\b", re.I)
_DURATION = re.compile(r"\b(\d+|a few|several|" + "|".join(NUMBER_WORDS) + r")[- ](hours?|days?|weeks?|months?|years?|"
                       r"decades?)\b|\b(a|one) (day|week|month|year|decade)\b", re.I)
_RATE_IN_TEXT = r"\b(?:a|per|each|every)\s+{unit}\b|\b{adverb}\b"
_RATE_ADVERB = {"year": "annual(?:ly)?|yearly", "month": "monthly", "week": "weekly", "day": "daily"}
# Kinds of organisation whose names carry the kind ("Taiwan Economic and Cultural Office", "Tourism Bureau"), unlike
# a university or school, often named short ("San Jose and Stanford").
_KINDS_NAMED_IN_FULL = frozenset(stem(w) for w in "office bureau agency ministry department embassy council institute".split())
# A school is named as one even when short ("Zhongshan Senior High", "Wenzao College"), unlike a university.
_NAME_HEADS = {stem("school"): re.compile(r"\b(?:School|High|College|Academy|University)\b")}
_PERSON_LABELS = {"PERSON"}
_PLACE_LABELS = {"GPE", "LOC", "FAC"}
_ORG_LABELS = {"ORG", "FAC", "GPE", "NORP", "PRODUCT", "EVENT"}


@dataclass(frozen=True)
class Verdict:
    """ok, missing or conflict, why, and where the asked-for span is when a neighbour holds it (-1 before, +1 after)."""

    status: str
    reason: str = ""
    neighbour: int = 0
    premise: bool = False  # a conflict with what the question takes as given (who holds which title)


def judge(query: Query, cand: Evidence) -> Verdict:
    """Check every constraint of the query against one candidate sentence; the first failure decides."""
    window = f"{cand.text} {cand.context} {cand.passage.title}"
    whole = f"{cand.passage.title} {cand.passage.text}"
    checks = (
        # A Chinese question's rendering is word by word: its names are checked against the passage, not the window.
        # A name the paragraph gave before is still its subject ("The PAIR program ... For instance, two artists").
        lambda: _entities(query, cand.text, whole if query.language == "zh" else f"{window} {paragraph_so_far(cand)}",
                          cand.document or whole),
        lambda: _titled_otherwise(query, cand.text),
        lambda: _roles(query, cand.text, window, cand.document or cand.passage.text),
        # "This July" in a 2025 article is July 2025.
        lambda: _years(query, cand.text, " ".join([window, *dated_years(f"{cand.text} {cand.context}", cand.passage.date),
                                                   running_time(cand)])),
        lambda: _months(query, cand.text, f"{window} {running_time(cand)}"),
        *(partial(check, query, cand.text, window) for check in (_numbers, _ordinals, _rate, _subject)),
        # A nationality describes the asked-for thing, which the passage may name sentences away ("... of Poland").
        lambda: _qualifiers(query, cand.text, whole),
        # A reason is often given beside the sentence that reports the event.
        # A verb that only tells which thing is meant ("the workshop Kaohsiung co-hosted") may be the paragraph's.
        lambda: _actions(query, window if query.answer_type == "reason" else cand.text,
                         f"{window} {paragraph_so_far(cand)}"),
        # "Did X bring in more than Y?", "Does it have more ... than any other city?": only a comparison answers.
        lambda: (Verdict(MISSING, "makes no comparison") if query.answer_type == "yesno"
                 and _COMPARES.search(query.english) and not _compares_the_same(query, cand.text) else Verdict(OK)),
        lambda: _destination(query, cand.text, cand.context),
        lambda: _place_swapped(query, cand.text, cand.document or cand.passage.text),
        lambda: _office_elsewhere(query, cand.text),
        lambda: _holder_swapped(query, cand.text, cand.document or cand.passage.text),
        lambda: _possessions(query, cand.text),
        lambda: _money_kind(query, cand.text),
        lambda: _realised(query, cand.text),
    )
    for check in checks:
        verdict = check()
        if verdict.status != OK:
            return verdict
    if query.answer_type == "reason" and _CONSEQUENCE.match(cand.text) and neighbour(cand, -1) is not None:
        return Verdict(OK, neighbour=-1)  # "Therefore, ...": the reason is the sentence before
    verdict = _slot(query, cand.text)
    if verdict.status == MISSING:
        # "Convening experts from 21 countries, ..." follows the sentence that names the workshop; a neighbour about
        # another number ("2-nanometer chips" beside "its third 3-nanometer plant") is about another thing.
        for step in (1, -1):
            other = neighbour(cand, step)
            if (other is not None and _on_topic(query, other.text) and _slot(query, other.text).status == OK
                    and all(_names(owner, other.text) for owner in _focus_owners(query))
                    and _possessions(query, other.text).status == OK
                    and _numbers(query, other.text, other.text).status == OK):
                return Verdict(OK, neighbour=step)
        # "... signed in October 2025, senior officials from both cities ...": the cities are the ones the
        # sentences before it name.
        if query.answer_type in ("place", "organisation") and _BOTH_SIDES.search(cand.text):
            for step in (-1, -2, -3):
                other = neighbour(cand, step)
                if other is not None and fresh_names(query, other.text):
                    return Verdict(OK, neighbour=step)
    return verdict


_CONSEQUENCE = re.compile(r"(Therefore|Thus|Hence|Consequently|Accordingly|As a result|For this reason|"
                          r"That is why|This is why)\b")
_BOTH_SIDES = re.compile(r"\b(both|the two) (cities|sides|partners|countries|municipalities|ports)\b", re.I)


# A comparison or superlative the question claims ("more ... than", "the largest"), and what states one.
_CLAIMS = r"than|most|least|largest|biggest|highest|lowest|best|worst"
_COMPARES = re.compile(rf"\b({_CLAIMS})\b", re.I)
_RANKS = re.compile(rf"\b({_CLAIMS}|more|less|fewer|larger|bigger|higher|lower|greater|first|second|third|top|only|"
                    r"No\.\s?\d|rank\w*|lead\w*|compar\w*)\b", re.I)


def _compares_the_same(query: Query, sentence: str) -> bool:
    """A comparing sentence about what the question compares: "more sister-school ties than" is not answered by
    a ranking of sister-city partnerships."""
    if not _RANKS.search(sentence):
        return False
    if len(query.entities) >= 2 and not all(_names(e, sentence) for e in query.entities):
        return False  # "the largest cluster in Europe" does not compare Dresden with Kaohsiung
    compared = re.search(r"\b(?:more|fewer|less)\s+((?:[\w-]+\s+){0,3}?)than\b", query.english, re.I)
    wanted = {stem(w) for w in words(compared.group(1).replace("-", " ")) if w not in STOPWORDS} if compared else set()
    return wanted <= {stem(w) for w in words(sentence.replace("-", " "))}


# "visited Kaohsiung", "a visit to San Jose", "trip to Dresden": where a visit went.
_VISIT_TO = re.compile(r"\b(?:visit(?:ed|s|ing)?|trip|tour(?:ed|s|ing)?|travel(?:l?ed|s)?|went|came)\s+"
                       r"(?:to\s+)?(?:the\s+)?((?:[A-Z][\w’'.-]+\s?){1,4})")


def _destination(query: Query, sentence: str, context: str) -> Verdict:
    """A visit the question places somewhere ("when he visited Kaohsiung") is not reported by a sentence about a
    visit to the other place it names ("the visit to San Jose"), nor by "the visit aimed to ..." beside one."""
    asked, went = _visited(query.english), _visited(sentence)
    if not went and re.search(r"\b(visit\w*|trip)\b", sentence, re.I):
        went = _visited(context)
    if not asked or not went:
        return Verdict(OK)

    def among(places: list[str], names: list[str]) -> bool:
        folded = [fold_accents(name).lower() for name in names]
        return any(fold_accents(p).lower() in n or n in fold_accents(p).lower() for p in places for n in folded)

    # Only a reversal is known to be wrong: the visit went to the other place the question names ("San Jose Mayor
    # ... visited Kaohsiung" / "the visit to San Jose"); San Jose is in California, which a text need not say.
    others = [e for e in query.entities if not among([e], asked)]
    if among(went, others) and not among(went, asked):
        return Verdict(MISSING, f"a visit elsewhere than {asked[0]}")
    return Verdict(OK)


def _place_swapped(query: Query, sentence: str, document: str) -> Verdict:
    """"Who greeted them at San Francisco City Hall?" is not answered by "the visit to San Jose": a sentence that
    names another city in place of the one the question sets its event in (which only the passage names) is about
    that other city. A country holds its cities, and "Edinburgh, Scotland" is in Scotland."""
    asked = fold_accents(query.english + " " + query.standalone).lower()
    for entity in _event_places(query.english, query.entities):
        if _names(entity, sentence):
            continue
        other = next((n for n, label in named(sentence) if label == "GPE" and not _HOME_PLACE.fullmatch(n)
                      and not re.search(rf"{re.escape(n)}[’']s\b", sentence) and not re.search(r"[’']s$", n)
                      and fold_accents(n).lower() not in COUNTRY_NAMES and not _stated(n, asked, whole=True)
                      and not re.search(rf"{re.escape(n)},?\s+(?:in\s+)?{re.escape(entity)}\b", document)), "")
        if other:
            return Verdict(CONFLICT, f"{other}, not {entity}")
    return Verdict(OK)


_OFFICE = r"(?:[Bb]ranch\s+)?(?:[Oo]ffices?|[Bb]ureaus?|[Bb]ranch|[Cc]onsulates?|[Ee]mbass(?:y|ies))\b"


def _office_elsewhere(query: Query, sentence: str) -> Verdict:
    """"Who heads the AIT's Taipei office?" is not answered by "... of the AIT Kaohsiung Branch Office": an
    organisation's office in one city is not its office in another."""
    places = {n for n, label in named(query.english) if label == "GPE"}
    asked = next((p for p in _office_places(query.english) if p in places), "")
    if not asked or re.search(rf"\b{re.escape(asked)}\b", sentence):
        return Verdict(OK)
    given = {n for n, label in named(sentence) if label == "GPE"} | {
        w for n, label in named(sentence) if label in ("ORG", "FAC") for w in n.split()}
    other = next((p for p in _office_places(sentence) if p in given), "")
    return Verdict(CONFLICT, f"{other}'s office, not {asked}'s") if other else Verdict(OK)


def _office_places(text: str) -> list[str]:
    """The capitalised word before each office the text names ("Taipei office", "Kaohsiung Branch Office")."""
    return [m.group(1) for m in re.finditer(rf"\b([A-Z][\w-]+)\s+{_OFFICE}", text)]


def _holder_swapped(query: Query, sentence: str, document: str) -> Verdict:
    """"What did Deputy Mayor Austen discuss on his 2023 visit?" is contradicted by "... when Deputy Mayor
    Bartoszewicz visited": the sentence gives the title the question's person holds to someone else."""
    for person in query.entities:
        if _surname_in(person, sentence):
            continue
        for title, modifier in _titles_held(person, f"{query.english} {document}"):
            others = [holder for owner, mod, holder in _titles(title, sentence)
                      if mod == modifier and holder and not _same_name(person, holder)]
            if others:
                return Verdict(CONFLICT, f"a different {' '.join(filter(None, (modifier, title)))}")
    return Verdict(OK)


def _titled_otherwise(query: Query, sentence: str) -> Verdict:
    """"What did San Jose Mayor Joseph Hedges say?" is contradicted by "... Director of International Affairs Joseph
    Hedges": the sentence gives the person the question titles another title."""
    for person in query.entities:
        asked, given = _title_before(person, query.english), _title_before(person, sentence)
        if asked and given and not _same_title(asked, given):
            return Verdict(CONFLICT, f"{person} is {' '.join(filter(None, given[::-1]))}, not "
                                     f"{' '.join(filter(None, asked[::-1]))}", premise=True)
    return Verdict(OK)


_TITLE_WORD = re.compile(rf"(?i)\b(?:({'|'.join(ROLE_MODIFIERS)})[\s-]+)?({'|'.join(sorted(ROLE_TITLES, key=len, reverse=True))})\b")


def _title_before(person: str, text: str) -> tuple[str, str] | None:
    """(title, modifier) written just before a person's full name: "San Jose Mayor Joseph Hedges" (mayor),
    "Director of International Affairs Joseph Hedges" (director); None where no title leads to the name."""
    at = text.find(person)
    if at < 0 or len(person.split()) < 2:
        return None
    lead = re.split(r"[,;:()]|\b(?:and|with|by|met|said|says)\b", text[:at])[-1]
    found = list(_TITLE_WORD.finditer(lead))
    return (found[-1].group(2).lower(), (found[-1].group(1) or "").lower()) if found else None


def _same_title(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return bool(a[1]) == bool(b[1]) and (a[0] in _SAME_ROLE.get(b[0], (b[0],)) or b[0] in _SAME_ROLE.get(a[0], (a[0],)))


def _surname_in(person: str, text: str) -> bool:
    return bool(re.search(rf"\b{re.escape(fold_accents(_surname(person)))}\b", fold_accents(text), re.I))


# A romanised Chinese given name ("Chi-mai", "Ta-sheng"): the family name comes first ("Mayor Chen" is Chen Chi-mai).
_CHINESE_GIVEN_NAME = re.compile(r"[A-Z][a-z]+-[a-z]+")


def _surname(name: str) -> str:
    parts = name.split()
    return parts[0] if len(parts) > 1 and _CHINESE_GIVEN_NAME.fullmatch(parts[-1]) else parts[-1]


@lru_cache(maxsize=256)
def _titles_held(person: str, text: str) -> tuple[tuple[str, str], ...]:
    """The (title, modifier) pairs the text gives a person ("Deputy Mayor Bartłomiej Austen": mayor, deputy)."""
    if not person[:1].isupper():
        return ()
    return tuple(dict.fromkeys((title, modifier) for title in ROLE_TITLES if re.search(rf"(?i:\b{title}\b)", text)
                               for _, modifier, holder in _titles(title, text)
                               if holder and _same_name(person, holder)))


@lru_cache(maxsize=1024)
def _event_places(english: str, entities: tuple[str, ...]) -> tuple[str, ...]:
    """The places, not Kaohsiung and no country, the question sets its event in ("at San Francisco City Hall");
    read once a question, not once a candidate."""
    places = {text for text, label in named(english) if label in ("GPE", "FAC")}
    return tuple(e for e in entities if any(p in e or e in p for p in places)
                 and re.search(rf"\b(?:in|at|to|from|into|near)\s+(?:the\s+)?{re.escape(e)}\b(?![’']s)", english)
                 and not _HOME_PLACE.fullmatch(e) and fold_accents(e).lower() not in COUNTRY_NAMES)


def _visited(text: str) -> list[str]:
    return [m.group(1).strip() for m in _VISIT_TO.finditer(text)]


def _focus_owners(query: Query) -> list[str]:
    """Names that own the counted noun ("Orange County schools"): a count elsewhere is not theirs."""
    focus = re.escape(query.focus)
    return [e for e in query.entities if focus and re.search(rf"{re.escape(e)}(?:['’]s)?\s+{focus}\b", query.english)]


def _on_topic(query: Query, sentence: str) -> bool:
    """The sentence shares a word of what is asked, beyond the names ("the workshop"): a neighbour that only
    names some place or person is not where the answer continues."""
    names = {t for e in query.entities + query.context_entities for t in terms(e)}
    return bool((set(query.predicate) - names) & set(terms(sentence)))


# "What did Wang tell them about supply chains?": what was said must be on that subject.
_SAID_ABOUT = re.compile(r"\b(?:say|said|says|tell|told|talk\w*|discuss\w*|spoke|speak\w*|present\w*|shar\w+|"
                         r"explain\w*|note\w*|stress\w*|learn\w*|ask\w*)\b[^?]*?\babout\s+(?!(?:what|when|where|how|why|"
                         r"who|which|it|them|this|that|these|those)\b)([^?,;]+)", re.I)


def _subject(query: Query, sentence: str, window: str) -> Verdict:
    """A question about what someone said on a subject needs the subject's own words near the sentence."""
    said = _SAID_ABOUT.search(query.english)
    if not said:
        return Verdict(OK)
    names = {t for e in query.entities + query.context_entities for t in terms(e)}
    subject = [t for t in terms(said.group(1)) if t not in names]
    # Half of the subject's words, as coverage matches them ("tech" is a stub of "technology").
    if not subject or coverage(dict.fromkeys(subject, 1.0), set(terms(window))) >= 0.5:
        return Verdict(OK)
    return Verdict(MISSING, f"says nothing about {said.group(1).strip()}")


_A_DOCUMENT = r"(?:article|piece|story|report|document|text|essay|paper|analysis)s?\b"


def _entities(query: Query, sentence: str, window: str, document: str) -> Verdict:
    """Every name the question states (or the short form its document gave it), or for a comparison one of the
    compared sides."""
    # "the Silicon Valley article" names the document the answer is in, not something the sentence must name.
    referred = {e for e in query.entities if re.search(rf"{re.escape(e)}\s+{_A_DOCUMENT}", query.english, re.I)
                and _names(e, document)}
    referred |= set(referred_names(list(query.entities), window, document))
    missing = [e for e in query.entities
               if e not in referred and not any(_names(form, window) for form in COUNTRY_ALIASES.get(e.lower(), (e,)))
               and not _located_in(e, window, document)]
    if query.mode == "compare" and len(missing) < len(query.entities):
        return Verdict(OK)
    return Verdict(MISSING, f"does not name {missing[0]}") if missing else Verdict(OK)


_PROPER_NAME = re.compile(r"\b[A-Z][\w’'-]+(?:\s+(?:of\s+)?[A-Z][\w’'-]+)*")


def _located_in(place: str, window: str, document: str) -> bool:
    """The window names a place its document puts in the asked one ("Stanford University", which the document
    calls "Stanford University in California", meets a question about the California trip)."""
    names = {" ".join(m.group().split()[i:]) for m in _PROPER_NAME.finditer(window)  # "At Bergen University"
             for i in range(len(m.group().split()))}
    return any(re.search(rf"\b{re.escape(name)},?\s+(?:in\s+)?(?:the\s+)?{re.escape(place)}\b", document)
               for name in names if name != place and any(w not in _GENERIC_NAME_WORDS | STOPWORDS for w in words(name)))


def _names(name: str, window: str) -> bool:
    # "San Francisco's Taiwan Economic and Cultural Office" is not Manila's: whose it is must be named too.
    owner = re.match(r"(.+?)[’']s\s", name)
    if owner and not _names(owner.group(1), window):
        return False
    if any(not re.search(rf"(?<![\d.,]){n}(?![\d.,]\d)", window) for n in re.findall(r"\d+", name)):
        return False  # "Pier 15 Artist" is not the "Pier 2 Artist" the text names
    return entity_coverage([name], window) >= _needed_share(name) and entity_coverage(_distinctive(name), window) >= 0.5


def _needed_share(name: str) -> float:
    """A short name must be there whole ("New York" is not "new"); a long one mostly ("San Jose City Hall")."""
    return 1.0 if len([w for w in words(name) if w not in STOPWORDS]) <= 2 else 0.5


# Words many names share: "Glasgow City Council" is not named by a passage about Edinburgh's city council.
_GENERIC_NAME_WORDS = PLACE_NOUNS | ORG_NOUNS | frozenset("""council councils county hall centre center stadium museum
    park district province government metropolitan municipal national international""".split())


def _distinctive(name: str) -> list[str]:
    """The words of a name that tell it from others of its kind (at least one of them must be there)."""
    own = [w for w in words(name) if w not in _GENERIC_NAME_WORDS and w not in STOPWORDS]  # words() lower-cases
    return own if len(own) < len(words(name)) else []


def _qualifiers(query: Query, sentence: str, window: str) -> Verdict:
    # "Taiwan's largest city" is contradicted by "Taiwan's second largest city" (unless the question ranks it so).
    for qualifier in query.qualifiers if not query.ordinals else ():
        ranked = re.search(rf"{_ranked(qualifier)}\s+(\w+)", sentence, re.I)
        described = re.search(rf"\b(?:{re.escape(qualifier)}|most populous)\s+(\w+)", query.english, re.I)
        if ranked and (not described or stem(described.group(1).lower()) == stem(ranked.group(2).lower())):
            return Verdict(CONFLICT, f"{ranked.group(1)} {qualifier}")
    # "largest" by its own stem (not as "second largest"), "American" also by the United States, "European" by Poland
    # or the EU.
    missing = next((q for q in query.qualifiers
                    if not meets_qualifier(q, re.sub(rf"{_ranked(q)}\b", "", window, flags=re.I))), None)
    return Verdict(MISSING, f"not {missing}") if missing else Verdict(OK)


def _ranked(qualifier: str) -> str:
    """A pattern for the qualifier ranked below first ("second largest", "No.2 largest"), the rank its group 1."""
    return rf"\b(second|third|fourth|fifth|sixth|No\.\s?[2-9])[\s-]+{re.escape(qualifier)}"


def _roles(query: Query, sentence: str, window: str, document: str) -> Verdict:
    """The titles must be there, with their modifier (a Deputy Mayor is not the Mayor) and their owner; a person
    the sentence names holds the title the document gives them ("San Jose Mayor Matt Mahan" ... "Mahan praised")."""
    named_here = set(re.findall(r"\b[A-Z][\w’'-]{2,}", sentence))
    for role in query.roles:
        titles = _SAME_ROLE.get(role.title, (role.title,))
        found = [(owner, modifier) for title in titles for owner, modifier, _ in _titles(title, window)]
        found += [(owner, modifier) for title in titles for owner, modifier, holder in _titles(title, document)
                  if set(holder.split()) & named_here - {owner}]
        if not found:
            return Verdict(MISSING, f"names no {role.title}")
        same = [owner for owner, modifier in found if bool(modifier) == bool(role.modifier)]
        if not same:
            return Verdict(CONFLICT, f"a different {role.title}")
        if role.owner and not any(not owner or any(_same_name(role.owner, word) for word in owner.split())
                                  or _titled_as_asked(role, owner, query.english, sentence) for owner in same):
            # Another city's mayor does not contradict the question: it is about someone else.
            return Verdict(MISSING, f"the {role.title} of another place")
    return Verdict(OK)


def _titled_as_asked(role: Role, owner: str, question: str, sentence: str) -> bool:
    """"San Jose's Director of International Affairs": the sentence's "San Jose Mayor Matt Mahan and Director of
    International Affairs Joseph Hedges" gives the title the department the question gives it, and names San Jose."""
    department = " ".join(owner.split()[:2])
    return bool(re.search(rf"\b{re.escape(role.title)}\s+of\s+(?:the\s+)?{re.escape(department)}\b", question, re.I)) \
        and entity_coverage([role.owner], sentence) == 1.0


# Owners whose belongings are told apart by a sentence naming someone else: a place's or an organisation's; a
# person's too ("Ed Sheeran's concerts"), except the groups and journeys a person leads ("Chen's delegation" is
# Kaohsiung's delegation).
_OWNER_LABELS = frozenset({"GPE", "ORG", "NORP", "LOC", "FAC"})
_LED_BY_A_PERSON = frozenset("delegation delegations team teams entourage trip trips visit visits administration".split())


# Kinds of amount: a ticket price is not what a concert series brought in, nor a budget what was invested.
_MONEY_KINDS = {
    "price": r"prices?|priced|costs?|fees?|fares?|charges?",
    "revenue": r"revenues?|income|sales|earnings|takings|brought\s+in|generated",
    "investment": r"invest\w*",
    "budget": r"budgets?|funding|spending|spent|grants?",
    "profit": r"profits?",
}


def _money_kind(query: Query, sentence: str) -> Verdict:
    """"What was the ticket price for Blackpink's concerts?": a sentence giving the concerts' tourism revenue names
    another kind of amount, and no price."""
    if query.answer_type != "money":
        return Verdict(OK)
    asked, given = _amount_kinds(query.english), _amount_kinds(sentence)
    if asked and given and not asked & given:
        return Verdict(MISSING, f"gives {sorted(given)[0]}, not {sorted(asked)[0]}")
    return Verdict(OK)


def _amount_kinds(text: str) -> set[str]:
    return {kind for kind, forms in _MONEY_KINDS.items() if re.search(rf"\b(?:{forms})\b", text, re.I)}


# What a sentence says was only planned, hoped for or possible: the words after it did not (yet) happen.
_UNREALISED = re.compile(r"\b(?:the )?possibility of\b|\bpotential(?:ly)?\b|\bplann(?:ed|ing)\b|\bplans? to\b"
                         r"|\bset to\b|\baim(?:s|ed)? to\b|\bhop(?:e|es|ed|ing) to\b|\bexpected to\b"
                         r"|\bintend(?:s|ed)? to\b|\bscheduled to\b", re.I)
# A question about plans, hopes and proposals, or about what was said or put forward, asks of the unrealised too.
_ASKS_UNREALISED = re.compile(r"\b(?:plan\w*|aim\w*|goals?|hop(?:e|es|ed|ing)|possib\w*|potential\w*|propos\w*"
                              r"|intend\w*|intention\w*|expect\w*|schedul\w*|prospects?|future|upcoming|next|will"
                              r"|would|could|might|set to)\b", re.I)
_PUT_FORWARD = frozenset("raise float suggest propose highlight offer invite mention".split())
_HOME_WORDS = frozenset({"kaohsiung", "taiwan", "citi", "city"})


def _realised(query: Query, sentence: str) -> Verdict:
    """"In what year did San Jose and Kaohsiung become sister cities?" is not answered by "He highlighted the
    possibility of establishing a formal sister-city relationship": where every word the question shares with the
    sentence comes after the sentence's "possibility of", "planned", "aim to", the question takes as done what the
    documents only say was planned or possible. A question that itself asks about plans, or what someone said or
    put forward, is not held to this; nor is a Chinese one, whose word-by-word rendering may miss its "plan"."""
    asks_unrealised = _ASKS_UNREALISED.search(f"{query.english} {query.standalone}")
    if query.mode in ("points", "compare") or query.language == "zh" or asks_unrealised or any(
            a.main and a.verb in _SAID | _PUT_FORWARD for a in query.actions):
        return Verdict(OK)
    hedge = _UNREALISED.search(sentence)
    if not hedge:
        return Verdict(OK)
    asked = {w for w in query.predicate if w not in _HOME_WORDS and w not in STOPWORDS and len(w) > 2}
    before = {stem(w) for w in words(sentence[: hedge.start()])}
    after = {stem(w) for w in words(sentence[hedge.end() :])}
    if asked & after and not asked & before:
        plan = "a possibility" if re.search(r"possib|potential", hedge.group(), re.I) else "a plan"
        return Verdict(CONFLICT, f"they speak only of {plan}")
    return Verdict(OK)


def _possessions(query: Query, sentence: str) -> Verdict:
    """"Taipei's growing visibility" is not reported by a sentence on "Kaohsiung's growing visibility": a thing the
    question gives one owner is missing where the sentence gives it another."""
    owned = _owned_things(query.english) + _had_things(query.english) + (
        _search_box_owned(query.english, query.entities) if query.terse else ())
    for owner, owner_label, thing in owned:
        if thing in ROLE_TITLES | ROLE_MODIFIERS:  # "Gdynia's deputy mayor": whose title, the role check reads
            continue
        # "Kaohsiung has 45 ... partnerships, second only to Taipei's 53 partners" gives Taipei's count too.
        had = () if _names(owner, sentence) else _had_things(sentence)
        for other, label, same in _owned_things(sentence) + had:
            if same == thing and label in _OWNER_LABELS and not _same_name(owner, other):
                return Verdict(MISSING, f"{other}'s {thing}, not {owner}'s")
        # "Coldplay's concerts" and a sentence on "the concert series" of "the K-pop group Blackpink" beside one
        # naming Coldplay: the thing is there, its owner is not, and someone else is.
        # A person is named by either name ("Chen" is Chen Chi-mai); a group a person leads is their side's, not
        # told apart by the leader's name ("Chen's delegation" is the one "the delegation" sentences name).
        named_here = _names(owner, sentence) or owner_label == "PERSON" and (thing in _LED_BY_A_PERSON or any(
            re.search(rf"\b{re.escape(part)}\b", sentence) for part in owner.split() if len(part) >= 3))
        if owner_label in _OWNER_LABELS | {"PERSON"} and not _HOME_PLACE.fullmatch(owner) \
                and thing in _parsed(sentence)[1] and not named_here:
            others = _other_names(query, sentence)
            if others:
                return Verdict(MISSING, f"{others[0]}'s {thing}, not {owner}'s")
    return Verdict(OK)


@lru_cache(maxsize=1024)
def _search_box_owned(english: str, entities: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """Search-box words name the owner first and then its things: "coldplay kaohsiung concert revenue" asks for
    Coldplay's concert revenue (the home city placing it). Read once a question, not once a candidate."""
    doc = nlp()(english)
    labels = dict(named(english))
    owned = []
    for name in entities:
        at = english.find(name)
        if at < 0 or _HOME_PLACE.fullmatch(name):
            continue
        after = [t for t in doc if t.idx >= at + len(name)]
        owned += [(name, labels.get(name) or "ORG", t.lemma_.lower()) for t in after if t.pos_ == "NOUN"]
    return tuple(owned)


# Names that place or date a fact rather than own it.
_SETTING_LABELS = frozenset("GPE LOC FAC NORP DATE TIME MONEY PERCENT CARDINAL QUANTITY ORDINAL".split())


def _other_names(query: Query, sentence: str) -> list[str]:
    """Capitalised words after the first that the question does not name and that place or date nothing."""
    settings = " ".join(text for text, label in _parsed(sentence)[0] if label in _SETTING_LABELS)
    asked = set(words(query.english)) | set(words(query.standalone))
    return [w for w in re.findall(r"(?<=\s)[A-Z][\w-]+", sentence)
            if w.lower() not in asked and w not in settings and w.lower() not in STOPWORDS]


@lru_cache(maxsize=4096)
def _owned_things(text: str) -> tuple[tuple[str, str, str], ...]:
    """(owner, its entity label, lemma of the thing owned) for each "X's ... thing" naming a proper-noun owner.
    Read from the words, not the parse tree: the parser takes "acknowledge Kaohsiung's growing ..." for a clause."""
    doc = nlp()(text)
    out = []
    for token in doc:
        owner_token = doc[token.i - 1] if token.i else None
        if token.lower_ not in ("'s", "’s") or owner_token is None or owner_token.pos_ != "PROPN":
            continue
        thing = next((t for t in doc[token.i + 1 : token.i + 7] if t.pos_ == "NOUN" and t.dep_ != "compound"), None)
        if thing is None or any(t.is_punct and t.text != "-" or t.pos_ in ("AUX", "ADP", "CCONJ")
                                for t in doc[token.i + 1 : thing.i]):  # "Coldplay's two-day concert series"
            continue
        owner, label = _name_of(doc, owner_token)
        out.append((re.sub(r"['’]s$", "", owner), label, thing.lemma_.lower()))
    return tuple(out)


def _name_of(doc: "Doc", token: "Token") -> tuple[str, str]:
    """The named entity a proper noun is part of, with its label ("San Jose", "GPE"); the word alone otherwise."""
    entity = next((e for e in doc.ents if e.start <= token.i < e.end), None)
    return (entity.text, entity.label_) if entity is not None else (token.text, "")


_HAVING = frozenset("have create sign establish build".split())


@lru_cache(maxsize=1024)
def _had_things(text: str) -> tuple[tuple[str, str, str], ...]:
    """(owner, its entity label, lemma of the thing) for each "X has (created) ... things": "How many sister-school
    ties does Taipei have?" asks for Taipei's, which "Kaohsiung has created 220 sister-school ties" are not."""
    doc = nlp()(text)
    out = []
    for verb in doc:
        if verb.lemma_.lower() not in _HAVING:
            continue
        subject = next((c for c in verb.children if c.dep_ == "nsubj" and c.pos_ == "PROPN"), None)
        thing = next((c for c in verb.children if c.dep_ == "dobj" and c.pos_ == "NOUN"), None)
        if subject is None or thing is None:
            continue
        out.append((*_name_of(doc, subject), thing.lemma_.lower()))
    return tuple(out)


# "The head of the department" is whatever its top title is; an envoy is whatever a government's representative
# abroad is called.
_ENVOYS = ("envoy", "representative", "ambassador", "consul")
_SAME_ROLE = {"head": ("head", "director-general", "director", "chief", "chair", "chairman", "president", "leader"),
              **dict.fromkeys(_ENVOYS, _ENVOYS)}


# A capitalised name of several words, "and", "in" or "of" inside it: "European Economic and Trade Office in Taiwan".
_NAME_RUN = r"[A-Z][\w’'-]+(?:\s+(?:(?:and|in|of|for)\s+)?[A-Z][\w’'-]+)*"


def _titles(title: str, text: str):
    """(owner, modifier, holder) of each mention of a title: "Gdynia Deputy Mayor Katarzyna Austen" ->
    ("Gdynia", "deputy", "Katarzyna Austen"); the holder is the name right after the title, if any."""
    for match in re.finditer(rf"(?i:\b{re.escape(title)}\b)", text):
        before = re.findall(r"[\w’'-]+", text[max(0, match.start() - 60) : match.start()])[-2:]
        modifier = before.pop().lower() if before and before[-1].lower() in ROLE_MODIFIERS else ""
        owner = before[-1] if before and before[-1][:1].isupper() and before[-1].lower() not in STOPWORDS else ""
        holder = re.match(r" ((?:[A-Z][\w’'-]+ ?){1,3})", text[match.end() :])
        holder = holder.group(1).strip() if holder else ""
        # "Head of European Economic and Trade Office in Taiwan", "Branch Chief Neil Gibson of the American Institute
        # in Taiwan": the name after the title, or after its holder, owns it too.
        rest = text[match.end() + (len(holder) + 1 if holder else 0):]
        after = re.match(r"\s+of\s+(?:the\s+)?(" + _NAME_RUN + ")", rest)
        yield (owner or (after.group(1) if after else "")), modifier, holder
        if owner and after:
            yield after.group(1), modifier, holder
        # "Head of European Economic and Trade Office in Taiwan (EETO)" is the EETO's head too.
        acronym = after and re.match(r"[^().;]{0,80}?\(([A-Z]{2,8})\)", rest[after.end() :])
        if acronym and not owner:
            yield acronym.group(1), modifier, holder


def _same_name(a: str, b: str) -> bool:
    """"San Jose" and "Jose" (as a title's owner reads in "San Jose Mayor Matt Mahan") are one name; so are the
    spellings of one name ("Beijing's representative" is "the PRC representative")."""
    if b.lower() in {form.lower() for form in COUNTRY_ALIASES.get(a.lower(), ())}:
        return True
    return fold_accents(_surname(a)).lower()[:5] == fold_accents(_surname(b)).lower()[:5]


def _years(query: Query, sentence: str, window: str) -> Verdict:
    for year in query.years:
        if year not in window:
            return _conflict_or_missing(YEAR.search(sentence), f"not {year}")
        if year not in sentence and YEAR.search(sentence):
            # "In March 2025, Gdynia Deputy Mayor Austen spoke ..." after a sentence on 2023: the year beside it is
            # another event's.
            return Verdict(MISSING, f"not {year}")
    return Verdict(OK)


def _months(query: Query, sentence: str, window: str) -> Verdict:
    for month in query.months:
        if not re.search(rf"\b{month}\b", window, re.I):
            return _conflict_or_missing(_MONTH.search(sentence), f"not {month.title()}")
    return Verdict(OK)


def _numbers(query: Query, sentence: str, window: str) -> Verdict:
    """A stated number must be there; another number on the same thing ("two online sessions" for "four IURC
    online sessions") contradicts it, while a number on something else ("In 2021" for "2-nanometer") does not."""
    present = set(_number_values(window))
    for number in query.numbers:
        counted, own = _numbered_words(query.english).get(number), _numbered_words(sentence)
        others = [nouns for value, nouns in own.items() if value != number]
        if number in present and number not in own:  # said beside the sentence, not in it
            if counted and any(counted & nouns for nouns in others):
                # "2-nanometer chips" for "its 3-nanometer plant": the 3 said beside it is another sentence's.
                return Verdict(CONFLICT, f"not {number}")
            if number in _measures(query.english):
                # "the 3-nanometer plant" is a kind of plant: a chip base in the sentence before it is not that plant.
                return Verdict(MISSING, f"not {number}")
        if number not in present:
            contradicts = any(counted & nouns for nouns in others) if counted else bool(present and others)
            return _conflict_or_missing(contradicts, f"not {number}")
        asked, given = _counted_nouns(query.english).get(number), _counted_nouns(sentence).get(number)
        if asked and given and not (_stem_among(asked[0], given[1]) or _stem_among(given[0], asked[1])):
            # "Kaohsiung already has 220 sister cities": the 220 the documents give are sister-school ties.
            return Verdict(CONFLICT, f"{number} {given[2]}, not {asked[2]}")
    return Verdict(OK)


@lru_cache(maxsize=4096)
def _counted_nouns(text: str) -> dict[str, tuple[str, frozenset[str], str]]:
    """Each number in figures that counts a noun ("220 sister-school ties"; "the two sides" and "both cities" are the
    same two): the noun's stem, the stems of the words from the number to it, and those words."""
    counted = {}
    for token in nlp()(text):
        # "3nm", "3-nanometer" measure a size, not count things.
        if (token.dep_ == "nummod" and token.head.pos_ == "NOUN" and token.head.i > token.i and token.text[:1].isdigit()
                and token.whitespace_):
            noun = token.head
            while noun.dep_ == "compound" and noun.head.i > noun.i:  # "220 sister cities": the cities are counted
                noun = noun.head
            span = token.doc[token.i + 1 : noun.i + 1].text
            value = NUMBER_WORDS.get(token.lower_, token.text.replace(",", ""))
            counted.setdefault(value, (stem(noun.lower_), frozenset(stem(w) for w in words(span.replace("-", " "))), span))
    return counted


def _stem_among(word: str, stems: frozenset[str]) -> bool:
    """"partner" is among "sister-city partnerships", "fab" among "fabrication plant": one stem begins the other."""
    return any(s.startswith(word) or word.startswith(s) for s in stems if min(len(s), len(word)) >= 3)


def _numbered_words(text: str) -> dict[str, set[str]]:
    """Each number's value and the stems of the (up to three) words after it: what it counts or measures."""
    numbered: dict[str, set[str]] = {}
    for match in _NUMBER.finditer(text):
        value = _number_value(match)
        after = [w for w in words(text[match.end() : match.end() + 40].replace("-", " ")) if w not in STOPWORDS]
        numbered.setdefault(value, set()).update(stem(w) for w in after[:3])
    return numbered


_MEASURE = re.compile(r"\b(\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")-(?:nanometer|nm|micron|inch|meter|metre|"
                      r"kilometer|kilometre|km|mile|storey|story|floor|hour|day|week|month|year|minute)s?\b", re.I)


def _measures(text: str) -> set[str]:
    """Numbers joined to their unit that make a kind of thing: "3-nanometer chips", "a two-day series" (not a count:
    "the 21-nation workshop" is the workshop the sentence before it counts)."""
    return {NUMBER_WORDS.get(m.group(1).lower(), m.group(1)) for m in _MEASURE.finditer(text)}


def _number_values(text: str) -> list[str]:
    return [_number_value(match) for match in _NUMBER.finditer(text)]


def _number_value(match: re.Match) -> str:
    token = match.group().lower()
    return NUMBER_WORDS.get(token, token.replace(",", ""))


def _ordinals(query: Query, sentence: str, window: str) -> Verdict:
    stated = {_ordinal_value(m) for m in _ORDINAL_IN_TEXT.finditer(window)}
    for ordinal in query.ordinals:
        if ordinal not in stated:
            return _conflict_or_missing(stated, f"not {_ORDINAL_WORDS.get(ordinal, ordinal)}")
    return Verdict(OK)


def _ordinal_value(match: re.Match) -> int:
    if match.group(1) or match.group(2):
        return int(match.group(1) or match.group(2))
    return ORDINALS[match.group(3).lower()]


def _rate(query: Query, sentence: str, window: str) -> Verdict:
    if not query.rate:
        return Verdict(OK)
    pattern = _RATE_IN_TEXT.format(unit=query.rate, adverb=_RATE_ADVERB.get(query.rate, query.rate + "ly"))
    return Verdict(OK) if re.search(pattern, window, re.I) else Verdict(MISSING, f"no figure per {query.rate}")


def _conflict_or_missing(other_found, reason: str) -> Verdict:
    return Verdict(CONFLICT if other_found else MISSING, reason)


def times_given(query: Query, sentence: str) -> set[str]:
    """The months, years or days (as the query's plural asks) the sentence gives that the question does not."""
    pattern = {"months": _MONTH, "years": YEAR}.get(query.focus, _DAY)
    asked = fold_accents(query.english).lower()
    return {m.group().lower() for m in pattern.finditer(sentence) if not _stated(m.group(), asked, whole=True)}


def fills_slot(query: Query, sentence: str) -> bool:
    """The sentence holds a span of the kind the query asks for that the query does not already state."""
    return _slot(query, sentence).status == OK


def _slot(query: Query, sentence: str) -> Verdict:
    """The sentence holds a span of the asked type that the question does not already state."""
    kind = query.answer_type
    asked = fold_accents(query.english + " " + query.standalone).lower()
    if kind in NAMED_KINDS:
        if kind == "place" and _DIRECTION.search(sentence) and not _DIRECTION.search(asked):
            return Verdict(OK)  # "Where in Taiwan is Kaohsiung?" -> "in southwestern Taiwan"
        fresh = fresh_names(query, sentence)
        if not fresh:
            return Verdict(MISSING, f"names no {kind}")
        if kind == "place" and _ASKS_WHERE.search(asked) and not any(_placed(n, sentence) for n in fresh):
            return Verdict(MISSING, "says where nothing is")  # "invited San Jose to the Expo" is not its venue
        if kind == "place" and query.focus in _FACILITY_NOUNS and not any(_is_facility(n, sentence) for n in fresh):
            return Verdict(MISSING, f"names no {query.focus}")  # "Which venue ...?": Taiwan is no venue
        if kind == "organisation" and stem(query.focus) in _KINDS_NAMED_IN_FULL and stem(query.focus) not in {
                stem(w) for w in words(sentence)}:
            return Verdict(MISSING, f"names no {query.focus}")  # "Which office ...?" wants an Office, not a university
        heads = _NAME_HEADS.get(stem(query.focus)) if kind == "organisation" else None
        if heads and not any(heads.search(n) for n in fresh):
            # "Which Orange County schools ...?" wants a school's name: "the Lowy Institute reveals ... a school
            # exchange MOU" names none.
            return Verdict(MISSING, f"names no {query.focus}")
        return Verdict(OK)
    if kind == "description" and (_ASKS_NAME.search(query.english)
                                  or _ASKS_TITLE.search(query.english) and _named_thing(query.english)):
        # "Give me the name of the forum ..." wants a name, and the forum's: "the Pier-2 Art Center" names no forum.
        # So does "the title of the exhibition" (a person's title is a rank, not a name).
        names = [n for n, label in named(sentence) if label in _NAME_LABELS and not _stated(n, asked, whole=True)]
        thing = _named_thing(query.english)
        if thing:
            # "the Bashi Channel, one of the busiest shipping routes": an apposition names its thing too
            names = [n for n in names if re.search(rf"{re.escape(n)}(?:,\s+(?:one of\s+)?(?:the|a|an)\b)?"
                                                   rf"[^.;,]{{0,30}}?\b{thing}", sentence, re.I)]
            # A title in quotation marks comes after its thing: "a resolution on “Relationship with the City of ...”".
            names += [t for t in _QUOTED_TITLE.findall(sentence)
                      if re.search(rf"\b{thing}\w*\W+(?:\w+\W+){{0,2}}[“\"]{re.escape(t)}", sentence, re.I)]
        if not names:
            return Verdict(MISSING, f"gives no name{' of the ' + thing if thing else ''}")
    if spells_out_asked(query.english) and not defines_acronym(query.english, sentence):
        return Verdict(MISSING, f"does not spell out {asked_acronyms(query.english)[0]}")
    if kind == "reason" and not has_answer_type(sentence, "reason", query.english):
        # "Why did Coldplay pick Kaohsiung over Taipei?" is not answered by "... have chosen Kaohsiung, instead of
        # Taipei": a reason is said in the sentence or the one beside it (judge reads the neighbours for the slot).
        return Verdict(MISSING, "gives no reason")
    pattern = {"date": YEAR if re.search(r"\b(year)\b", asked) else None, "number": _NUMBER, "money": _MONEY,
               "duration": _DURATION}.get(kind, "none")
    if kind == "date" and pattern is None:
        spans = [m.group() for p in (_DAY, _MONTH, YEAR) for m in p.finditer(sentence)]
        # "the two-day concert series" tells how long, not when ("A day after the pact was inked" tells when).
        spans += [t for t, label in named(sentence) if label == "DATE" and not (
            _DURATION.fullmatch(t) and not re.search(rf"{re.escape(t)}\s+(?:after|before|later|earlier)\b", sentence))]
        if re.search(r"\bdates?\b|\bwhat day\b", asked):  # "on what dates": a day, not just a year
            spans = [m.group() for m in _DAY.finditer(sentence)] + [m.group() for m in _MONTH.finditer(sentence)]
    elif pattern == "none":
        return Verdict(OK)
    else:
        found = list(pattern.finditer(sentence))
        if kind == "number" and re.search(SHARE_ASKED, asked):
            found = list(_SHARE.finditer(sentence))
            if not found:
                return Verdict(MISSING, "gives no share")
        elif kind == "number" and _BY_HOW_MUCH.search(asked) and not _DIFFERENCE.search(sentence):
            return Verdict(MISSING, "states no difference")  # "By how many?": 53 and 45 are not "by 8"
        elif kind == "number":  # a year or a date's day is not a count ("In October 2024, ..." holds no number)
            found = [m for m in found if not YEAR.fullmatch(m.group()) and not _in_a_name(sentence, m)]
            if not _counts_focus(query, sentence, found):
                return Verdict(MISSING, f"does not count {_counted_noun(query)[0]}")
            if SUBSET_ASKED.search(query.english) and not all(_names(e, sentence) for e in query.entities):
                # "How many of those are with schools in Orange County?": a count of all of them is not the answer.
                return Verdict(MISSING, f"does not count those of {query.entities[0]}")
        spans = [m.group() for m in found]
    fresh = [s for s in spans if not _stated(s, asked, whole=True)]
    return Verdict(OK) if fresh else Verdict(MISSING, f"gives no {kind}")


_ASKS_NAME = re.compile(r"\b(?:the|its|their|full|official) names? of\b|\bwhat (?:is|was|are|were) (?:it|they|\w+) "
                        r"(?:called|named)\b|\bwhat (?:is|was) (?:the|its|their) (?:full |official )?name\b"
                        r"|\bwhat(?:['’]s| is| was| are| were)\b[^?.]*\b(?:called|named)\W*$", re.I)  # "what's the forum called?"
_QUOTED_TITLE = re.compile(r"[“\"]([A-Z][^”\"]{2,80}?)[,.]?[”\"]")  # capitalised, as titles are; a quote's words are not
_ASKS_TITLE = re.compile(r"\b(?:the|its|their) titles? of\b|\bwhat (?:is|was) (?:the|its|their) title\b", re.I)


_NAME_NOUNS = ("name", "names", "title", "titles")


@lru_cache(maxsize=256)
def _named_thing(question: str) -> str:
    """The kind of thing whose name is asked: "forum" in "the name of the art forum", "What's the forum called?"
    ("" for a person, whose name holds no title)."""
    doc, thing = nlp()(question), None
    for token in doc:
        if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.lower_ in _NAME_NOUNS:
            thing = token
        elif (thing is None and token.dep_ in ("nsubj", "nsubjpass") and token.pos_ == "NOUN"
              and token.lower_ not in _NAME_NOUNS):
            thing = token
    return "" if thing is None or thing.lower_ in PERSON_NOUNS else re.escape(thing.lemma_.lower())


_NAME_LABELS = frozenset("PERSON ORG GPE LOC FAC EVENT WORK_OF_ART PRODUCT LAW NORP".split())
_ASKS_WHERE = re.compile(r"\bwhere\b|\b(venue|location)s?\b")


_FACILITY_NOUNS = frozenset("venue venues stadium stadiums arena arenas hall halls building buildings terminal "
                            "terminals auditorium theatre theater museum".split())
_FACILITY_HEADS = re.compile(r"\b(?:Stadium|Arena|Park|Cent(?:er|re)|Hall|Museum|Terminal|Pier|Airport|Building|"
                             r"Theat(?:er|re)|Auditorium|Gallery|Campus)\b")


def _is_facility(name: str, sentence: str) -> bool:
    """A building or grounds, not a town or country: spaCy's FAC, or a name ending in such a word."""
    return (name, "FAC") in named(sentence) or _FACILITY_HEADS.search(name) is not None


def _placed(name: str, sentence: str) -> bool:
    """The sentence puts something at this place: after a preposition of place or a verb of going there."""
    return re.search(r"\b(?:in|at|on|near|to|inside|outside|across|within|from|of|visit\w*|toured?)\s+(?:the\s+)?"
                     + re.escape(name), sentence) is not None


# A compass direction places a thing within a place the question names ("southwestern Taiwan", "south of X").
_DIRECTION = re.compile(r"\b(?:north|south)(?:east|west)?(?:ern)?\b(?! (?:korea|america|africa))|"
                        r"\b(?:eastern|western)\b|\b(?:east|west) of\b", re.I)


_BY_HOW_MUCH = re.compile(r"\bby how (?:many|much)\b")
_DIFFERENCE = re.compile(r"\bby\s+(?:about\s+|over\s+|nearly\s+|almost\s+|some\s+)?(?:\d|" + "|".join(NUMBER_WORDS)
                         + r")|\b\d[\d,.]*\s*(?:%|percent|per cent)?\s+(?:more|fewer|less|higher|lower)\b", re.I)


def _in_a_name(sentence: str, number: re.Match) -> bool:
    """"Pier 2 Artist in Residence": a number between two capitalised words is part of a name, not a figure."""
    before = sentence[: number.start()].split()
    after = sentence[number.end():].split()
    return bool(before and after and before[-1][:1].isupper() and after[0][:1].isupper() and len(before) > 1)


def _counts_focus(query: Query, sentence: str, numbers: list[re.Match]) -> bool:
    """"How many students ...?" is not answered by "220 sister-school ties": the counted noun must sit beside
    one of the sentence's `numbers`."""
    focus, modifiers = _counted_noun(query)
    if not focus or focus in ("times", "much", "many") or focus in _FIGURE_NOUNS or not focus.isalpha() or (
            query.language == "zh" or query.parts):
        return True  # a two-part question's focus may belong to the other part
    nouns = _HEADCOUNT if focus in _HEADCOUNT else (focus,)  # "how many people": visitors are people too
    counted = {stem(noun) for noun in nouns}  # exact stems: "countries" is not "County"
    counted |= {stem(w) for same in _SAME_THINGS if counted & {stem(w) for w in same} for w in same}
    narrowed = {stem(m) for m in modifiers}  # "member cities" are not "dozens of cities"
    return any(counted & phrase and narrowed <= phrase for phrase in (_counted_by(sentence, m) for m in numbers))


def _counted_noun(query: Query) -> tuple[str, tuple[str, ...]]:
    """The noun a count is asked of, with its modifiers: "What population figure ...?" counts the population."""
    focus, modifiers = query.focus.lower(), query.modifiers
    return (modifiers[-1], modifiers[:-1]) if focus in _FIGURE_NOUNS and modifiers else (focus, modifiers)


_FIGURE_NOUNS = frozenset("figure figures number numbers total tally count".split())
_QUANTITY = frozenset("percent cent thousand thousands million millions billion hundred hundreds dozen dozens".split())


def _counted_by(sentence: str, number: re.Match) -> set[str]:
    """Stems of the words a number counts: its noun phrase, up to the first small word ("21 countries",
    "45 sister-city partnerships", "140 thousand visitors"; "two in-depth dialogues", not "... with delegations")."""
    phrase = []
    for word in re.findall(r"[\w'’]+(?:-[\w'’]+)*", sentence[number.end() : number.end() + 60])[:4]:
        before = phrase[-1] if phrase else number.group()
        # "90 percent of respondents" and "dozens of cities" count respondents and cities; "130 cities and
        # regions" counts both.
        joins = word.lower() == "of" and before.lower() in _QUANTITY or word.lower() in ("and", "or") and phrase
        if word.lower() in STOPWORDS and not joins:
            break
        phrase.append(word)
    if _POPULATION.search(sentence[: number.start()]):  # "a population of 2.7 million" counts the people living there
        phrase += _RESIDENTS
    return {stem(w) for w in words(" ".join(phrase).replace("-", " "))}


_POPULATION = re.compile(r"\bpopulation\s+of\s+(?:about\s+|around\s+|over\s+|nearly\s+|some\s+)?$", re.I)
_RESIDENTS = ["people", "residents", "inhabitants", "population"]


_SAME_THINGS = (frozenset({"country", "nation"}), frozenset({"company", "firm"}))  # "21 countries" counts nations


_HEADCOUNT = frozenset("""people persons visitors participants attendees tourists guests delegates residents members
    students artists experts representatives officials spectators fans audience crowd""".split())


# A noun of an organisation or place, before a name: what the name is ("startup accelerator SkyDeck").
_KIND_NOUN = re.compile(rf"\b(?:{'|'.join(sorted(ORG_NOUNS | PLACE_NOUNS))})\s+", re.I)
_SETTLEMENTS = frozenset("city cities town towns capital capitals".split())
_POLITIES = _SETTLEMENTS | frozenset("country countries nation nations".split())


def fresh_names(query: Query, sentence: str) -> list[str]:
    """Names of the asked kind (person, place, organisation) in the sentence that the question does not state."""
    kind = query.answer_type
    asked = fold_accents(query.english + " " + query.standalone).lower()
    labels = {"person": _PERSON_LABELS, "place": _PLACE_LABELS, "organisation": _ORG_LABELS}.get(kind, set())
    if kind == "person" and _RUN_BY.search(query.english):
        labels = _PERSON_LABELS | _ORG_LABELS  # "Who organises the forum?": a programme or an office may
    if kind == "place" and query.focus in _POLITIES:
        labels = {"GPE"}  # "Which Polish city ...?": the Baltic coast (a region, a sea) is not one
    names = [text for text, label in named(sentence) if label in labels]
    if kind == "person":
        # "startup accelerator SkyDeck", "the K-pop group Blackpink": the noun before a name says what it is.
        kinds_end = [m.end() for m in _KIND_NOUN.finditer(sentence)]
        names = [n for n in names if not any(re.match(rf"{re.escape(n)}\b", sentence[end:], re.I) for end in kinds_end)]
        names += re.findall(r"\([\u4e00-\u9fff]{2,4}\)", sentence)
    if kind == "organisation" and query.focus.isalpha():
        # "Which K-pop group ...?": "the K-pop group Blackpink" names one, if the tagger does not.
        names += re.findall(rf"\b{query.focus}\s+([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)", sentence)
    foreign = any(q in DEMONYMS and DEMONYMS[q] != "taiwan" for q in query.qualifiers)  # "Which European city"
    # A country ("Dresden, Germany", "the Baltic coast of Poland") is no city an event was held in, nor a foreign one.
    if query.focus in _SETTLEMENTS and (foreign or re.search(r"\b(?:in|at) (?:which|what)\b", asked)):
        names = [n for n in names if fold_accents(n).lower() not in COUNTRY_NAMES]
    # "Which organisation ...?" is not Taiwan, and "Which countries were they?" asks for others.
    if (kind == "organisation" and query.focus in ORG_NOUNS - {"government", "governments"}) or (
            kind == "place" and (query.focus in ("countries", "cities", "nations") or foreign)):
        names = [n for n in names if not _HOME_PLACE.fullmatch(n)]
    # "Global Cooperation and Training Framework (GCTF)" is stated by a question that says "GCTF".
    names = [n for n in names if not _abbreviated_in(n, sentence, asked)]
    # "disrupted by Chinese pressure": China, the PRC and Beijing are the question's own, not an answer.
    own = {form.lower() for word in words(asked) if word in DEMONYMS
           for form in COUNTRY_ALIASES.get(DEMONYMS[word], (DEMONYMS[word],))}
    return [n for n in names if not _stated(n, asked, whole=kind != "person") and n.lower() not in own]


# "Who organises / hosts / funds it?" is as well answered by a body as by a person.
_RUN_BY = re.compile(r"^\W*who\s+(?:(?:is|was|are|were|has|had|will|would)\s+)?(?:co-?)?(?:organi[sz]|host|run|ran|fund"
                     r"|sponsor|publish|operat|launch|manag|financ|initiat|found|back)\w*\b", re.I)


_HOME_PLACE = re.compile(r"(?:the\s+)?(?:Kaohsiung|Taiwan)(?:\s+City)?", re.I)


def _abbreviated_in(name: str, sentence: str, asked: str) -> bool:
    """The sentence gives the name's short form in brackets and the question uses that short form."""
    short = re.search(rf"{re.escape(name)}(?:\s+(?:and|of|for|the|on|[A-Z][\w’'-]*))*\s*\(([A-Z][A-Za-z]{{1,7}})\)",
                      sentence)
    return bool(short) and short.group(1).lower() in words(asked)


def _stated(span: str, asked: str, whole: bool) -> bool:
    """The question already holds this span (all of it, or for a person any of the name's words suffice)."""
    parts = [w for w in words(span) if w not in STOPWORDS]
    if not parts:
        return True
    asked_words = set(words(asked))
    if whole:
        return fold_accents(span).lower() in asked or all(p in asked_words for p in parts) and len(parts) == 1
    return all(p in asked_words for p in parts)


def named(sentence: str) -> tuple[tuple[str, str], ...]:
    """spaCy's named entities of a source sentence."""
    return _parsed(sentence)[0]


_PARSES: dict[str, tuple[tuple[tuple[str, str], ...], frozenset[str]]] = {}
_PARSES_KEPT = 4096


def _parsed(sentence: str) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """Named entities and lemmas of a source sentence (kept: the same sentences come back question after question)."""
    found = _PARSES.get(sentence)
    if found is None:
        doc = nlp()(sentence)
        found = tuple((e.text, e.label_) for e in doc.ents), frozenset(t.lemma_.lower() for t in doc if t.is_alpha)
        if len(_PARSES) >= _PARSES_KEPT:
            _PARSES.clear()
        _PARSES[sentence] = found
    return found


@contextmanager
def parses_kept_in(store: SentenceStore | None, sentences: list[str]) -> Iterator[None]:
    """Parses of `sentences` read from `store` first, and those made meanwhile written back: a new process need
    not parse the sentences the one before it did."""
    if store is None:
        yield
        return
    kind = f"parse|{nlp().meta['lang']}_{nlp().meta['name']}|{nlp().meta['version']}"
    sentences = list(dict.fromkeys(sentences))
    stored = store.get_many(kind, sentences)
    for sentence, value in stored.items():
        if sentence not in _PARSES:
            entities, lemmas = json.loads(value)
            _PARSES[sentence] = tuple((text, label) for text, label in entities), frozenset(lemmas)
    yield
    # Parsed now or earlier in this process: what the store lacks is written.
    store.put_many(kind, {s: json.dumps([_PARSES[s][0], sorted(_PARSES[s][1])]).encode() for s in sentences
                          if s not in stored and s in _PARSES})


# Verbs that report one event in other words ("signed" / "inked", "led" / "headed").
_SAME_EVENT = {verb: frozenset(group.split()) for group in (
    "sign ink conclude seal formalise formalize agree", "lead head chair direct helm",
    "meet welcome receive host greet interact", "visit travel tour trip journey", "discuss talk exchange share converse",
    "say tell state indicate note claim argue disclose remark add explain emphasise emphasize stress mention announce "
    "declare warn speak acknowledge affirm report reveal suggest highlight express underline insist",
    "reject invalidate cancel refuse annul void", "postpone delay suspend shelve stall",
    "attend participate join convene", "found establish launch create initiate inaugurate", "invest fund finance", "build construct",
    "finish complete", "approve adopt endorse ratify vote", "pass", "withdraw pull quit terminate")
    for verb in group.split()}


_FAMILY_ENDINGS = ("s", "ed", "ing", "ings", "er", "ers", "ership", "or", "ors", "ature", "atory", "ation", "ment")


def _of_family(verb: str, lemma: str) -> bool:
    """"signatory" and "signing" are of sign's family, "significance" is not ("leadership" is lead's); a longer
    verb's first five letters find its nouns ("visitor", "investment")."""
    if len(verb) >= 5:
        return lemma.startswith(verb[:5])
    return lemma == verb or lemma in {verb + ending for ending in _FAMILY_ENDINGS}


_SAID = _SAME_EVENT["say"] | _SAME_EVENT["discuss"]
# Words that report what someone said, beyond the verbs of saying: "praised", "in his opening remarks", "according to".
_REPORTED = _SAID | frozenset("praise introduce present remark speech statement according call urge promise "
                              "pledge describe ask thank hope comment discussion dialogue announcement "
                              "interview address".split())


# "to address shared challenges" tackles them, held in common: neither is an address nor words said.
_NOT_SPOKEN = {
    "address": re.compile(r"\baddress(?:es|ed|ing)?\s+(?:\w+\s+){0,2}(?:challenges?|issues?|problems?|concerns?|needs?"
                          r"|gaps?|risks?|questions?)\b", re.I),
    "share": re.compile(r"\b(?:the|their|its|our|of|on|to|from|address|face|facing|tackle)\s+shared\b", re.I),
}


def _speech_words(sentence: str) -> frozenset[str]:
    """The words reporting speech the sentence holds outside names: the "Japan-Taiwan Exchange Association" reports
    no exchange of words (a word written only capitalised, past the sentence's first, is part of a name)."""
    found = _parsed(sentence)[1] & _REPORTED
    later = sentence.split(None, 1)[-1]
    return frozenset(lemma for lemma in found if not re.search(rf"\b{lemma[:5].capitalize()}", later)
                     or re.search(rf"\b{lemma[:5]}", sentence))


def reports_words_of_asked(query: Query, sentence: str) -> bool:
    """"What did its envoy tell ...?" and the sentence has the envoy (by name or title) saying something: what it
    asks is there, however differently worded."""
    if not any(a.main and a.verb in _SAME_EVENT["say"] for a in query.actions) or not (query.entities or query.roles):
        return False
    if not (_speech_words(sentence) or re.search(r"[“\"]", sentence)):
        return False
    return all(_names(e, sentence) for e in query.entities) and _roles(query, sentence, sentence, sentence).status == OK


def _attributed_to_asked(query: Query, sentence: str) -> bool:
    """"According to Director-General Chang, ..." reports what Chang said; "According to updates provided by
    the office, ..." is not what the mayor said."""
    source = re.search(r"\b[Aa]ccording to ([^,;]+)", sentence)
    places = {text for text, label in named(query.english) if label in _OWNER_LABELS}  # "San Jose" is no speaker
    asked = [*(e for e in query.entities if e not in places), *(role.title for role in query.roles)]
    speaker = _ASKED_SPEAKER.search(query.english)  # "did the Kaohsiung government say": a body is a speaker too
    asked += [speaker.group(1)] if speaker else []
    return bool(source) and any(entity_coverage([name], source.group(1)) >= 0.5 for name in asked)


_ASKED_SPEAKER = re.compile(r"\b(?:did|does|do)\s+(?:the\s+)?((?:[A-Z][\w’'-]*\s+)+(?:government|office|department|"
                            r"council|bureau|ministry|administration))\s+(?:say|state|tell|announce|claim)\b")


def _actions(query: Query, sentence: str, scene: str = "") -> Verdict:
    """The sentence reports the asked event: its verb (or one of the same event), a noun of the verb's family
    ("agreement" for agree), or for what/when/where questions the event's object ("the agreement ... signed").
    A sentence that only names the people or places of the question ("Chang indicated that delegations ...")
    does not say who led them."""
    if query.mode in ("points", "compare", "list"):
        return Verdict(OK)
    lemmas = _parsed(sentence)[1]
    # "Who invited Kaohsiung to join the IURC?": once the main event is reported ("invited the city to be a
    # member"), the verbs under it are its details, told in the sentence's own words.
    main_reported = any(a.main and a.verb in lemmas for a in query.actions)
    for action in query.actions:
        # Other verbs are paraphrased too freely to demand, but for a yes/no question the asked event is the
        # answer: "Has San Jose confirmed it will take part?" is not settled by "Chen invited San Jose".
        if action.verb not in _SAME_EVENT and not (query.answer_type == "yesno" and action.main):
            continue
        if not action.main and (main_reported or any(_of_family(action.verb, w) for w in words(scene))):
            continue
        if query.answer_type == "description" and action.main and action.verb in _SAID:
            # "What did the mayor say about ...?", "What did he share with them?" are answered by what was said, in
            # any words, but said it must be: "Chen led a delegation to ..." reports no words of his.
            # "According to updates provided by the office, ..." reports the office's words, not the asked speaker's.
            spoken = _speech_words(sentence) - {"according"}
            if action.verb in _SAME_EVENT["say"]:  # what they discussed may be "shared challenges"; not what was said
                spoken -= {lemma for lemma, use in _NOT_SPOKEN.items() if use.search(sentence)}
            if spoken or re.search(r"[“\"]", sentence) or _attributed_to_asked(query, sentence):
                continue
            return Verdict(MISSING, "reports nothing said")
        if query.answer_type == "description" and (action.verb in _SAID or not action.main):
            # "What did they talk about?" is answered by what was said, in any words; "What nickname does the
            # article give the city that signed ...?" asks for the nickname, not the signing.
            continue
        same = _SAME_EVENT.get(action.verb, {action.verb})
        # "Who leads the department?" is answered by its "director-general": a noun of one of the event's verbs.
        if same & lemmas or any(_of_family(action.verb, lemma) for lemma in lemmas) or any(
                lemma.startswith(verb) and lemma[len(verb):] in _FAMILY_ENDINGS for verb in same for lemma in lemmas):
            continue
        # "When was the agreement signed?" is answered by "the agreement ... inked"; "Was the agreement restored?"
        # is not answered by its signing.
        if query.answer_type not in ("person", "reason", "yesno") and action.object and action.object in lemmas:
            continue
        return Verdict(MISSING, f"does not say {action.verb}")
    return Verdict(OK)
