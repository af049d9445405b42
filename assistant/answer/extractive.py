"""Grounded extractive answers: the retrieved source sentences that best answer the question, each cited."""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from ..retrieve import wants_comparison
from ..text import COUNTRY_ALIASES, COUNTRY_NAMES, sentence_spans, stem, terms, words
from ..question import MONTHS, NAMED_KINDS, ORG_NOUNS, PERSON_NOUNS, PLACE_NOUNS, dated_side, understand, wants_points  # noqa: F401  (wants_points: kept importable here)
from ..types import Answer, Citation, Passage, Query
from .constraints import (CONFLICT, MISSING, OK, Verdict, fills_slot, fresh_names, judge, named, parses_kept_in,
                          reports_words_of_asked, times_given)
from .points import (
    arrange, audience_emphasis, decontextualise, inherit_from_enumeration, inherit_from_paragraph, inherit_from_previous,
    inherit_from_statements, is_home, is_point, pick_distinct, weigh, whole_quote, within_another,
)
from .sentence_store import SentenceStore
from .verify import untrusted_documents
from .evidence import (
    Evidence, IdfTable, coverage, defines_acronym, entity_coverage, entity_terms, event_time, has_answer_type,
    neighbour, novelty, paragraph_so_far, question_entities, referred_names, weighted_terms,
)

ABSTAIN_TEXT = "The documents I have do not answer that question."
CORRECTION_TEXT = "The documents do not say that"
QUOTES_ENGLISH_ZH = "（以下引用英文原文資料）"  # a Chinese question is answered with quotes from English sources
CORRECTION_TEXT_ZH = QUOTES_ENGLISH_ZH + "文件並未如此記載。"
_ENUMERATION_START = re.compile(r"^(first(ly)?|first of all|to begin with)\b", re.I)
_ENUMERATION_NEXT = re.compile(r"^(second(ly)?|third(ly)?|fourth(ly)?|fifth(ly)?|next|finally|lastly)\b", re.I)
_ENUMERATION_SLACK = 6  # words an enumeration may run over the budget: its last item completes the answer
# The Query's answer types as the sentence scorer tells them apart (has_answer_type); others take any sentence.
_SCORED_KIND = {"person": "person", "place": "place", "organisation": "place", "date": "date", "number": "number",
                "money": "number", "duration": "number", "reason": "reason"}
CONFLICT_SHARE = 0.75  # of the threshold, that a contradicting sentence needs to correct the premise
FOLLOWER_SHARE = 0.5  # of the best sentence's score, that the sentence after it needs to join the answer
_ABROAD = re.compile(r"\b(foreign|overseas|abroad|international)\b", re.I)
_VECTORS_KEPT = 50_000  # about 75 MB of 384-dimension vectors
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


# "three talking points", "4 short, quotable bullets": the number counts the points, not "the March 20 visit".
_COUNTED = re.compile(r"\b(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\s+(?:[\w-]+,?\s+){0,3}?"
                      r"(?:points?|bullets?|items?|lines?|ideas?|messages?|takeaways?|remarks?|arguments?|reasons?)\b",
                      re.I)


def requested_count(question: str, default: int) -> int:
    match = _COUNTED.search(question)
    if not match:
        return default
    value = match.group(1).lower()
    return max(1, min(10, int(value) if value.isdigit() else _NUMBER_WORDS[value]))


