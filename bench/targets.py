"""The performance targets of the core speed issue (pure Python), and their PASS/MISS evaluation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.memory import BASELINE_SLACK, MemoryResult
from bench.timing import Measurement

RAW = "raw Python"
OBSERVABLE = "observable"

RAW_LIMITS: dict[str, float] = {
    "list.append": 15,
    "dict.setitem": 12,
    "set.add": 10,
    "nested.append": 15,
    "dataclass.setattr": 30,
    "nested.read": 15,
    "store.append": 25,
}
"""The most observable may cost, as a multiple of raw Python, per workload."""

PEER_FACTOR = 2.0
"""observable must be at least this many times faster than patchdiff and every other peer."""

FLAT_LIMIT = 1.5
"""The most observable's change-detection cost may grow from the smallest to the largest value."""

CHILD_BYTES = 300
"""The most one live cached child proxy may cost, in bytes."""

PASS, MISS, NA = "PASS", "MISS", "n/a"


@dataclass(frozen=True)
class TargetResult:
    """One target: what it asks, what was measured, and PASS, MISS or n/a."""

    target: str
    measured: str
    status: str


def _status(ok: bool) -> str:
    """Return PASS or MISS."""
    return PASS if ok else MISS


def by_label(measurements: Sequence[Measurement]) -> dict[str, Measurement]:
    """Index measurements by their approach label."""
    return {m.label: m for m in measurements}


def ratio(numerator: Measurement | None, denominator: Measurement | None) -> float | None:
    """Return numerator / denominator medians, or None when either is missing."""
    if numerator is None or denominator is None:
        return None
    top, bottom = numerator.median_ns, denominator.median_ns
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def row_cells(workload: str, group: str, measurements: Sequence[Measurement]) -> dict[str, str]:
    """Return the target cell for each row of one workload table (empty when no target)."""
    rows = by_label(measurements)
    observable = rows.get(OBSERVABLE)
    cells: dict[str, str] = {}
    limit = RAW_LIMITS.get(workload)
    if limit is not None:
        vs_raw = ratio(observable, rows.get(RAW))
        verdict = NA if vs_raw is None else _status(vs_raw <= limit)
        cells[OBSERVABLE] = f"<= {limit:g}x raw: {verdict}"
    if group == "mutation":
        for label, measurement in rows.items():
            if label in (RAW, OBSERVABLE) or not measurement.ok:
                continue
            faster = ratio(measurement, observable)
            verdict = NA if faster is None else _status(faster >= PEER_FACTOR)
            cells[label] = f"obs >= {PEER_FACTOR:g}x faster: {verdict}"
    return cells


def _flatness(detection: Mapping[int, Sequence[Measurement]]) -> TargetResult:
    """Judge how much observable's cost of noticing one change grows with the value's size."""
    sizes = sorted(detection)
    target = f"change detection flat within {FLAT_LIMIT:g}x ({sizes[0]:,} .. {sizes[-1]:,})"
    runs = [by_label(detection[size]).get(OBSERVABLE) for size in sizes]
    measured = [m for m in runs if m is not None and m.ok]
    if len(sizes) < 2 or len(measured) < len(sizes):
        return TargetResult(target, "not measured", NA)
    medians = [m.median_ns or 0.0 for m in measured]
    best = [min(m.samples_ns) for m in measured]
    growth = max(medians) / min(medians)
    best_growth = max(best) / min(best)
    detail = f"max/min of medians {growth:.2f}x (of best samples {best_growth:.2f}x)"
    return TargetResult(target, detail, _status(growth <= FLAT_LIMIT))


def evaluate(
    timings: Mapping[str, tuple[str, Sequence[Measurement]]],
    detection: Mapping[int, Sequence[Measurement]],
    memory: Sequence[MemoryResult],
) -> list[TargetResult]:
    """Evaluate every target against the results that were run (skipped parts are left out)."""
    results: list[TargetResult] = []
    for workload, limit in RAW_LIMITS.items():
        if workload not in timings:
            continue
        rows = by_label(timings[workload][1])
        vs_raw = ratio(rows.get(OBSERVABLE), rows.get(RAW))
        measured = "not measured" if vs_raw is None else f"{vs_raw:.2f}x raw"
        status = NA if vs_raw is None else _status(vs_raw <= limit)
        results.append(TargetResult(f"{workload} <= {limit:g}x raw", measured, status))
    for workload, (group, measurements) in timings.items():
        if group != "mutation":
            continue
        rows = by_label(measurements)
        peers = {k: v for k, v in rows.items() if k not in (RAW, OBSERVABLE) and v.ok}
        if not peers:
            continue
        factors = {name: ratio(m, rows.get(OBSERVABLE)) for name, m in peers.items()}
        if any(f is None for f in factors.values()):
            status, measured = NA, "observable not measured"
        else:
            slowest = min(factors, key=lambda name: factors[name] or 0.0)
            worst = factors[slowest] or 0.0
            status = _status(worst >= PEER_FACTOR)
            measured = f"closest peer {slowest}: {worst:.1f}x slower"
        target = f"{workload}: >= {PEER_FACTOR:g}x faster than every peer"
        results.append(TargetResult(target, measured, status))
    if detection:
        results.append(_flatness(detection))
    for result in memory:
        if result.label != OBSERVABLE:
            continue
        target = f"<= {CHILD_BYTES} bytes per live child proxy"
        if result.bytes_per_child is None:
            results.append(TargetResult(target, result.reason or "not measured", NA))
        else:
            per = result.bytes_per_child
            results.append(TargetResult(target, f"{per:.0f} B", _status(per <= CHILD_BYTES)))
        target = f"traversal of {result.rows:,} rows returns to baseline (+{BASELINE_SLACK} B)"
        back = result.back_to_baseline
        measured = "not measured" if back is None else f"{result.retained_after_batch:+,} B"
        results.append(TargetResult(target, measured, NA if back is None else _status(back)))
    return results
