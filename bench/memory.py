"""Memory, measured with tracemalloc: the cost of live child proxies, and what a traversal leaks.

1. Bytes per live child proxy: hold ``root[i]`` for every row of a list of chat messages and
   divide the growth by the number of rows (any per-parent cache is included).
2. Traversal: read ``root[i]["text"]`` for every row and iterate over the list once, drop every
   reference, collect, and compare with the baseline taken just before.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.adapters import Adapter
from bench.timing import NotApplicable
from bench.workloads import messages

BASELINE_SLACK = 8 * 1024
"""Bytes a traversal may leave behind and still count as back at baseline (allocator noise)."""


@dataclass(frozen=True)
class MemoryResult:
    """One approach's memory figures, or the reason it could not be measured."""

    label: str
    rows: int
    bytes_per_child: float | None = None
    peak_per_row: float | None = None
    retained_bytes: int | None = None
    retained_after_batch: int | None = None
    reason: str | None = None

    @property
    def back_to_baseline(self) -> bool | None:
        """Return whether the traversal left at most ``BASELINE_SLACK`` bytes behind."""
        if self.retained_after_batch is None:
            return None
        return self.retained_after_batch <= BASELINE_SLACK


def _current() -> int:
    """Return the traced bytes in use after a full collection."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def _live_children(adapter: Adapter, rows: int) -> float:
    """Return bytes per child proxy while every child of a list of rows is held."""
    tracked = adapter.track(messages(rows))
    holder: list[Any] = [None] * rows
    result: list[float] = []

    def step(root: Any) -> None:
        base = _current()
        for i in range(rows):
            holder[i] = root[i]
        result.append((_current() - base) / rows)
        holder[:] = [None] * rows

    tracked.run(step)
    return result[0]


def _traversal(adapter: Adapter, rows: int) -> tuple[float, int, int]:
    """Return (peak bytes per row, retained inside the batch, retained after the batch)."""
    tracked = adapter.track(messages(rows))
    figures: list[int] = []

    def step(root: Any) -> None:
        base = _current()
        tracemalloc.reset_peak()
        for i in range(rows):
            root[i]["text"]
        for row in root:
            row["text"]
        del row
        peak = tracemalloc.get_traced_memory()[1]
        figures.extend((base, peak, _current()))

    outer_base = _current()
    tracked.run(step)
    after_batch = _current()
    base, peak, inside = figures
    return (peak - base) / rows, inside - base, after_batch - outer_base


def measure_memory(adapters: Sequence[Adapter], rows: int) -> list[MemoryResult]:
    """Measure every adapter; returns one result each (with a reason when n/a)."""
    results = []
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        for adapter in adapters:
            reason = adapter.unavailable()
            if reason is not None:
                results.append(MemoryResult(adapter.name, rows, reason=reason))
                continue
            try:
                per_child = _live_children(adapter, rows)
                peak, inside, after = _traversal(adapter, rows)
            except NotApplicable as exc:
                results.append(MemoryResult(adapter.name, rows, reason=str(exc)))
                continue
            except Exception as exc:
                reason = f"error: {type(exc).__name__}: {exc}"[:160]
                results.append(MemoryResult(adapter.name, rows, reason=reason))
                continue
            results.append(MemoryResult(adapter.name, rows, per_child, peak, inside, after))
    finally:
        if started:
            tracemalloc.stop()
    return results