class ExtractiveAnswerer:
    """Ranks candidate sentences by evidence score; abstains when the best is under the threshold."""

    def __init__(self, embeddings, idf_source, threshold: float, max_sentences: int = 3, max_words: int = 70,
                 store: SentenceStore | None = None):
        self.embeddings = embeddings
        self.store = store
        self.idf_source = idf_source
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.max_words = max_words
        self._vectors: dict[str, np.ndarray] = {}

    def vectors(self, texts: list[str], keep: bool = False) -> np.ndarray:
        """Embeddings of the texts. Source sentences come back question after question: they are kept in memory,
        and with `keep` in the store too, for the next process (questions are not written to disk)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            if len(self._vectors) + len(missing) > _VECTORS_KEPT:
                self._vectors.clear()
            kind = self._vector_kind() if keep else ""
            stored = self.store.get_many(kind, missing) if kind else {}
            self._vectors.update((t, np.frombuffer(v, dtype=np.float32)) for t, v in stored.items())
            new = [t for t in missing if t not in stored]
            if new:
                computed = dict(zip(new, self.embeddings.encode(new)))
                self._vectors.update(computed)
                if kind:
                    self.store.put_many(kind, {t: np.asarray(v, dtype=np.float32).tobytes() for t, v in computed.items()})
        return np.stack([self._vectors[t] for t in texts])

    def _vector_kind(self) -> str:
        """What computed a stored vector: the model and the backend that ran it ("" keeps nothing)."""
        runner = getattr(self.embeddings, "runner", None) if self.store is not None else None
        name = getattr(runner, "name", "")
        return f"vector|{self.embeddings.model_name}|{name}" if name else ""

    def __call__(self, inputs: dict) -> Answer:
        answer = self._answer(inputs)
        # The answer records what the user typed (a Chinese question is answered via its English rendering).
        return replace(answer, question=inputs.get("original_question") or answer.question)

    def _answer(self, inputs: dict) -> Answer:
        passages = inputs["passages"]
        query: Query = inputs.get("query") or understand(inputs["question"], inputs.get("history"))
        if inputs.get("mode") == "points" or query.mode == "points":
            return self.points(query, passages, inputs.get("n") or 5, inputs.get("audience"))
        if query.parts:
            return self.answer_parts(query, passages, inputs.get("history") or [], self.threshold)
        floor = 0.0 if query.mode == "compare" else CONFLICT_SHARE * self.threshold  # a side or a contradiction
        return self.decide(query, self.judged(query, passages, floor), self.threshold)

    def answer_parts(self, query: Query, passages: list[Passage], history: list[dict], threshold: float) -> Answer:
        """A question in parts: each part decided on its own (the second as a follow-up to the first, unless the
        two are times compared) and the answers joined, when both are answered; a corrected premise in either part
        is the answer; otherwise the question is decided whole, as one that asks one thing. A list of three or more
        things is answered thing by thing (_answer_each_listed)."""
        if len(query.parts) > 2:
            return self._answer_each_listed(query, passages, history, threshold)
        first = understand(query.parts[0], history)
        # Two times compared are asked of alone; otherwise the second part follows the first.
        after_first = history if query.ordering else history + [{"role": "user", "content": query.parts[0]}]
        second = understand(query.parts[1], after_first)
        floor = CONFLICT_SHARE * threshold
        answers = [self.decide(first, self.judged(first, passages, floor), threshold),
                   # "<premise>. Which office does he head, and in which month ...?": the question may have two parts
                   self.answer_parts(second, passages, after_first, threshold) if second.parts
                   else self.decide(second, self.judged(second, passages, floor), threshold)]
        corrected = next((a for a in answers if a.corrected), None)
        if corrected is not None:
            return replace(corrected, question=query.english)
        if query.ordering and not any(a.abstained for a in answers):
            in_order = self._in_order(query, (first, second), answers)
            if in_order is not None:
                return in_order
        if not query.parts[0].endswith("?"):  # a premise ("Chen invited San Jose to the Expo."), then the question
            return replace(answers[0] if answers[0].abstained else answers[1], question=query.english)
        # "Which two deputy mayors ..., and what did each of them focus on?" asks its second part of each thing the
        # first part's answer names, not of whatever sentence says "focus".
        of_each = _OF_EACH.search(query.parts[1]) is not None and not answers[0].abstained and len(
            self._names(first, [c.quote for c in answers[0].citations])) >= 2
        if (answers[1].abstained or of_each) and self._answered_in_full(first, answers[0]):
            # "Who invited Kaohsiung ..., and in what month did that meeting happen?": the sentences that answer the
            # first part, with what they say of each thing it names, answer both, however short the second.
            each = self._each_item(first, answers[0], second, passages)
            if each is not None:
                return cite(query.english, each)
        if any(a.abstained for a in answers):
            # Decided whole, the answer must still hold, for each part that found none alone, a sentence meeting
            # that part's every constraint: "How many people live in Kaohsiung, and which shipping route passes
            # through the area?" is not answered by the shipping route alone.
            whole = self.decide(query, self.judged(query, passages, floor), threshold)
            unanswered = [part for part, a in zip((first, second), answers) if a.abstained]
            if whole.abstained or all(self._cites_fitting(part, whole, passages, floor) for part in unanswered):
                return whole
            return Answer(text=ABSTAIN_TEXT, abstained=True, question=query.english)
        if _answers_too(replace(second, standalone=query.english), answers[0], answers[1]):  # "... in 2013" answers both
            return replace(answers[0], question=query.english)
        return self._joined(query, [first, second], answers)

    def _answer_each_listed(self, query: Query, passages: list[Passage], history: list[dict],
                            threshold: float) -> Answer:
        """"Give the year of each: A, B and C.": each thing asked about on its own, and answered only when every one
        is (a list answered in part reads as answered in full); a corrected premise in any part is the answer."""
        parts = [understand(part, history) for part in query.parts]
        floor = CONFLICT_SHARE * threshold
        answers = [self.decide(part, self.judged(part, passages, floor), threshold) for part in parts]
        corrected = next((a for a in answers if a.corrected), None)
        if corrected is not None:
            return replace(corrected, question=query.english)
        if any(a.abstained for a in answers):
            return Answer(text=ABSTAIN_TEXT, abstained=True, question=query.english)
        return self._joined(query, parts, answers)

    def _cites_fitting(self, query: Query, answer: Answer, passages: list[Passage], floor: float) -> bool:
        """The answer cites a sentence that meets every constraint of `query`, however low it scores."""
        fitting = [c.text for c, v in self.judged(query, passages, floor) if v.status == OK]
        return any(quote in text or text in quote for quote in (c.quote for c in answer.citations) for text in fitting)

    def _joined(self, query: Query, parts: list[Query], answers: list[Answer]) -> Answer:
        """Each part's essential sentence, whatever the budget (a part left out is a question unanswered), then the
        others while the word budget lasts."""
        best = [_essential(part, a) for part, a in zip(parts, answers)]
        more = [c for a in answers for c in a.citations[1:]]
        if sum(len(c.quote.split()) for c in best) > self.max_words:
            best = [replace(c, quote=_without_aside(part, c.quote)) for part, c in zip(parts, best)]
        best = _within_budget(parts, best, self.max_words)
        quoted: dict[str, Passage] = {}
        for c in best + more:
            if c in best or sum(len(q.split()) for q in quoted) + len(c.quote.split()) <= self.max_words:
                quoted.setdefault(c.quote, c.passage)
        return cite(query.english, [(p, q) for q, p in quoted.items()])

    def _in_order(self, query: Query, parts: tuple[Query, Query], answers: list[Answer]) -> Answer | None:
        """"Which came first: A or B?", "How many years between A and B?": the sentence that dates each, led by what
        their dates say (which was first, the years between); None when a date cannot be read from them or they
        do not tell the two apart."""
        quoted = [_essential(part, a) for part, a in zip(parts, answers)]
        times = [event_time(_as_evidence(c)) for c in quoted]
        if quoted[0].quote == quoted[1].quote or None in times or times[0][0] == times[1][0] and (
                query.ordering == "years" or 0 in (times[0][1], times[1][1]) or times[0] == times[1]):
            return None
        sides = [dated_side(part.english) for part in parts]
        said = [_when_said(t) for t in times]
        if query.ordering == "years":
            gap = abs(times[0][0] - times[1][0])
            lead = f"{gap} year{'s' if gap > 1 else ''} apart: {said[0]} [1] and {said[1]} [2]."
        else:
            early, late = sorted((0, 1), key=lambda i: times[i])
            lead = (f"{_capitalised(sides[early])} came first ({said[early]}) [{early + 1}], then {sides[late]} "
                    f"({said[late]}) [{late + 1}]." if query.ordering == "first" else
                    f"{_capitalised(sides[late])} came later ({said[late]}) [{late + 1}], after {sides[early]} "
                    f"({said[early]}) [{early + 1}].")
        if len(lead.split()) + sum(len(c.quote.split()) for c in quoted) > self.max_words:
            quoted = [replace(c, quote=_without_aside(part, c.quote)) for part, c in zip(parts, quoted)]
        answer = cite(query.english, [(c.passage, c.quote) for c in quoted])
        return replace(answer, text=f"{lead} {answer.text}")

    def judged(self, query: Query, passages: list[Passage], floor: float) -> list[tuple[Evidence, Verdict]]:
        """Candidate sentences scoring at least `floor`, best first, each with its constraint verdict."""
        query = self._in_documents_names(query)
        if self._unknown_entity(query):
            return []
        stated = _stated_values(query, passages)
        scored = self.score(query, passages)
        with parses_kept_in(self.store, [c.text for c in scored]):
            judged = [(c, judge(query, c)) for c in scored]
        judged = [(c, Verdict(MISSING, v.reason) if v.status == CONFLICT and v.reason.lower() in stated else v)
                  for c, v in judged]
        for cand, verdict in judged:
            if verdict.neighbour and not cand.typed:  # the sentence beside it holds the asked-for span
                cand.score = _combine(replace(cand, typed=True))
        judged.sort(key=lambda cv: (-cv[0].score, cv[0].passage_rank))
        return [(c, v) for c, v in judged if c.score >= floor]

    def decide(self, query: Query, judged: list[tuple[Evidence, Verdict]], threshold: float) -> Answer:
        """Answer from the candidates that meet every constraint; else correct a contradicted premise; else abstain.

        The score threshold is the last gate: only candidates scoring at least `threshold` are considered.
        """
        # The question's own premise contradicted ("San Jose Mayor Joseph Hedges", a director) is corrected whatever
        # else fits: a sentence that fits takes the premise as true.
        premise = next(((c, v) for c, v in judged if v.premise and c.score >= CONFLICT_SHARE * threshold), None)
        if premise is not None:
            return correction(query, *premise)
        fitting = [(c, v) for c, v in judged if v.status == OK]
        if fitting and fitting[0][0].score >= threshold:
            # A sentence that lacks the asked-for span its neighbour holds answers only as the best, beside it.
            pool = [fitting[0][0]] + [c for c, v in fitting[1:] if c.typed or not v.neighbour]
            chosen = self.select(query, pool, threshold)
            chosen = _with_neighbour(chosen, fitting[0][1].neighbour, self.max_words)
            candidates = [c for c, _ in fitting]
            chosen = self.complete(query, chosen, candidates)
            if _asks_for_several(query) and len(self._names(query, [c.text for c in chosen])) < max(query.count, 2):
                # "Which two cities ...?", "Which foreign cities ...?" answered with one: a list cut short reads as
                # the whole list.
                return Answer(text=ABSTAIN_TEXT, abstained=True, question=query.english)
            if query.answer_type == "date" and query.count >= 2:
                chosen = self.complete_times(query, chosen, candidates)
                if not chosen:  # "In which months did A, B and C happen?" with a month for only one of them
                    return Answer(text=ABSTAIN_TEXT, abstained=True, question=query.english)
            answer = compose(query.english, chosen)
            return replace(answer, text=f"{QUOTES_ENGLISH_ZH} {answer.text}") if query.language == "zh" else answer
        # A contradiction of the question's own subject is strong evidence even when it scores a little less.
        conflict = next(((c, v) for c, v in judged if v.status == CONFLICT and c.score >= CONFLICT_SHARE * threshold),
                        None)
        # ... but not below a sentence that fits the question: the documents do say it there, if too faintly to quote.
        if conflict is not None and not (fitting and fitting[0][0].score > conflict[0].score):
            return correction(query, *conflict)
        return Answer(text=ABSTAIN_TEXT, abstained=True, question=query.english)

    def _unknown_entity(self, query: Query) -> bool:
        """The question names something the documents never mention (Munich): nothing here can answer it."""
        idf: IdfTable = self.idf_source()
        return any(not any(idf.known(t) for t in terms(e)) for e in query.entities if terms(e))

    def _documents_name(self, name: str) -> str:
        """A country the question names in a way the documents never do ("Washington established ties with
        Beijing") is read by the name they use for it ("United States"), the longest such."""
        idf: IdfTable = self.idf_source()

        def used(form: str) -> bool:
            return any(idf.known(t) for t in terms(form))

        if used(name) or not terms(name):
            return name
        return next((a for a in sorted(COUNTRY_ALIASES.get(name.lower(), ()), key=len, reverse=True) if used(a)), name)

    def _in_documents_names(self, query: Query) -> Query:
        entities = tuple(self._documents_name(e) for e in query.entities)
        return query if entities == query.entities else replace(query, entities=entities)

    def score(self, query: Query, passages: list[Passage], within_paragraph: bool = False) -> list[Evidence]:
        """Every distinct sentence of the passages, scored and sorted best first.

        The score asks three things: does the sentence say what the question asks about (IDF-weighted
        coverage of the question's predicate terms, in the sentence or its neighbours), does it mean
        something close (embedding similarity), and is it about the entities the question names.
        """
        question, standalone = query.english, query.standalone
        untrusted = untrusted_documents(passages)  # an instruction is never evidence, on this path as on the LLM's
        candidates = _sentences([p for p in passages if p.doc_id not in untrusted], within_paragraph)
        if not candidates:
            return []
        idf: IdfTable = self.idf_source()
        entities = [self._documents_name(e) for e in question_entities(question)]
        earlier = [e for e in map(self._documents_name, question_entities(standalone)) if e not in entities]
        kind_words = {stem(w) for w in _KIND_WORDS.get(query.answer_type, ())
                      if query.answer_type == "person" or query.terse}  # a question's "year" still narrows its topic
        predicate = weighted_terms(question, idf, leave_out=entity_terms(entities) | kind_words)
        # A follow-up's words and the turn it follows, together: "their statement" + "Kaohsiung and the Maldives".
        resolved = weighted_terms(standalone, idf) if standalone != question else {}
        kind = _SCORED_KIND.get(query.answer_type, "")
        focus = _asked_thing(query)
        compared = wants_comparison(question)
        # "What is the IURC?", "What does GCTF stand for?": the sentence that spells the acronym out answers it.
        spells_out = query.answer_type == "description" or re.search(r"\b(stands? for|short for)\b", question, re.I)
        speech = query.answer_type == "description"
        asked = self.vectors([question, standalone])
        sentences = self.vectors([c.text for c in candidates], keep=True)
        # A follow-up may mean what it says alone or what the conversation makes of it: the closer counts.
        sims = np.maximum(sentences @ asked[0], sentences @ asked[1])
        wheres: dict[int, str] = {}  # a passage's text with the question's names it gives in short form
        for cand, sim in zip(candidates, sims):
            sentence_terms = set(terms(cand.text))
            cand.similarity = float(sim)
            if predicate:
                around = coverage(predicate, sentence_terms | set(terms(cand.context)))
                own = coverage(predicate, sentence_terms)
                cand.coverage = max(own, 0.5 * around, (own + coverage(resolved, sentence_terms)) / 2 if resolved else 0.0)
                before = neighbour(cand, -1) if _CONTINUES.match(cand.text) else None
                if before is not None:  # "Convening experts from 21 countries, the workshop ...": one statement
                    cand.coverage = max(cand.coverage, coverage(predicate, sentence_terms | set(terms(before.text))))
                if focus and focus <= set(terms(" ".join(cand.text.split()[:3]))):
                    # "Some topics in the past include ..." lists the topics of the forum its paragraph names: a
                    # sentence opening on the asked-for thing continues its paragraph's subject.
                    paragraph = set(terms(paragraph_so_far(cand)))
                    cand.coverage = max(cand.coverage, coverage(predicate, sentence_terms | paragraph))
            else:
                cand.coverage = entity_coverage(entities, cand.text)
            if spells_out and defines_acronym(question, cand.text):
                cand.coverage = max(cand.coverage, 0.8)
            if kind == "reason" and len(entities) >= 2 and entity_coverage(entities, cand.text) == 1.0 \
                    and has_answer_type(cand.text, kind, standalone):
                # A reason is rarely put in the question's words: naming every party and giving a reason
                # ("known for ..., highly resembling ...") is half of what the question asks.
                cand.coverage = max(cand.coverage, 0.5)
            if speech and reports_words_of_asked(query, cand.text):
                # What someone said is rarely put in the question's words: the asked speaker saying something is
                # half of what the question asks.
                cand.coverage = max(cand.coverage, 0.5)
            where = wheres.get(id(cand.passage))
            if where is None:  # once a passage: its sentences share it
                where = cand.passage.title + " " + cand.passage.text
                where = wheres[id(cand.passage)] = where + " " + " ".join(referred_names(entities, where, cand.document))
            cand.entity_coverage = (
                # A comparison is answered one side at a time: each sentence needs one of the compared names.
                max(entity_coverage([e], where) for e in entities) if compared and entities
                else entity_coverage(entities, where)
            ) * (0.8 + 0.2 * entity_coverage(earlier, where))
            cand.typed = has_answer_type(cand.text, kind, standalone)
            cand.kind = kind
            cand.score = _combine(cand)
        return sorted(candidates, key=lambda c: (-c.score, c.passage_rank))

    def select(self, query: Query, ranked: list[Evidence], threshold: float | None = None) -> list[Evidence]:
        """The best sentence, then others nearly as good that add something (another document, new terms).

        A best sentence that mostly restates the question ("... signed their agreement in 2013") is
        followed by the sentence after it, where the narrative usually continues with the answer.
        """
        question = query.english
        best = ranked[0]
        chosen = [best]
        if query.mode == "compare":
            chosen = _one_per_entity(ranked, list(query.entities), self.max_sentences) or chosen
        budget = self.max_words - sum(c.words for c in chosen)
        follower = _next_sentence(best)
        restates = novelty(best.text, question) < 0.5
        # "Why ...?" answered by a sentence that only sets the scene: the reason often follows ("These visits aim to").
        gives_reason = query.answer_type == "reason" and not best.typed and follower is not None and follower.typed
        # "Who is Wang?" then "What did the talks with him focus on?": the sentence naming him is best, and the one
        # carrying it on ("Their discussions focused on ...") says what the question asks.
        carries_asked = follower is not None and _PRONOUN_OPENING.match(follower.text) is not None and bool(
            set(query.predicate) & {stem(w) for w in words(follower.text)} - {stem(w) for w in words(best.text)})
        if follower is not None and len(chosen) == 1 and (restates or gives_reason or carries_asked) \
                and follower.words <= budget:
            chosen.append(follower)
            budget -= follower.words
        if len(chosen) == 1:
            items = _enumeration(best)  # "First, ... Second, ... Third, ...": the list is the answer
            if not items and follower is not None and _ENUMERATION_START.match(follower.text):
                items = [follower, *_enumeration(follower)]  # "... illustrates the significance of ... First, ..."
            for item in items:
                if item.words > budget + _ENUMERATION_SLACK:
                    break
                chosen.append(item)
                budget -= item.words
        docs = {c.passage.doc_id for c in chosen}
        diverse = sorted(ranked[1:], key=lambda c: -(c.score + (0.1 if c.passage.doc_id not in docs else 0.0)))
        least = self.threshold if threshold is None else threshold
        focus = _asked_thing(query)
        best_names_it = focus <= set(terms(best.text))
        for cand in diverse:
            if len(chosen) >= self.max_sentences:
                break
            if cand in chosen or cand.words > budget:
                continue
            bar = 0.7 if cand.passage.doc_id not in docs else 0.8
            floor = least
            if follower is not None and (cand.passage, cand.start) == (follower.passage, follower.start):
                # The sentence after the answer usually carries on with it ("The workshop centered on ..."): it
                # needs half the best score where another sentence needs most of it, and only when the budget
                # is left after the better ones.
                bar, floor = FOLLOWER_SHARE, CONFLICT_SHARE * floor
            if query.plural or focus and not best_names_it and focus <= set(terms(cand.text)):
                bar -= 0.2  # several asked for, or the asked-for thing named where the best sentence does not name it
            if cand.score < max(floor, bar * best.score):
                continue
            chosen.append(cand)
            docs.add(cand.passage.doc_id)
            budget -= cand.words
        return chosen

    def complete(self, query: Query, chosen: list[Evidence], fitting: list[Evidence]) -> list[Evidence]:
        """"Which two cities ...", "Which foreign cities ...": add fitting sentences that name another one until the
        answer names as many as asked (or all it can), within the word budget; a sentence after the first that names
        none gives its place to one that does. It only adds to an answer already decided, never turns an
        abstention into one."""
        if (query.count < 2 and not query.every) or query.answer_type not in NAMED_KINDS:
            return chosen
        names = self._names(query, [c.text for c in chosen])
        wanted = query.count if query.count >= 2 else self.max_sentences * 2
        for cand in fitting:
            if len(names) >= wanted:
                break
            new = self._names(query, [cand.text]) - names
            if cand in chosen or not new:
                continue
            words, dropped = sum(c.words for c in chosen), []
            for c in sorted((c for c in chosen[1:] if not self._names(query, [c.text])), key=lambda c: c.score):
                if words + cand.words <= self.max_words:
                    break
                dropped.append(c)
                words -= c.words
            if words + cand.words <= self.max_words:
                chosen = [c for c in chosen if c not in dropped] + [cand]
                names |= new
        return chosen

    def complete_times(self, query: Query, chosen: list[Evidence], fitting: list[Evidence]) -> list[Evidence]:
        """"In which years ...?": add fitting sentences that give another of the asked times until the answer gives
        as many as the question asks for, within the word budget; none when it cannot."""
        times = {t for c in chosen for t in times_given(query, c.text)}
        words = sum(c.words for c in chosen)
        for cand in fitting:
            if len(times) >= query.count:
                break
            new = times_given(query, cand.text) - times
            if new and cand not in chosen and words + cand.words <= self.max_words:
                chosen, times, words = chosen + [cand], times | new, words + cand.words
        return chosen if len(times) >= query.count else []

    def _each_item(self, first: Query, answer: Answer, second: Query, passages: list[Passage]
                   ) -> list[tuple[Passage, str]] | None:
        """The first part's answer and, for each thing it names, a sentence naming it that meets every constraint
        of the second part ("Which two cities ..., and in what years?": each city's year), or None when one is
        missing or the whole runs over the word budget. A question for one thing needs the second part met by a
        sentence already quoted."""
        answering = {c.text: c for c, v in self.judged(second, passages, 0.0) if v.status == OK}
        quoted = [(c.passage, c.quote) for c in answer.citations]
        if first.count < 2 and not first.every:
            return quoted if any(c.quote in answering for c in answer.citations) else None
        for item in sorted(self._names(first, [c.quote for c in answer.citations])):
            if any(q in answering and entity_coverage([item], q) == 1.0 for _, q in quoted):
                continue
            naming = next((c for c in answering.values() if entity_coverage([item], c.text) == 1.0), None)
            if naming is None:
                return None
            quoted.append((naming.passage, naming.text))
        return quoted if sum(len(q.split()) for _, q in quoted) <= self.max_words else None

    def _answered_in_full(self, query: Query, answer: Answer) -> bool:
        """An answer, and one naming as many as a "which two cities" question asks for."""
        if answer.abstained:
            return False
        if query.count < 2 or query.answer_type not in NAMED_KINDS:
            return True
        return len(self._names(query, [c.quote for c in answer.citations])) >= query.count

    @staticmethod
    def _names(query: Query, sentences: list[str]) -> set[str]:
        """The names of the asked kind the sentences add to the question; the home city and country are not
        among the "foreign" or "overseas" ones, and a country is not one of the cities ("Dresden, Germany")."""
        abroad = _ABROAD.search(query.english)
        cities = query.focus in _CITY_NOUNS
        # A city is a town's name, not a venue's ("the Kaohsiung Smart City Summit & Expo").
        towns = {t for text in sentences for t, label in named(text) if label == "GPE"} if cities else set()
        # "Deputy Mayor Lo Ta-sheng (羅達生)" is one person, named twice.
        return {n for text in sentences for n in fresh_names(query, text) if not n.startswith("(")
                and not (abroad and is_home(n)) and not (cities and (n.lower() in COUNTRY_NAMES or n not in towns))}

    def points(self, query: Query, passages: list[Passage], default_n: int, audience: str | None = None) -> Answer:
        """Distinct, cited talking points: high-scoring statements that say different things, decontextualised
        (points.py) and arranged for the audience."""
        question = query.english
        n = requested_count(question, default_n)
        # Scored against the topic: "Draft three talking points ... for a council briefing" asks nothing of the sources.
        topic = replace(query, english=query.topic or question)
        ranked = [c for c in self.score(topic, passages, within_paragraph=True) if is_point(c)]
        # Whether the documents cover the topic is read from its words alone as well: "on why the city wants families
        # to back school exchanges" is covered by sentences that give no reason, if less well answered; "on why Gdynia
        # and Kaohsiung make natural partners" by the reason they give.
        covering = ranked if topic.answer_type == "description" else sorted(ranked + [
            c for c in self.score(replace(topic, answer_type="description"), passages, within_paragraph=True)
            if is_point(c)], key=lambda c: -c.score)
        # Points on a named topic ("the Kaohsiung–Gdynia partnership") need sentences about all of it, not the
        # request's words: one naming all of it may score below one sharing a word ("relationships"); a topic the
        # documents do not name gets none.
        on_topic = [c.score for c in covering if query.entities and c.entity_coverage == 1.0]
        if not ranked or self._unknown_entity(query) or (
                max(on_topic, default=0.0) < self.threshold * 0.5 and covering[0].score < self.threshold * 0.75):
            return Answer(text=ABSTAIN_TEXT, abstained=True, question=question)
        weighed = {id(c): weigh(c, list(query.entities)) for c in ranked}
        inherit_from_statements(ranked, weighed, 2 * self.threshold, _is_heading)
        inherit_from_previous(ranked, weighed)
        inherit_from_enumeration(ranked, weighed)
        inherit_from_paragraph(ranked, weighed, list(query.entities))
        for cand in ranked:
            cand.score = weighed[id(cand)]
        ranked.sort(key=lambda c: (-c.score, c.passage_rank))
        vectors = self.vectors([c.text for c in ranked], keep=True)
        pool = pick_distinct(ranked, vectors, 2 * n, list(query.entities))  # a wider pool lets the audience choose
        arranged = arrange(pool, audience_emphasis(audience or query.audience), n)
        picked = within_another([whole_quote(c) for c in arranged])
        answer = compose(question, picked, bullets=True)
        lines = [f"- {decontextualise(c)} [{i}]" for i, c in enumerate(picked, 1)]
        return replace(answer, text="\n".join(lines))


_OF_EACH = re.compile(r"\b(?:each|either|both|they|them|their)\b", re.I)
# Words that name the kind of answer asked for, which the answering sentence gives instead of saying: "Who was the
# PRC official involved?" is answered by the representative's name, search-box words "kaohsiung dresden mou month"
# by "September".
_KIND_WORDS = {"person": ("person", "people", "official", "officials", "individual", "someone", "figure", "involved"),
               "date": ("month", "year", "date", "day"), "place": ("venue", "location", "site")}
# A sentence that opens with a participle or a pronoun carries on the one before it.
_PRONOUN_OPENING = re.compile(r"(?:It|Its|They|Their|This|These|He|She|His|Her)\b")
_CONTINUES = re.compile(r"(?!During\b)[A-Z][a-z]+(?:ing|ed)\b|" + _PRONOUN_OPENING.pattern)
# How much a sentence lacking the asked-for kind of fact is discounted (a "who" answer needs a name).
_UNTYPED_PENALTY = {"person": 0.5, "number": 0.6, "date": 0.6}


_CITY_NOUNS = frozenset("city cities town towns municipality municipalities locality localities".split())


def _asks_for_several(query: Query) -> bool:
    """"Which two cities ...?", "Which foreign cities ...?": several things of the kind the question names ("Which
    partnerships ...?" names no kind of place: one city may be all of them)."""
    kinds = {"place": PLACE_NOUNS, "person": PERSON_NOUNS, "organisation": ORG_NOUNS}.get(query.answer_type, ())
    return bool(kinds) and (query.count >= 2 or (query.every and query.focus in kinds))


def _answers_too(part: Query, answer: Answer, own: Answer) -> bool:
    """The answer already holds the kind of fact `part` asks for, beyond what the question states. A person, place
    or organisation it names is the part's only if the part's own answer quotes the same sentence: "who leads
    Kaohsiung's department, and who held that role for San Jose?" asks for two people."""
    if part.answer_type not in NAMED_KINDS and not _SCORED_KIND.get(part.answer_type):
        return False  # a description or a reason is not told apart by its form
    if part.answer_type in NAMED_KINDS and not {c.quote for c in own.citations} & {c.quote for c in answer.citations}:
        return False
    # The slot as the constraints read it: "what share" wants a percentage, not the first part's visitor count;
    # about what the part names: the 2025 Expo Austen spoke at is not the Expo "Chen invited San Jose" to; and of the
    # event it asks about: the July meeting's month is not the month Kaohsiung "was announced" a partner.
    verbs = {stem(a.verb) for a in part.actions if a.main}
    return any(fills_slot(part, c.quote) and all(entity_coverage([e], c.quote) >= 0.5 for e in part.entities)
               and (not verbs or verbs & {stem(w) for w in words(c.quote)}) for c in answer.citations)


def _as_evidence(citation: Citation) -> Evidence:
    start = citation.passage.text.find(citation.quote)
    return Evidence(passage_rank=0, passage=citation.passage, start=start, end=start + len(citation.quote))


def _when_said(time: tuple[int, int]) -> str:
    year, month = time
    return f"{MONTHS[month - 1].title()} {year}" if month else str(year)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _essential(part: Query, answer: Answer) -> Citation:
    """The sentence of a part's answer that a joined answer cannot leave out: its best, unless that lacks the asked-for
    figure or date and the sentence beside it holds it ("In October 2024, Kaohsiung co-hosted the workshop." is about
    the workshop; "Convening ... from 21 countries, the workshop ..." answers "how many countries")."""
    best = answer.citations[0]
    if part.answer_type in NAMED_KINDS or fills_slot(part, best.quote):
        return best  # a name is read by the tagger, which errs ("Edinburgh's continued willingness" as an ORG)
    filler = next((c for c in answer.citations[1:] if _beside(best, c) and fills_slot(part, c.quote)), None)
    return filler or best


# Where a closing aside set off by a comma begins: an apposition, a relative clause or a participle ("..., a European
# Union (EU) initiative promoting ...", "..., presenting its achievements in A, B, and C").
_ASIDE = re.compile(r",\s+(?:(?:a|an)\s|which\b|who\b|while\b|including\b|[a-z]+ing\b)")


def _without_aside(part: Query, quote: str) -> str:
    """The quote up to its closing aside (the shortest that can go), when the aside holds nothing the part asks or
    names: two parts' sentences must fit one answer. The quote stays verbatim, a prefix of the sentence."""
    asked = set(part.predicate) & {stem(w) for w in words(quote)}
    for aside in reversed(list(_ASIDE.finditer(quote))):
        kept = quote[: aside.start()]
        if len(kept.split()) < 8:
            break
        if (asked <= {stem(w) for w in words(kept)} and fills_slot(part, kept) == fills_slot(part, quote)
                and entity_coverage(list(part.entities), kept) >= entity_coverage(list(part.entities), quote)):
            return kept
    return quote


# Where a quote may be cut: after a comma, semicolon, colon or dash, or where the source glued two sentences
# together ("... mangrove plantingLo emphasized ...").
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—])\s+|(?<=[a-z]{3})(?=[A-Z][a-z]+\s)")


