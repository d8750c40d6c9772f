"""The mutation and read workloads: one plain value factory and one loop body each.

Every approach runs the same loop body on the object its adapter hands out (raw value, proxy
or draft), so the only difference between rows is the approach itself. Loop overhead is part
of every row, raw Python included: ratios are per statement as a user would write it.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.adapters import Adapter, Step
from bench.timing import Body, NotApplicable, Subject


@dataclass(frozen=True)
class Scale:
    """How big each part of the run is (full run or CI smoke run)."""

    ops: int
    rows: int
    detect_sizes: tuple[int, ...]
    detect_ops: int
    detect_budget: int
    memory_rows: int


FULL = Scale(
    ops=100_000,
    rows=10_000,
    detect_sizes=(100, 10_000, 1_000_000),
    detect_ops=10_000,
    detect_budget=10_000,
    memory_rows=10_000,
)
SMOKE = Scale(
    ops=1_000,
    rows=10_000,
    detect_sizes=(100, 1_000),
    detect_ops=5_000,
    detect_budget=10_000,
    memory_rows=10_000,
)


def message(i: int) -> dict[str, Any]:
    """Return the chat-message dict used by the read, detection and memory workloads."""
    return {"role": "user", "text": f"message {i}", "ts": i}


def messages(count: int) -> list[dict[str, Any]]:
    """Return a list of ``count`` chat messages."""
    return [message(i) for i in range(count)]


@dataclasses.dataclass
class Child:
    """The inner object of the dataclass workload."""

    x: int = 0


@dataclasses.dataclass
class Root:
    """The outer object of the dataclass workload: ``root.child.x = i``."""

    child: Child = dataclasses.field(default_factory=Child)


@dataclass(frozen=True)
class Workload:
    """One benchmark loop: a fresh plain value per sample, and a body over ``ops`` operations."""

    name: str
    group: str
    ops: int
    make_value: Callable[[], Any]
    body: Step
    in_store: bool = False
    """observable runs it on a ``Store`` holding the value's keys, with one subscriber per key
    (the path users run); peers without a store do not run it."""


def _list_append(n: int) -> Step:
    """Return a body doing ``root.append(i)`` n times."""

    def body(root: Any) -> None:
        for i in range(n):
            root.append(i)

    return body


def _dict_setitem(n: int) -> Step:
    """Return a body doing ``root[i] = i`` n times (new keys)."""

    def body(root: Any) -> None:
        for i in range(n):
            root[i] = i

    return body


def _set_add(n: int) -> Step:
    """Return a body doing ``root.add(i)`` n times (new members)."""

    def body(root: Any) -> None:
        for i in range(n):
            root.add(i)

    return body


def _nested_append(n: int) -> Step:
    """Return a body doing ``root["a"]["b"].append(i)`` n times (three levels)."""

    def body(root: Any) -> None:
        for i in range(n):
            root["a"]["b"].append(i)

    return body


def _store_append(n: int) -> Step:
    """Return a body doing ``root["log"].append(i)`` n times (a store's key, subscribed)."""

    def body(root: Any) -> None:
        for i in range(n):
            root["log"].append(i)

    return body


def _dataclass_setattr(n: int) -> Step:
    """Return a body doing ``root.child.x = i`` n times (never a no-op write)."""

    def body(root: Any) -> None:
        for i in range(1, n + 1):
            root.child.x = i

    return body


def _nested_read(n: int, rows: int) -> Step:
    """Return a body reading ``root["rows"][i]["text"]`` n times, cycling over the rows."""
    indices = [i % rows for i in range(n)]

    def body(root: Any) -> None:
        for i in indices:
            root["rows"][i]["text"]

    return body


def _iterate(passes: int) -> Step:
    """Return a body iterating over the whole list ``passes`` times."""

    def body(root: Any) -> None:
        for _ in range(passes):
            for _row in root:
                pass

    return body


def workloads(scale: Scale) -> list[Workload]:
    """Return every mutation and read workload at this scale."""
    n, rows = scale.ops, scale.rows
    passes = max(1, n // rows)
    return [
        Workload("list.append", "mutation", n, list, _list_append(n)),
        Workload("dict.setitem", "mutation", n, dict, _dict_setitem(n)),
        Workload("set.add", "mutation", n, set, _set_add(n)),
        Workload("nested.append", "mutation", n, lambda: {"a": {"b": []}}, _nested_append(n)),
        Workload("dataclass.setattr", "mutation", n, Root, _dataclass_setattr(n)),
        Workload(
            "store.append", "mutation", n, lambda: {"log": []}, _store_append(n), in_store=True
        ),
        Workload("deque.append", "mutation", n, collections.deque, _list_append(n)),
        Workload("nested.read", "read", n, lambda: {"rows": messages(rows)}, _nested_read(n, rows)),
        Workload("list.iterate", "read", passes * rows, lambda: messages(rows), _iterate(passes)),
    ]


def _prepare_for(adapter: Adapter, workload: Workload) -> Callable[[], Body]:
    """Return the untimed set-up of one sample; the first call also checks changes are seen."""
    verified = workload.group != "mutation"

    def prepare() -> Body:
        nonlocal verified
        reason = adapter.unavailable()
        if reason is not None:
            raise NotApplicable(reason)
        track = adapter.track
        if workload.in_store:
            track = _store_tracker(adapter)
        if not verified:
            check = track(workload.make_value())
            check.run(workload.body)
            if check.poll is not None and check.poll() == 0:
                raise NotApplicable("its proxy did not notice the mutations")
            verified = True
        tracked = track(workload.make_value())  # the closure keeps it (and its watcher)
        body = workload.body
        return lambda: tracked.run(body)

    return prepare


def _store_tracker(adapter: Adapter) -> Callable[[Any], Any]:
    """Return how ``adapter`` tracks a store workload's value, or raise NotApplicable."""
    if adapter.name == "raw Python":
        return adapter.track
    track_store = getattr(adapter, "track_store", None)
    if track_store is None:
        raise NotApplicable("has no store with subscribers")
    return track_store  # type: ignore[no-any-return]


def subjects_for(workload: Workload, adapters: Sequence[Adapter]) -> list[Subject]:
    """Return one timing subject per adapter for this workload."""
    return [
        Subject(label=adapter.name, ops=workload.ops, prepare=_prepare_for(adapter, workload))
        for adapter in adapters
    ]
