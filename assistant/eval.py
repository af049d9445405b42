"""The scoring rules of shared/eval/README.md: evidence recall@k, MRR, fact accuracy, abstention, citations."""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AssistantError
from .text import normalise

if TYPE_CHECKING:
    from .assistant import Assistant

MAX_ANSWER_WORDS = 80


def load_questions(path: str | Path) -> list[dict]:
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise AssistantError(f"cannot read question file {path}: {e.strerror}") from e
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise AssistantError(f"{path}:{number}: not valid JSON ({e.msg})") from e
    return rows


def holds_quote(passage_text: str, quote: str) -> bool:
    """The passage contains the quote, or a contiguous run of max(6, ceil(0.6 n)) of its n words."""
    text, q = normalise(passage_text), normalise(quote)
    if q in text:
        return True
    quote_words = q.split()
    run = max(6, math.ceil(0.6 * len(quote_words)))
    if run > len(quote_words):
        return False
    return any(" ".join(quote_words[i : i + run]) in text for i in range(len(quote_words) - run + 1))


def matches_expectations(answer_text: str, expect: list[list[str]]) -> bool:
    text = normalise(answer_text)
    return all(any(normalise(alt) in text for alt in group) for group in expect)


@dataclass
class Outcome:
    """What happened to one question."""

    id: str
    kind: str
    answerable: bool
    recall: float = 0.0
    reciprocal_rank: float = 0.0
    correct: bool = False
    abstained: bool = False
    cited_evidence: bool = False
    answer: str = ""


@dataclass
class Scores:
    """Headline figures over a set of outcomes, plus the ids that failed each one."""

    n: int = 0
    evidence_recall: float = 0.0
    mrr: float = 0.0
    fact_accuracy: float = 0.0
    abstention: float = 0.0
    false_abstention: float = 0.0
    cited_evidence: float = 0.0
    wrong_answers: float = 0.0
    failing: dict[str, list[str]] = field(default_factory=dict)


def replay(assistant: Assistant, row: dict) -> list[dict[str, str]]:
    """Ask the row's earlier turns in order; the messages they leave are the question's history."""
    history: list[dict[str, str]] = []
    for turn in row.get("history") or []:
        previous = assistant.ask(turn, history=list(history))
        history += [{"role": "user", "content": turn}, {"role": "assistant", "content": previous.text}]
    return history


def run_question(assistant: Assistant, row: dict, k: int) -> Outcome:
    history = replay(assistant, row)
    passages = assistant.retrieve(row["question"], k=k, history=list(history))
    return judge_answer(row, assistant.ask(row["question"], history=list(history)), passages)


def judge_answer(row: dict, answer, passages) -> Outcome:
    """Score one answer (and the passages retrieved for it) by the rules of shared/eval/README.md."""
    quotes = [e["quote"] for e in row.get("evidence") or []]
    out = Outcome(id=row["id"], kind=row.get("kind", ""), answerable=bool(row.get("answerable", True)),
                  abstained=answer.abstained, answer=answer.text)
    if quotes:
        out.recall = sum(any(holds_quote(p.text, q) for p in passages) for q in quotes) / len(quotes)
        rank = next((i for i, p in enumerate(passages, 1) if any(holds_quote(p.text, q) for q in quotes)), 0)
        out.reciprocal_rank = 1.0 / rank if rank else 0.0
        out.cited_evidence = any(holds_quote(c.passage.text, q) for c in answer.citations for q in quotes)
    short_enough = out.kind == "talking-points" or len(answer.text.split()) <= MAX_ANSWER_WORDS
    out.correct = (out.answerable and not answer.abstained and short_enough
                   and matches_expectations(answer.text, row.get("expect") or []))
    return out


def wrong(o: Outcome) -> bool:
    """A confident, cited, wrong answer: not abstained, and either unanswerable or missing its facts."""
    return not o.abstained and (not o.answerable or not o.correct)


