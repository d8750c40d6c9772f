"""The benchmark harness itself: interleaved timing, n/a handling, tables and target verdicts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.adapters import RawAdapter
from bench.report import table, timing_table
from bench.targets import MISS, NA, PASS, evaluate, row_cells
from bench.timing import MIN_REPEATS, Measurement, NotApplicable, Subject, measure
from bench.workloads import SMOKE, subjects_for, workloads


def _recording(label: str, calls: list[str]) -> Subject:
    """Return a subject whose body records its label each time it runs."""

    def prepare() -> Callable[[], None]:
        return lambda: calls.append(label)

    return Subject(label=label, ops=1, prepare=prepare, warmup=False)


def test_repeats_are_interleaved_and_rotated() -> None:
    """Each repeat runs every subject once, starting one further along each time."""
    calls: list[str] = []
    results = measure([_recording(x, calls) for x in "abc"], repeats=MIN_REPEATS)
    assert calls[:9] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert all(len(r.samples_ns) == MIN_REPEATS and r.ok for r in results)


def test_fewer_than_seven_repeats_are_refused() -> None:
    """The median needs at least seven repeats."""
    with pytest.raises(ValueError, match="at least 7"):
        measure([], repeats=MIN_REPEATS - 1)


def test_not_applicable_and_errors_become_reasons() -> None:
    """A subject that cannot run reports why, and the others still run."""

    def not_applicable() -> Callable[[], None]:
        raise NotApplicable("no deque support")

    def broken() -> Callable[[], None]:
        def body() -> None:
            raise KeyError("boom")

        return body

    calls: list[str] = []
    results = measure(
        [
            Subject("na", 1, not_applicable),
            Subject("broken", 1, broken),
            _recording("fine", calls),
        ]
    )
    by_label = {r.label: r for r in results}
    assert by_label["na"].reason == "no deque support"
    assert by_label["broken"].reason is not None
    assert by_label["broken"].reason.startswith("error: KeyError")
    assert by_label["fine"].ok
    assert by_label["na"].median_ns is None


def test_median_and_spread() -> None:
    """The median is the middle sample; spread is (max - min) / median."""
    m = Measurement("x", 10, samples_ns=(1.0, 9.0, 2.0, 3.0, 2.0, 2.0, 2.0))
    assert m.median_ns == 2.0
    assert m.spread == pytest.approx(4.0)


def test_table_aligns_columns() -> None:
    """Left and right alignment give every line of the table the same column edges."""
    text = table(["name", "ns"], [["a", "1.0"], ["longer", "100"]], right=(1,))
    lines = text.splitlines()
    assert lines[2] == "a       1.0"
    assert lines[3] == "longer  100"


def _ms(**medians: float) -> list[Measurement]:
    """Return measurements whose samples all equal the given medians."""
    return [
        Measurement(label.replace("_", " "), 1, samples_ns=(value,) * MIN_REPEATS)
        for label, value in medians.items()
    ]


def test_targets_pass_and_miss() -> None:
    """Ratios against raw and against peers give PASS or MISS; missing figures give n/a."""
    good = [*_ms(raw_Python=10.0, observable=100.0), *_ms(reflex=600.0)]
    bad = [*_ms(raw_Python=10.0, observable=300.0), *_ms(reflex=500.0)]
    cells = row_cells("list.append", "mutation", good)
    assert cells["observable"].endswith(PASS)
    assert cells["reflex"].endswith(PASS)
    results = evaluate({"list.append": ("mutation", bad)}, {}, [])
    assert [r.status for r in results] == [MISS, MISS]
    missing = evaluate({"list.append": ("mutation", _ms(raw_Python=10.0))}, {}, [])
    assert missing[0].status == NA
    text = timing_table("t", good, cells)
    assert "observable" in text and "10.0" in text


def test_flatness_target() -> None:
    """Change detection is flat when observable's medians stay within 1.5x across sizes."""
    flat = {100: _ms(observable=1000.0), 10_000: _ms(observable=1400.0)}
    steep = {100: _ms(observable=1000.0), 10_000: _ms(observable=1600.0)}
    assert evaluate({}, flat, [])[0].status == PASS
    assert evaluate({}, steep, [])[0].status == MISS


def test_every_workload_runs_on_raw_python() -> None:
    """Each workload body runs on a plain value and performs its operations."""
    for workload in workloads(SMOKE):
        (subject,) = subjects_for(workload, [RawAdapter()])
        subject.prepare()()
