"""`auto`'s speed decision: paired, alternating rounds on realistic text, a margin the winner must earn, and a
cache that keeps only decisions taken on a quiet machine.

One short trial under load once picked a backend 20% slower than the best and cached it for good (issue 15).
So every candidate runs on the same slices in every round (a neighbour's burst lands on all of them), the
winner must beat the runner-up by more than the rounds disagree, and a decision taken while the machine is
busy is held only for a while, then measured again.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
from typing import Callable

from . import BACKENDS

ROUNDS = 3
LOAD_LIMIT = 0.5      # busy: the 1-minute load average before measuring is over this share of the cores
SPREAD_LIMIT = 0.25   # busy: the winner's round times differ by more than this share of their median
HOLD_S = 15 * 60      # a decision taken while busy is used this long, then measured again
REDO = "assistant bench --decide"

Clock = Callable[[], float]


@dataclass
class Decision:
    """Which backend `auto` uses and how sure the measurement was (margin and spread are shares: 0.2 = 20%)."""

    backend: str
    runner_up: str = ""
    margin: float = 0.0
    spread: float = 0.0
    confident: bool = True
    reason: str = ""
    busy: str = ""
    load: float = 0.0
    cores: int = 1
    when: float = 0.0

    @property
    def settled(self) -> bool:
        """Taken on a quiet machine, so it is kept until the host or the versions change."""
        return not self.busy

    def describe(self) -> str:
        """One line for `assistant status` and `assistant bench`."""
        taken = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.when)) if self.when else "not measured"
        kept = "settled" if self.settled else f"provisional ({self.busy}; measured again after {HOLD_S // 60} min)"
        return f"{self.backend}, decided {taken}: {self.reason}; {kept}; redo with `{REDO}`"


def paired_rounds(contenders: dict[str, Callable[[list[str]], object]], texts: list[str], rounds: int = ROUNDS,
                  slices: int = 4, clock: Clock = time.perf_counter) -> dict[str, list[float]]:
    """Seconds per round for each contender on the same texts. Each round cuts the texts into slices and runs
    every contender on a slice before the next one, in reversed order every other time, so drift and bursts of
    load are shared rather than landing on whoever ran last."""
    names = list(contenders)
    size = -(-len(texts) // max(1, slices))
    parts = [texts[i : i + size] for i in range(0, len(texts), size)]
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        took = dict.fromkeys(names, 0.0)
        for s, part in enumerate(parts):
            for name in names if (r * len(parts) + s) % 2 == 0 else names[::-1]:
                started = clock()
                contenders[name](part)
                took[name] += clock() - started
        for name in names:
            seconds[name].append(took[name])
    return seconds


def dependencies(name: str) -> int:
    """Optional things a backend needs beyond torch: packages, and a C++ compiler for the compiled route."""
    return len(BACKENDS[name].modules) + name.endswith("compiled")


def gains(seconds: dict[str, list[float]], faster: str, slower: str) -> list[float]:
    """Per round, how much faster `faster` was than `slower` on the same texts (0.2 = 20% faster)."""
    return [s / max(f, 1e-12) - 1 for f, s in zip(seconds[faster], seconds[slower])]


def busy_reason(seconds: list[float], load: float, cores: int) -> str:
    """Why the measurement cannot be trusted for good, or "" on a quiet machine."""
    if load > LOAD_LIMIT * cores:
        return f"machine busy: load average {load:.2f} on {cores} cores"
    middle = median(seconds)
    if middle > 0 and (max(seconds) - min(seconds)) / middle > SPREAD_LIMIT:
        return f"machine busy: round times varied by {(max(seconds) - min(seconds)) / middle:.0%}"
    return ""


def decide(seconds: dict[str, list[float]], load: float, cores: int, now: float) -> Decision:
    """The backend to use from paired round times of the backends that passed the quality guard.

    The fastest (by median) wins when it beats the runner-up by more than the rounds' spread; otherwise the
    backends it did not clearly beat are a tie, and the one with fewer dependencies is used, and said so.
    """
    ranked = sorted(seconds, key=lambda name: median(seconds[name]))
    winner = ranked[0]
    busy = busy_reason(seconds[winner], load, cores)
    if len(ranked) == 1:
        return Decision(winner, reason="the only backend that passed the guard", busy=busy, load=load,
                        cores=cores, when=now)
    runner_up = ranked[1]
    margin, spread = _margin(seconds, winner, runner_up)
    if margin > spread:
        return Decision(winner, runner_up, margin, spread, True,
                        f"{margin:.0%} faster than {runner_up}, beyond the rounds' spread of {spread:.0%}",
                        busy, load, cores, now)
    tied = [winner] + [name for name in ranked[1:] if not _clearly_beats(seconds, winner, name)]
    chosen = min(tied, key=lambda name: (dependencies(name), ranked.index(name)))
    # The median round time and the median paired gain may disagree in sign on a tie: say how far apart they were.
    why = (f"{winner} and {runner_up} were {abs(margin):.0%} apart, within the rounds' spread of {spread:.0%}: "
           + (f"chose {chosen}, which needs fewer optional dependencies" if chosen != winner
              else f"kept {winner}, which needs no more dependencies than the others"))
    return Decision(chosen, runner_up if chosen == winner else winner, margin, spread, False, why, busy, load,
                    cores, now)


def _clearly_beats(seconds: dict[str, list[float]], faster: str, slower: str) -> bool:
    margin, spread = _margin(seconds, faster, slower)
    return margin > spread


def _margin(seconds: dict[str, list[float]], faster: str, slower: str) -> tuple[float, float]:
    """Median paired gain of `faster` over `slower`, and the range of that gain over the rounds."""
    g = gains(seconds, faster, slower)
    return median(g), max(g) - min(g)


def machine_load() -> float:
    """The 1-minute load average (0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


class ChoiceCache:
    """Backend decisions in one JSON file, keyed by model, request, host features and versions.

    A decision taken on a busy machine is held for HOLD_S only; entries from before paired rounds (no
    decision recorded) are measured again."""

    def __init__(self, path: Path, clock: Clock = time.time):
        self.path = path
        self.clock = clock

    def get(self, key: str) -> dict | None:
        entry = self._read().get(key)
        if not entry or "decision" not in entry:
            return None
        decision = Decision(**entry["decision"])
        if not decision.settled and self.clock() > decision.when + HOLD_S:
            return None
        return entry

    def put(self, key: str, decision: Decision, trials: list) -> None:
        data = self._read()
        data[key] = {"backend": decision.backend, "decision": asdict(decision), "trials": [asdict(t) for t in trials]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temp, self.path)

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