def _within_budget(parts: list[Query], best: list[Citation], max_words: int) -> list[Citation]:
    """Parts' sentences that still run over the budget together give up, longest first, all but the clauses holding
    what their part asks: "who heads the AIT branch in the band photo?" needs the caption's "Branch Chief Neil Gibson
    of the American Institute in Taiwan Kaohsiung Branch Office", not the four other people in it. Only a person or
    an organisation is cut out so: a name sits beside its title and office, where a place, date or figure may be
    another clause's ("in partnership with four offices" is no visitor count)."""
    best = list(best)
    for i in sorted(range(len(best)), key=lambda i: -len(best[i].quote.split())):
        if sum(len(c.quote.split()) for c in best) <= max_words:
            break
        if parts[i].answer_type in ("person", "organisation"):
            best[i] = replace(best[i], quote=_clauses_asked(parts[i], best[i].quote))
    return best


WORDS_PER_ASKED_WORD = 10  # a clause earns its place in a cut quote when it adds one of the part's words per ten


def _clauses_asked(part: Query, quote: str) -> str:
    """The run of the quote's clauses that fills the part's slot with the most of the part's words for its length
    (a verbatim piece of the quote; the answer marks it with ellipses). A person is kept by their full name where
    the quote gives it ("Deputy Mayor Lo Ta-sheng", not the "Lo emphasized" after it)."""
    breaks = list(_CLAUSE_BREAK.finditer(quote))
    starts = [0] + [m.end() for m in breaks]
    ends = [m.start() for m in breaks] + [len(quote)]
    asked = {w for w in part.predicate if not is_home(w)}  # "Kaohsiung" is in every clause's document
    full_names = [n for n, label in named(quote) if label == "PERSON" and len(n.split()) > 1]
    best, best_key = quote, None
    for i, start in enumerate(starts):
        for end in ends[i:]:
            run = quote[start:end]
            if not fills_slot(part, run) or (full_names and not any(n in run for n in full_names)):
                continue
            held = len(asked & {stem(w) for w in words(run)})
            key = (held - len(run.split()) / WORDS_PER_ASKED_WORD, -len(run.split()))
            if best_key is None or key > best_key:
                best, best_key = run, key
    return best


