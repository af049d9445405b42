"""The quality guard and `auto`: measure candidate backends on a calibration sample against fp32,
keep the fastest that stays within the cosine threshold, and remember the decision on disk."""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import ConfigError
from . import BACKENDS, unavailable
from .base import Runner

GUARD_MEAN = 0.999       # default: mean cosine to fp32 on the calibration sample
GUARD_INT8 = 0.99        # an int8 backend the user chose explicitly
TIE = 0.15               # speeds closer than this are a tie (run-to-run noise on a shared 2-core machine)

Build = Callable[[str], Runner]


@dataclass
class Trial:
    """One backend measured on the calibration sample (chunks_per_s 0 when it could not run)."""

    backend: str
    chunks_per_s: float = 0.0
    cosine_mean: float = 0.0
    cosine_min: float = 0.0
    passed: bool = False
    note: str = ""


def threshold(name: str, explicit: bool) -> float:
    return GUARD_INT8 if explicit and BACKENDS[name].int8 else GUARD_MEAN


def cosines(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    a = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    b = reference / np.maximum(np.linalg.norm(reference, axis=1, keepdims=True), 1e-12)
    return (a * b).sum(axis=1)


def measure(runner: Runner, sample: list[str]) -> tuple[np.ndarray, float]:
    """Vectors and chunks/s on the sample, after one small warm-up call."""
    runner.encode(sample[:4])
    started = time.perf_counter()
    vectors = runner.encode(sample)
    return vectors, len(sample) / max(time.perf_counter() - started, 1e-9)


def attempt(name: str, build: Build, sample: list[str], reference: np.ndarray,
            minimum: float) -> tuple[Runner | None, Trial]:
    """Build and measure one backend; a failure to build is a trial with a note, not an error."""
    problem = unavailable(name)
    if problem:
        return None, Trial(name, note=problem)
    try:
        runner = build(name)
        vectors, speed = measure(runner, sample)
    except (ConfigError, ImportError, RuntimeError, OSError) as e:
        return None, Trial(name, note=f"failed: {e}")
    c = cosines(vectors, reference)
    passed = bool(c.mean() >= minimum)
    note = "" if passed else f"cosine mean {c.mean():.5f} < {minimum}"
    return runner, Trial(name, speed, float(c.mean()), float(c.min()), passed, note)


def pick(trials: list[Trial]) -> str:
    """The fastest passing backend; within a tie, the one needing fewer optional packages."""
    passing = [t for t in trials if t.passed]
    fastest = max(t.chunks_per_s for t in passing)
    close = [t for t in passing if t.chunks_per_s >= fastest * (1 - TIE)]
    return min(close, key=lambda t: (len(BACKENDS[t.backend].modules), -t.chunks_per_s)).backend


def choose(requested: str, candidates: list[str], build: Build, sample: list[str]) -> tuple[Runner, list[Trial]]:
    """Run the guard: an explicit backend is kept if it passes; otherwise (or for auto) the fastest
    passing candidate wins. The fp32 reference always passes, so there is always a winner."""
    if requested != "auto" and unavailable(requested):
        raise ConfigError(unavailable(requested))
    reference_runner = build("torch-fp32")
    reference, speed = measure(reference_runner, sample)
    trials = [Trial("torch-fp32", speed, 1.0, 1.0, True)]
    runners: dict[str, Runner] = {"torch-fp32": reference_runner}
    if requested not in ("auto", "torch-fp32"):
        runner, trial = attempt(requested, build, sample, reference, threshold(requested, explicit=True))
        if runner is None:
            raise ConfigError(trial.note)
        trials.append(trial)
        if trial.passed:
            return runner, trials
    for name in candidates:
        if name not in {t.backend for t in trials}:
            runner, trial = attempt(name, build, sample, reference, threshold(name, explicit=False))
            trials.append(trial)
            if runner is not None and trial.passed:
                runners[name] = runner
    return runners[pick(trials)], trials


class ChoiceCache:
    """backend decisions in one JSON file, keyed by model, request, host features and versions."""

    def __init__(self, path: Path):
        self.path = path

    def get(self, key: str) -> dict | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError):
            return None

    def put(self, key: str, backend: str, trials: list[Trial]) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        data[key] = {"backend": backend, "trials": [asdict(t) for t in trials], "when": time.time()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temp, self.path)
