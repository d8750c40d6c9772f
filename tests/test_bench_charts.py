"""``python -m bench.charts`` draws a PNG per results section, from the bench's JSON format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import charts
from bench.report import write_json

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _result(approach: str, ns: float | None) -> dict[str, Any]:
    """One measurement as ``bench.report.measurement_json`` writes it."""
    return {
        "approach": approach,
        "ops": 1000,
        "ns_per_op": ns,
        "samples_ns_per_op": [] if ns is None else [ns, ns * 1.1],
        "spread": 0.1,
        "ratio_vs_raw": None,
        "ratio_vs_observable": None,
        "reason": None if ns is not None else "not supported",
    }


def _document(*, streamlit: bool) -> dict[str, Any]:
    """A small results document shaped like ``python -m bench --json`` output."""
    document: dict[str, Any] = {
        "meta": {"mode": "smoke", "python": "3.11.7", "repeats": 3},
        "workloads": [
            {
                "name": "list.append",
                "group": "mutation",
                "ops": 1000,
                "results": [_result("raw Python", 30.0), _result("observable", 1500.0)],
            },
            {
                "name": "dataclass.setattr",
                "group": "mutation",
                "ops": 1000,
                "results": [_result("observable", 3000.0), _result("observ", None)],
            },
        ],
        "detection": [
            {"size": size, "results": [_result("observable", 5000.0), _result("repr", size * 9.0)]}
            for size in (100, 10_000)
        ],
        "memory": [],
        "targets": [],
    }
    if streamlit:
        document["streamlit_latency"] = {
            "results": [
                {
                    "approach": "observable",
                    "server_config": "postScriptGC=false",
                    "passive_sessions": 10,
                    "p50_ms": 21.0,
                    "p99_ms": 31.0,
                },
                {
                    "approach": "polling",
                    "server_config": "default",
                    "passive_sessions": 10,
                    "p50_ms": None,
                    "p99_ms": None,
                },
            ]
        }
    return document


def _is_png(path: Path) -> bool:
    """Return True when ``path`` holds a non-trivial PNG image."""
    data = path.read_bytes()
    return data.startswith(PNG_SIGNATURE) and len(data) > 2000


def test_every_section_becomes_a_png(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    write_json(results, _document(streamlit=True))
    out = tmp_path / "assets"
    assert charts.main([str(results), "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["bench-detection.png", "bench-operations.png", "bench-streamlit.png"]
    assert all(_is_png(out / name) for name in written)


def test_a_partial_run_draws_only_its_sections(tmp_path: Path) -> None:
    document = _document(streamlit=False)
    document["workloads"] = []
    written = charts.write_charts(document, tmp_path)
    assert [p.name for p in written] == ["bench-detection.png"]


def test_the_charts_plot_the_measured_values() -> None:
    figure = charts.detection_chart(_document(streamlit=False))
    assert figure is not None
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    assert list(lines["repr"].get_xdata()) == [100, 10_000]
    assert list(lines["repr"].get_ydata()) == [900.0, 90_000.0]
    bars = charts.operations_chart(_document(streamlit=False))
    assert bars is not None
    widths = sorted(patch.get_width() for patch in bars.axes[0].patches)
    assert widths == [30.0, 1500.0, 3000.0]  # the approach that could not run has no bar


def test_a_file_that_is_not_bench_output_is_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps([1, 2, 3]))
    with pytest.raises(ValueError, match="not a benchmark results file"):
        charts.load(wrong)
