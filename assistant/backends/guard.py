"""The quality guard: measure candidate backends on a calibration sample against fp32 and keep those within the
cosine threshold; `auto` then times the survivors (decision.py) and uses the one it decides on."""
from __future__ import annotations

import time
from dataclasses import dataclass
from statistics import median
from typing import Callable

import numpy as np

from ..errors import ConfigError
from . import BACKENDS, unavailable
from .base import Runner
from .decision import Decision, decide, paired_rounds

GUARD_MEAN = 0.999       # default: mean cosine to fp32 on the calibration sample
GUARD_INT8 = 0.99        # an int8 backend the user chose explicitly

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


def choose(requested: str, candidates: list[str], build: Build, sample: list[str], timing_texts: list[str],
           load: float, cores: int, now: float) -> tuple[Runner, list[Trial], Decision]:
    """Run the guard: an explicit backend is kept if it passes; otherwise (or for auto) the passing candidates
    are timed in paired rounds on `timing_texts` and `decide` picks one. The fp32 reference always passes, so
    there is always a winner."""
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
            return runner, trials, Decision(requested, reason="asked for by name and passed the guard", when=now)
    for name in candidates:
        if name not in {t.backend for t in trials}:
            runner, trial = attempt(name, build, sample, reference, threshold(name, explicit=False))
            trials.append(trial)
            if runner is not None and trial.passed:
                runners[name] = runner
    # Each timed call holds several batches, as an ingest's do: OpenVINO runs one batch per core at a time, so a
    # call of one batch (16 texts cut into 4 slices) left a core idle and made it look 40% slower than it is.
    slices = max(1, len(timing_texts) // (cores * Runner.max_items))
    for runner in runners.values():  # first calls on new shapes (OpenVINO's, the allocator's) stay out of round 1
        runner.encode(timing_texts[: -(-len(timing_texts) // slices)])
    seconds = paired_rounds({name: r.encode for name, r in runners.items()}, timing_texts, slices=slices)
    for trial in trials:
        if trial.backend in seconds:
            trial.chunks_per_s = len(timing_texts) / max(median(seconds[trial.backend]), 1e-9)
    decision = decide(seconds, load, cores, now)
    return runners[decision.backend], trials, decision