def score(outcomes: list[Outcome]) -> Scores:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]

    def share(rows: list[Outcome], value) -> float:
        return sum(value(o) for o in rows) / len(rows) if rows else 0.0

    return Scores(
        n=len(outcomes),
        evidence_recall=share(answerable, lambda o: o.recall),
        mrr=share(answerable, lambda o: o.reciprocal_rank),
        fact_accuracy=share(answerable, lambda o: o.correct),
        abstention=share(unanswerable, lambda o: o.abstained),
        false_abstention=share(answerable, lambda o: o.abstained),
        cited_evidence=share(answerable, lambda o: o.cited_evidence),
        wrong_answers=share(outcomes, wrong),
        failing={
            "evidence": [o.id for o in answerable if o.recall < 1],
            "fact": [o.id for o in answerable if not o.correct],
            "abstention": [o.id for o in unanswerable if not o.abstained],
            "false_abstention": [o.id for o in answerable if o.abstained],
            "citation": [o.id for o in answerable if not o.cited_evidence],
            "wrong": [o.id for o in outcomes if wrong(o)],
        },
    )


def evaluate(assistant: Assistant, path: str | Path | list, k: int = 5) -> dict[str, Any]:
    """Run every question of one or more JSONL files; headline scores exclude `zh`, which is scored on its own."""
    paths = path if isinstance(path, (list, tuple)) else [path]
    outcomes = [run_question(assistant, row, k) for p in paths for row in load_questions(p)]
    headline = [o for o in outcomes if o.kind != "zh"]
    chinese = [o for o in outcomes if o.kind == "zh"]
    return {"k": k, "headline": score(headline), "zh": score(chinese) if chinese else None, "outcomes": outcomes}


def format_report(result: dict[str, Any]) -> str:
    def line(name: str, s: Scores) -> str:
        return (f"{name:<9} n={s.n:<3} evidence_recall@{result['k']}={s.evidence_recall:.3f}  mrr={s.mrr:.3f}  "
                f"fact_accuracy={s.fact_accuracy:.3f}  abstention={s.abstention:.3f}  "
                f"false_abstention={s.false_abstention:.3f}  cited_evidence={s.cited_evidence:.3f}  "
                f"wrong_answers={s.wrong_answers:.3f}")

    head: Scores = result["headline"]
    lines = [line("headline", head)]
    if result["zh"] is not None:
        lines.append(line("zh", result["zh"]))
    for name, ids in head.failing.items():
        if ids:
            lines.append(f"failing {name}: {' '.join(ids)}")
    return "\n".join(lines)


# -- calibration -------------------------------------------------------------------------------------------
THRESHOLDS = tuple(round(0.10 + 0.02 * i, 2) for i in range(16))  # 0.10 ... 0.40


def utility(outcomes: list[Outcome]) -> float:
    """What a threshold is chosen for: right answers and right abstentions count 1, a wrong answer costs 2."""
    return sum((o.correct if o.answerable else o.abstained) - 2 * wrong(o) for o in outcomes)


def outcomes_by_threshold(assistant: Assistant, rows: list[dict], k: int = 5,
                          thresholds: tuple[float, ...] = THRESHOLDS) -> dict[float, list[Outcome]]:
    """Every question answered at every threshold, from one retrieval and one scoring per question."""
    step = assistant.extractive
    table: dict[float, list[Outcome]] = {t: [] for t in thresholds}
    for row in rows:
        history = replay(assistant, row)
        passages = assistant.retrieve(row["question"], k=k, history=list(history))  # recall@k is read from these
        query = assistant.understand(row["question"], history=list(history))
        used = assistant.retrieve(row["question"], history=list(history))  # the passages `ask` answers from
        if query.mode == "points":
            answer = assistant.ask(row["question"], history=list(history))
            for t in thresholds:
                table[t].append(judge_answer(row, answer, passages))
            continue
        if query.parts:  # each part is decided on its own, at each threshold
            for t in thresholds:
                table[t].append(judge_answer(row, step.answer_parts(query, used, list(history), t), passages))
            continue
        judged = step.judged(query, used, min(thresholds))
        for t in thresholds:
            table[t].append(judge_answer(row, step.decide(query, judged, t), passages))
    return table