def _beside(a: Citation, b: Citation) -> bool:
    """Two quotes next to each other in one passage (the best sentence and the neighbour holding its span)."""
    if (a.passage.doc_id, a.passage.start) != (b.passage.doc_id, b.passage.start):
        return False
    text, i, j = a.passage.text, a.passage.text.find(a.quote), a.passage.text.find(b.quote)
    between = text[i + len(a.quote) : j] if i < j else text[j + len(b.quote) : i]
    return i >= 0 and j >= 0 and not between.strip()


def _one_per_entity(ranked: list[Evidence], entities: list[str], limit: int) -> list[Evidence]:
    """For comparisons: the best sentence naming each compared entity, so every side gets its evidence."""
    chosen: list[Evidence] = []
    for entity in entities:
        naming = next((c for c in ranked if entity_coverage([entity], c.text) == 1.0), None)
        if naming is not None and naming not in chosen and len(chosen) < limit:
            chosen.append(naming)
    return sorted(chosen, key=ranked.index)


def _with_neighbour(chosen: list[Evidence], step: int, max_words: int) -> list[Evidence]:
    """The best sentence with the neighbour that holds the asked-for span, in reading order; the other sentences
    follow while the word budget lasts (the neighbour is the answer, they only add to it)."""
    best = chosen[0]
    other = neighbour(best, step) if step else None
    if other is None or any((c.passage, c.start) == (other.passage, other.start) for c in chosen):
        return chosen
    pair = [other, best] if step < 0 else [best, other]
    budget = max_words - sum(c.words for c in pair)
    for extra in chosen[1:]:
        if extra.words <= budget:
            pair.append(extra)
            budget -= extra.words
    return pair


