"""Interleaved, gc-free timing: every approach sees the same noise, and the median wins.

Each repeat runs every subject once, in an order rotated by one per repeat, so slow drifts
(CPU frequency, other processes) hit all approaches alike. Set-up runs untimed before each
sample; the timed body runs with the cyclic garbage collector disabled, as ``timeit`` does.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MIN_REPEATS = 7

Body = Callable[[], object]
"""The timed part of one sample: performs ``ops`` operations."""


class NotApplicable(Exception):
    """An approach cannot run a workload; the message says why."""


@dataclass(frozen=True)
class Subject:
    """One approach on one workload: an untimed set-up that returns the timed body."""

    label: str
    ops: int
    prepare: Callable[[], Body]
    warmup: bool = True


@dataclass(frozen=True)
class Measurement:
    """The per-operation times of one subject, or the reason it could not run."""

    label: str
    ops: int
    samples_ns: tuple[float, ...] = ()
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """Return True when the subject ran and has samples."""
        return self.reason is None and bool(self.samples_ns)

    @property
    def median_ns(self) -> float | None:
        """Return the median nanoseconds per operation, or None when not measured."""
        return statistics.median(self.samples_ns) if self.ok else None

    @property
    def spread(self) -> float | None:
        """Return (max - min) / median of the samples, a rough noise indicator."""
        median = self.median_ns
        if median is None or median == 0:
            return None
        return (max(self.samples_ns) - min(self.samples_ns)) / median


def settle() -> None:
    """Collect garbage, then freeze every survivor so per-sample collections skip them.

    Imported frameworks (gradio, reflex, streamlit) and large set-up values would otherwise
    make the ``gc.collect()`` before each sample take a tenth of a second or more.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def time_body(body: Body, ops: int) -> float:
    """Run the body once with the collector off and return nanoseconds per operation."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        body()
        elapsed = time.perf_counter_ns() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed / max(ops, 1)


def _describe(exc: BaseException) -> str:
    """Return a one-line reason for a failed subject."""
    if isinstance(exc, NotApplicable):
        return str(exc)
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"error: {type(exc).__name__}: {text}"[:160]


def measure(subjects: Sequence[Subject], repeats: int = MIN_REPEATS) -> list[Measurement]:
    """Time all subjects ``repeats`` times, interleaved, and return one measurement each."""
    if repeats < MIN_REPEATS:
        raise ValueError(f"need at least {MIN_REPEATS} repeats, got {repeats}")
    samples: dict[str, list[float]] = {s.label: [] for s in subjects}
    failed: dict[str, str] = {}
    for subject in subjects:
        if not subject.warmup:
            continue
        try:
            subject.prepare()()
        except Exception as exc:
            failed[subject.label] = _describe(exc)
    for repeat in range(repeats):
        shift = repeat % len(subjects) if subjects else 0
        for subject in [*subjects[shift:], *subjects[:shift]]:
            if subject.label in failed:
                continue
            try:
                body = subject.prepare()
                samples[subject.label].append(time_body(body, subject.ops))
            except Exception as exc:
                failed[subject.label] = _describe(exc)
    return [
        Measurement(
            label=s.label,
            ops=s.ops,
            samples_ns=tuple(samples[s.label]) if s.label not in failed else (),
            reason=failed.get(s.label),
        )
        for s in subjects
    ]
