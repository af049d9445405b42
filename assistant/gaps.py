"""What the documents don't answer: abstentions and thumbs-down, grouped by similar questions, for staff.

The entries live in the index's durable record (index/record.py); this module only groups and exports them.
"""
from __future__ import annotations

import csv
import io
import time
from typing import Sequence

import numpy as np

SIMILAR = 0.75  # cosine of two question embeddings that count as the same question asked again


def group_gaps(entries: list[dict], vectors: Sequence[Sequence[float]]) -> list[dict]:
    """Entries grouped greedily by their questions' embeddings (each joins the first group whose first question is
    at least SIMILAR to it), largest group first: {question, count, first, last, kinds, entries}.

    >>> [g["count"] for g in group_gaps([{"question": "a", "at": 0, "kind": "abstained"}] * 2, [[1, 0], [1, 0]])]
    [2]
    """
    unit = np.asarray(vectors, dtype=np.float32).reshape(len(entries), -1)
    unit = unit / np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-9)
    heads: list[int] = []
    members: list[list[int]] = []
    for i in range(len(entries)):
        near = [g for g, head in enumerate(heads) if float(unit[i] @ unit[head]) >= SIMILAR]
        if near:
            members[near[0]].append(i)
        else:
            heads.append(i)
            members.append([i])
    groups = [_group([entries[i] for i in found]) for found in members]
    return sorted(groups, key=lambda g: (-g["count"], -g["last"]))


def _group(entries: list[dict]) -> dict:
    kinds = sorted({e["kind"] for e in entries})
    return {"question": entries[0]["question"], "count": len(entries), "first": min(e["at"] for e in entries),
            "last": max(e["at"] for e in entries), "kinds": kinds, "entries": entries}


def day(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(at))


def gaps_csv(groups: list[dict]) -> str:
    """One row per entry, with its group's number and question: what staff open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "group_question", "id", "time", "kind", "question", "answer", "cited", "reason"])
    for n, g in enumerate(groups, 1):
        for e in g["entries"]:
            writer.writerow([n, g["question"], e["id"], time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(e["at"])),
                             e["kind"], e["question"], e["answer"], " ".join(e["cited"]), e["reason"]])
    return out.getvalue()


def gaps_table(groups: list[dict]) -> list[list]:
    """One row per group: count, question, first and last day, kinds, entry ids (for deleting), and the
    visitors' reasons for a thumbs-down (each once), which say what a disliked answer lacked."""
    return [[g["count"], g["question"], day(g["first"]), day(g["last"]), ", ".join(g["kinds"]),
             " ".join(str(e["id"]) for e in g["entries"]),
             "; ".join(dict.fromkeys(e["reason"] for e in g["entries"] if e["reason"]))] for g in groups]


GAPS_COLUMNS = ["count", "question", "first", "last", "kinds", "ids", "reasons"]