def _enumeration(first: Evidence) -> list[Evidence]:
    """The items that follow a sentence opening an enumeration ("First, ..."), in the same passage."""
    if not _ENUMERATION_START.match(first.text):
        return []
    items = []
    for start, end in sentence_spans(first.passage.text):
        if start <= first.start:
            continue
        if not _ENUMERATION_NEXT.match(first.passage.text[start:end]):
            break
        items.append(replace(first, start=start, end=end, context=""))
    return items


def _next_sentence(cand: Evidence) -> Evidence | None:
    """The sentence after `cand` in its passage (whatever it scored), typed for the same kind of answer."""
    after = neighbour(cand, 1)
    return None if after is None else replace(after, typed=has_answer_type(after.text, cand.kind))


def _combine(cand: Evidence) -> float:
    score = 0.5 * cand.coverage + 0.5 * max(cand.similarity, 0.0)
    score *= 0.2 + 0.8 * cand.entity_coverage**2
    return score if cand.typed else score * _UNTYPED_PENALTY.get(cand.kind, 0.8)


def _asked_thing(query: Query) -> set[str]:
    """The terms of the noun asked about: the question's focus, or a search box's last word ("wwc forum topics")."""
    return set(terms(query.focus)) or (set(terms(query.english.split()[-1])) if query.terse else set())


