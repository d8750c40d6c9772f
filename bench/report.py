"""Aligned text tables for the terminal, and the JSON document for ``--json``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.memory import MemoryResult
from bench.targets import OBSERVABLE, RAW, TargetResult, by_label, ratio
from bench.timing import Measurement


def format_ns(value: float | None) -> str:
    """Format nanoseconds per operation: one decimal below 100, thousands separators above."""
    if value is None:
        return "n/a"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def format_ratio(value: float | None) -> str:
    """Format a ratio with about three significant digits."""
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int]) -> str:
    """Return rows as aligned columns; column indices in ``right`` are right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def format_spread(value: float | None) -> str:
    """Format the (max - min) / median spread of the samples as a percentage."""
    return "-" if value is None else f"{value * 100:.0f}%"


def timing_table(title: str, measurements: Sequence[Measurement], cells: Mapping[str, str]) -> str:
    """Return one workload's table: approach, ns/op, spread, ratios, target; then n/a reasons."""
    rows = by_label(measurements)
    raw, observable = rows.get(RAW), rows.get(OBSERVABLE)
    body = []
    notes = []
    for m in measurements:
        if not m.ok:
            body.append([m.label, "n/a", "-", "-", "-", cells.get(m.label, "")])
            notes.append(f"  n/a {m.label}: {m.reason}")
            continue
        body.append(
            [
                m.label,
                format_ns(m.median_ns),
                format_spread(m.spread),
                format_ratio(ratio(m, raw)),
                format_ratio(ratio(m, observable)),
                cells.get(m.label, ""),
            ]
        )
    headers = ["approach", "ns/op", "spread", "x raw", "x observable", "target"]
    text = table(headers, body, right=(1, 2, 3, 4))
    return "\n".join([f"== {title} ==", text, *notes, ""])


def memory_table(results: Sequence[MemoryResult]) -> str:
    """Return the memory table: bytes per live child, traversal peak and what is left after."""
    body = []
    notes = []
    for r in results:
        if r.reason is not None:
            body.append([r.label, "n/a", "n/a", "n/a", "n/a"])
            notes.append(f"  n/a {r.label}: {r.reason}")
            continue
        back = r.back_to_baseline
        body.append(
            [
                r.label,
                f"{r.bytes_per_child:,.0f}" if r.bytes_per_child is not None else "n/a",
                f"{r.peak_per_row:,.0f}" if r.peak_per_row is not None else "n/a",
                f"{r.retained_bytes:+,}" if r.retained_bytes is not None else "n/a",
                f"{r.retained_after_batch:+,} ({'yes' if back else 'NO'})",
            ]
        )
    rows = results[0].rows if results else 0
    headers = [
        "approach",
        "B/live child",
        "peak B/row",
        "left after drop",
        "left after batch (baseline?)",
    ]
    text = table(headers, body, right=(1, 2, 3, 4))
    return "\n".join([f"== memory: list of {rows:,} messages (tracemalloc) ==", text, *notes, ""])


def targets_table(results: Sequence[TargetResult]) -> str:
    """Return the summary of every target with its measured value and PASS/MISS."""
    body = [[r.status, r.target, r.measured] for r in results]
    return "\n".join(["== targets ==", table(["status", "target", "measured"], body, ()), ""])


def measurement_json(m: Measurement, peers: Sequence[Measurement]) -> dict[str, Any]:
    """Return one measurement as a JSON-ready dict, with its ratios to raw and observable."""
    rows = by_label(peers)
    return {
        "approach": m.label,
        "ops": m.ops,
        "ns_per_op": m.median_ns,
        "samples_ns_per_op": list(m.samples_ns),
        "spread": m.spread,
        "ratio_vs_raw": ratio(m, rows.get(RAW)),
        "ratio_vs_observable": ratio(m, rows.get(OBSERVABLE)),
        "reason": m.reason,
    }


def memory_json(r: MemoryResult) -> dict[str, Any]:
    """Return one memory result as a JSON-ready dict."""
    return {
        "approach": r.label,
        "rows": r.rows,
        "bytes_per_live_child": r.bytes_per_child,
        "peak_bytes_per_row": r.peak_per_row,
        "retained_bytes_after_drop": r.retained_bytes,
        "retained_bytes_after_batch": r.retained_after_batch,
        "back_to_baseline": r.back_to_baseline,
        "reason": r.reason,
    }


def target_json(r: TargetResult) -> dict[str, str]:
    """Return one target result as a JSON-ready dict."""
    return {"target": r.target, "measured": r.measured, "status": r.status}


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    """Write the results document as indented JSON, creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