def best_threshold(table: dict[float, list[Outcome]], keep: set[str] | None = None) -> float:
    """The middle of the best-utility band (ties are common on small sets), over the questions in `keep`."""
    values = {t: utility([o for o in rows if keep is None or o.id in keep]) for t, rows in table.items()}
    top = max(values.values())
    best = [t for t, v in sorted(values.items()) if v == top]
    return best[len(best) // 2]


def cross_validate(table: dict[float, list[Outcome]], folds: int = 5) -> dict[str, Any]:
    """k-fold: choose the threshold on k-1 folds, score the held-out fold with it; all held-out outcomes pooled."""
    ids = sorted({o.id for o in next(iter(table.values()))}, key=lambda i: hashlib.sha256(i.encode()).hexdigest())
    held_out: list[Outcome] = []
    chosen = []
    for f in range(folds):
        test = set(ids[f::folds])
        threshold = best_threshold(table, set(ids) - test)
        chosen.append(threshold)
        held_out += [o for o in table[threshold] if o.id in test]
    return {"thresholds": chosen, "outcomes": held_out}


def calibrate(assistant: Assistant, rows: list[dict], k: int = 5, folds: int = 5) -> dict[str, Any]:
    """The threshold procedure of the README: the questions plus their generated unanswerable variants, every
    threshold scored in-sample, the best one chosen, and k-fold cross-validated figures beside it."""
    from .counterfactual import counterfactuals

    documents = [c.text for c in assistant.retriever.lexical().chunks]
    generated = counterfactuals(rows, documents)
    table = outcomes_by_threshold(assistant, rows + generated, k)
    best = best_threshold(table)
    cv = cross_validate(table, folds)
    return {"k": k, "folds": folds, "questions": len(rows), "generated": len(generated), "best": best,
            "cv_thresholds": cv["thresholds"], "in_sample": _split(table[best]), "cross_validated": _split(cv["outcomes"]),
            "by_threshold": {t: _split(o) for t, o in table.items()}}


def _split(outcomes: list[Outcome]) -> dict[str, Scores]:
    """Headline (the given questions but zh), generated variants, and zh, each scored on its own."""
    parts = {"headline": [o for o in outcomes if "-cf-" not in o.id and o.kind != "zh"],
             "generated": [o for o in outcomes if "-cf-" in o.id],
             "zh": [o for o in outcomes if o.kind == "zh"]}
    return {name: score(rows) for name, rows in parts.items() if rows}


def format_calibration(result: dict[str, Any]) -> str:
    def figures(split: dict[str, Scores]) -> str:
        head, gen = split["headline"], split.get("generated")
        text = (f"fact {head.fact_accuracy:.3f}  abstention {head.abstention:.3f}  false abstention "
                f"{head.false_abstention:.3f}  wrong {head.wrong_answers:.3f}  cited {head.cited_evidence:.3f}")
        if gen:
            text += f"  | generated abstention {gen.abstention:.3f}"
        if "zh" in split:
            text += f"  | zh fact {split['zh'].fact_accuracy:.3f} wrong {split['zh'].wrong_answers:.3f}"
        return text

    lines = [f"{result['questions']} questions + {result['generated']} generated unanswerable variants, k={result['k']}"]
    lines += [f"  threshold {t:.2f}: {figures(split)}" for t, split in result["by_threshold"].items()]
    lines.append(f"in-sample  (threshold {result['best']:.2f}): {figures(result['in_sample'])}")
    chosen = " ".join(f"{t:.2f}" for t in result["cv_thresholds"])
    lines.append(f"{result['folds']}-fold CV (thresholds {chosen}): {figures(result['cross_validated'])}")
    return "\n".join(lines)
