"""Draw the documentation's benchmark charts from ``python -m bench --json FILE`` output.

``uv run --group docs python -m bench.charts RESULTS.json [--out docs/assets]`` writes one PNG
per section present in the results (sections missing from a partial run are skipped):

* ``bench-detection.png``: noticing that one of N messages changed, per approach, against N;
* ``bench-operations.png``: one operation (mutations and reads), per approach;
* ``bench-streamlit.png``: rerun latency of passive Streamlit sessions, p50 and p99.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window; before pyplot is imported

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = [
    "CHARTS",
    "detection_chart",
    "load",
    "main",
    "operations_chart",
    "streamlit_chart",
    "write_charts",
]

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "assets"
"""Where the documentation expects the charts."""

Document = Mapping[str, Any]


def load(path: Path) -> Document:
    """Read a results document written by ``python -m bench --json``."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "meta" not in document:
        raise ValueError(f"{path} is not a benchmark results file (no 'meta' section)")
    return document


def _subtitle(document: Document) -> str:
    """Describe the run: mode, Python, repeats."""
    meta = document["meta"]
    return f"{meta.get('mode', '?')} run, Python {meta.get('python', '?')}, median of " + (
        f"{meta.get('repeats', '?')} repeats"
    )


def _measured(results: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Return approach -> ns per op, leaving out approaches that could not run."""
    return {r["approach"]: float(r["ns_per_op"]) for r in results if r.get("ns_per_op")}


def detection_chart(document: Document) -> Figure | None:
    """Log-log lines: ns to notice one change among N messages, per approach."""
    sections = sorted(document.get("detection", []), key=lambda s: s["size"])
    if not sections:
        return None
    series: dict[str, list[tuple[int, float]]] = {}
    for section in sections:
        for approach, ns in _measured(section["results"]).items():
            series.setdefault(approach, []).append((section["size"], ns))
    figure, axes = plt.subplots(figsize=(8, 5), layout="constrained")
    for approach, points in sorted(series.items(), key=lambda item: -item[1][-1][1]):
        sizes, values = zip(*points, strict=True)
        ours = approach == "observable"
        axes.plot(
            sizes,
            values,
            marker="o",
            label=approach,
            linewidth=3.0 if ours else 1.5,
            color="black" if ours else None,
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("messages in the shared value (N)")
    axes.set_ylabel("ns to change one message and notice it")
    axes.set_title(f"Noticing a change\n{_subtitle(document)}", fontsize=11)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    return figure


def operations_chart(document: Document) -> Figure | None:
    """Horizontal grouped bars (log scale): ns per operation, per workload and approach."""
    workloads = document.get("workloads", [])
    if not workloads:
        return None
    approaches: list[str] = []
    for workload in workloads:
        for approach in _measured(workload["results"]):
            if approach not in approaches:
                approaches.append(approach)
    height = 0.8 / len(approaches)
    figure, axes = plt.subplots(figsize=(8, 1.0 + 0.9 * len(workloads)), layout="constrained")
    for index, approach in enumerate(approaches):
        rows = [
            (row, values[approach])
            for row, workload in enumerate(workloads)
            if approach in (values := _measured(workload["results"]))
        ]
        if rows:
            positions = [row + index * height for row, _ in rows]
            axes.barh(positions, [ns for _, ns in rows], height=height, label=approach)
    axes.set_yticks([row + 0.4 - height / 2 for row in range(len(workloads))])
    axes.set_yticklabels([f"{w['name']} ({w['group']})" for w in workloads], fontsize=9)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set_xlabel("ns per operation (log scale; shorter is faster)")
    axes.set_title(f"One operation\n{_subtitle(document)}", fontsize=11)
    axes.grid(True, axis="x", which="major", alpha=0.3)
    axes.legend(fontsize=8, loc="lower right")
    return figure


def streamlit_chart(document: Document) -> Figure | None:
    """Bars: p50 and p99 rerun latency of passive sessions, per configuration and approach."""
    section = document.get("streamlit_latency") or {}
    results = [r for r in section.get("results", []) if r.get("p50_ms") is not None]
    if not results:
        return None
    labels = [
        f"{r['approach']}\n{r['server_config']}, {r['passive_sessions']} sessions" for r in results
    ]
    positions = list(range(len(results)))
    figure, axes = plt.subplots(figsize=(8, 1.0 + 0.6 * len(results)), layout="constrained")
    axes.barh([p - 0.2 for p in positions], [r["p50_ms"] for r in results], 0.4, label="p50")
    axes.barh([p + 0.2 for p in positions], [r["p99_ms"] for r in results], 0.4, label="p99")
    axes.set_yticks(positions)
    axes.set_yticklabels(labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("ms from a change to the passive sessions' reruns")
    axes.set_title(f"Streamlit reruns\n{_subtitle(document)}", fontsize=11)
    axes.grid(True, axis="x", alpha=0.3)
    axes.legend(fontsize=8)
    return figure


CHARTS: dict[str, Callable[[Document], Figure | None]] = {
    "bench-detection.png": detection_chart,
    "bench-operations.png": operations_chart,
    "bench-streamlit.png": streamlit_chart,
}
"""File name -> the function drawing it (None when the results lack that section)."""


def write_charts(document: Document, out: Path) -> list[Path]:
    """Draw every chart the document has data for into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in CHARTS.items():
        figure = draw(document)
        if figure is None:
            continue
        path = out / name
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: read the results, write the charts, list them."""
    parser = argparse.ArgumentParser(prog="python -m bench.charts", description=__doc__)
    parser.add_argument("results", type=Path, help="a file written by python -m bench --json")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the PNGs")
    args = parser.parse_args(argv)
    for path in write_charts(load(args.results), args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