def _sentences(passages: list[Passage], within_paragraph: bool = False) -> list[Evidence]:
    """Distinct sentences of the passages (first occurrence wins), each with its neighbours as context; with
    `within_paragraph`, only the neighbours of its own paragraph (a talking point stands on its paragraph: the naval
    base that closes one is no point on the chip base that opens the next)."""
    seen: set[str] = set()
    out: list[Evidence] = []
    documents: dict[str, str] = {}
    for passage in passages:
        documents[passage.doc_id] = f"{documents.get(passage.doc_id, '')} {passage.text}"
    for rank, passage in enumerate(passages):
        spans = sentence_spans(passage.text)
        for i, (start, end) in enumerate(spans):
            text = passage.text[start:end]
            key = " ".join(text.split())
            if key in seen or _is_heading(text):
                continue
            seen.add(key)
            before = passage.text[spans[i - 1][0] : spans[i - 1][1]] if i > 0 else ""
            after = passage.text[spans[i + 1][0] : spans[i + 1][1]] if i + 1 < len(spans) else ""
            if _is_heading(after):  # the next section's title labels what follows, not this sentence
                after = ""
            if within_paragraph and i > 0 and "\n\n" in passage.text[spans[i - 1][1] : start]:
                before = ""
            if within_paragraph and i + 1 < len(spans) and "\n\n" in passage.text[end : spans[i + 1][0]]:
                after = ""
            out.append(Evidence(passage_rank=rank, passage=passage, start=start, end=end, context=f"{before} {after}",
                                document=documents[passage.doc_id]))
    return out


