"""How fast can a recorded change be? ``python -m bench.floor [--compiled]``.

Times three of the bench's workloads on the least code that records them with the journal's
guarantees (:mod:`bench.floor_designs`), beside raw Python and observable, with the bench's
timing rules (interleaved repeats, medians, GC off) and the bench's own loop bodies. A design
keeps only what its name says:

- ``lock``: changes and records under one ``threading.RLock``, so ``seq`` has no gaps and the
  journal's order is the order the value saw, whatever the threads do;
- ``clock``: a wall-clock timestamp per change (``time.time()``), as :class:`Change` has;
- ``origin``: the context variable read per change, as :func:`observable.origin` sets it.

``wrapt`` designs are proxies like observable's (a ``wrapt.ObjectProxy`` subclass with
``__getattribute__ = object.__getattribute__``); ``plain`` designs are an ordinary class with
the method, the cheapest dispatch Python has. The dataclass and store designs keep all three
guarantees. A last section gives the bytes per live child proxy of observable beside a child
that keeps no state but its weak index entry (so that one object keeps one proxy while it
lives), measured as the bench's memory section measures it.

``--compiled`` adds the same append bodies compiled by Cython with typed journal and node
objects (from :func:`bench.floor_designs.compiled_source`; needs Cython and a C compiler:
``uv run --group bench --with cython python -m bench.floor --compiled``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import sys
import tempfile
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from bench.adapters import ObservableAdapter, Step, Tracked
from bench.floor_designs import (
    APPEND_DESIGNS,
    build_append,
    build_dataclass,
    build_indexed_list,
    build_store,
    compiled_source,
)
from bench.memory import _live_children
from bench.timing import MIN_REPEATS, Body, Measurement, Subject, measure
from bench.workloads import FULL, Root, _dataclass_setattr, _list_append, _store_append

__all__ = ["bytes_per_live_child", "compiled_kit", "main", "sections"]


def compiled_kit() -> tuple[Any, str | None]:
    """Return the compiled twin built from :func:`compiled_source`, or None and why it is not
    built (Cython missing, or no C compiler)."""
    try:
        import pyximport  # type: ignore[import-not-found]
    except ImportError:
        return None, "Cython is not installed (add --with cython)"
    source = compiled_source()
    name = "floor_compiled_" + hashlib.sha256(source.encode()).hexdigest()[:12]
    directory = Path(tempfile.gettempdir()) / "observable-bench-floor"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.pyx").write_text(source)
    pyximport.install(language_level=3, build_dir=str(directory / "build"))
    sys.path.insert(0, str(directory))
    try:
        with warnings.catch_warnings():  # pyximport builds through the deprecated distutils
            warnings.simplefilter("ignore", DeprecationWarning)
            return importlib.import_module(name), None
    except Exception as exc:  # a missing compiler or headers surface as build errors
        return None, f"the extension did not build: {type(exc).__name__}: {exc}"[:200]
    finally:
        sys.path.remove(str(directory))


def _subject(label: str, ops: int, body: Step, make: Callable[[], Any]) -> Subject:
    """Return a subject that runs ``body`` on a fresh ``make()`` per sample."""

    def prepare() -> Body:
        root = make()
        return lambda: body(root)

    return Subject(label, ops, prepare)


def _observable_store() -> Any:
    return ObservableAdapter().track_store({"log": []}).root


def sections(ops: int, compiled: bool) -> tuple[dict[str, list[Subject]], str | None]:
    """Return each workload's subjects (raw Python first), and why compiled ones are missing."""
    observable = ObservableAdapter()
    append, setattr_, store = _list_append(ops), _dataclass_setattr(ops), _store_append(ops)
    appends = [
        _subject("raw Python", ops, append, list),
        _subject("observable", ops, append, lambda: observable.track([]).root),
        *(_subject(d, ops, append, partial(build_append, d)) for d in APPEND_DESIGNS),
    ]
    reason = None
    if compiled:
        kit, reason = compiled_kit()
        for design in APPEND_DESIGNS if kit is not None else ():
            make = partial(build_append, design, kit)
            appends.append(_subject(f"{design} (compiled)", ops, append, make))
    found = {
        "list.append": appends,
        "dataclass.setattr": [
            _subject("raw Python", ops, setattr_, Root),
            _subject("observable", ops, setattr_, lambda: observable.track(Root()).root),
            _subject("wrapt lock+clock+origin", ops, setattr_, lambda: build_dataclass(Root())),
        ],
        "store.append": [
            _subject("raw Python", ops, store, lambda: {"log": []}),
            _subject("observable", ops, store, _observable_store),
            _subject("wrapt lock+clock+origin", ops, store, lambda: build_store({"log": []})),
        ],
    }
    return found, reason


def _print(name: str, results: Sequence[Measurement]) -> None:
    raw = results[0].median_ns or 1.0
    print(f"\n== {name} ==")
    print(f"{'design':42s} {'ns/op':>8s} {'x raw':>6s} {'spread':>7s}")
    for result in results:
        median, spread = result.median_ns, result.spread
        if median is None or spread is None:
            print(f"{result.label:42s} n/a: {result.reason}")
        else:
            print(f"{result.label:42s} {median:8.1f} {median / raw:6.1f} {spread:7.0%}")


class _IndexedChildren:
    """The memory design as the bench's memory section tracks a value (see ``bench.memory``)."""

    name = "wrapt child + weak index entry"

    def track(self, value: list[Any]) -> Tracked:
        """Return ``value`` as an indexed list."""
        root = build_indexed_list(value)
        return Tracked(root=root, run=lambda step: step(root))


def bytes_per_live_child(rows: int) -> dict[str, float]:
    """Return bytes per live child proxy (tracemalloc) for observable and the memory floor."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        return {
            adapter.name: _live_children(adapter, rows)  # type: ignore[arg-type]
            for adapter in (ObservableAdapter(), _IndexedChildren())
        }
    finally:
        if started:
            tracemalloc.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Print one floor table per workload."""
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--ops", type=int, default=FULL.ops, help="operations per sample")
    parser.add_argument("--repeats", type=int, default=11, help="interleaved repeats (>= 7)")
    parser.add_argument("--compiled", action="store_true", help="add the Cython-compiled bodies")
    args = parser.parse_args(argv)
    repeats = max(args.repeats, MIN_REPEATS)
    found, reason = sections(args.ops, args.compiled)
    print(f"floor designs: median of {repeats} interleaved repeats, {args.ops:,} ops, gc off")
    for name, subjects in found.items():
        _print(name, measure(subjects, repeats=repeats))
    if reason is not None:
        print(f"\ncompiled designs: n/a: {reason}")
    print(f"\n== memory: bytes per live child ({FULL.memory_rows:,} rows held) ==")
    for label, size in bytes_per_live_child(FULL.memory_rows).items():
        print(f"{label:42s} {size:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