def _is_heading(text: str) -> bool:
    """Section titles and captions without a full stop are labels, not statements to quote."""
    return len(text.split()) < 3 or (not re.search(r"[.!?。！？][\"”’)\]]*$", text) and len(text.split()) < 10)


def _stated_values(query: Query, passages: list[Passage]) -> set[str]:
    """The question's years, months and numbers that the passages do state ("the 2026 Kaohsiung Smart City Expo"),
    as the "not ..." reasons a sentence lacking one gives: such a premise is not contradicted, only unanswered,
    so there is nothing to correct."""
    stated = set()
    for value in query.years + query.months + query.numbers:
        said = re.compile(rf"(?<![\w.,]){re.escape(value)}(?![\w]|[.,]\d)", re.I)
        if any(said.search(p.text) for p in passages):
            stated.add(f"not {value}".lower())
    return stated


def correction(query: Query, evidence: Evidence, verdict: Verdict) -> Answer:
    """A false premise: say the documents do not support it, and quote what they do say (abstained, cited)."""
    lead = CORRECTION_TEXT + (f" ({verdict.reason})" if verdict.reason else "") + ". They say:"
    if query.language == "zh":
        lead = CORRECTION_TEXT_ZH + " " + lead
    quote = evidence.text
    return Answer(text=f"{lead} {quote} [1]", abstained=True, question=query.text,
                  citations=[Citation(n=1, passage=evidence.passage, quote=quote)], notes=["premise corrected"])


def compose(question: str, chosen: list[Evidence], bullets: bool = False) -> Answer:
    """Answer text with one [n] marker per sentence, and the matching citations."""
    return cite(question, [(c.passage, c.text) for c in chosen], bullets)


def cite(question: str, quotes: list[tuple[Passage, str]], bullets: bool = False) -> Answer:
    """Quotes (with the passage each comes from) as answer text with [n] markers, and the matching citations."""
    citations = [Citation(n=i + 1, passage=passage, quote=quote) for i, (passage, quote) in enumerate(quotes)]
    parts = [f"{_marked_cut(c)} [{c.n}]" for c in citations]
    text = "\n".join(f"- {p}" for p in parts) if bullets else " ".join(parts)
    return Answer(text=text, citations=citations, abstained=False, question=question)


def _marked_cut(citation: Citation) -> str:
    """The quote with an ellipsis where it starts or stops inside its sentence."""
    text, quote = citation.passage.text, citation.quote
    at = text.find(quote)
    if at < 0:
        return quote
    spans = sentence_spans(text)
    starts, ends = {s for s, _ in spans}, {e for _, e in spans}
    return f"{'' if at in starts else '…'}{quote}{'' if at + len(quote) in ends else '…'}"
