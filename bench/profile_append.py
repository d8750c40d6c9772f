"""Where one recorded append spends its time: ``python -m bench.profile_append``.

Splits one ``list.append`` on an observed root list, and one nested
``root["a"]["b"].append(x)``, into the parts the hot path is made of: reaching the proxy
(lookup), the journal lock, the path, recording the entry, delivering it to one
subscriber, and the operation itself. Each part is timed alone with :mod:`timeit` on the
real objects (best of several repeats, ns per operation); ``glue`` is what the whole
call costs beyond the sum of its parts (frames, argument passing, the checks between).
"""

from __future__ import annotations

import gc
import timeit
from collections.abc import Callable
from typing import Any

from observable import Journal, observe
from observable.origin import get_origin
from observable.proxies.base import node_of

__all__ = ["main", "profile"]

NUMBER = 20_000
REPEATS = 7


def _best(statement: Callable[[], object], setup: Callable[[], object] | None = None) -> float:
    """Return the best time of ``statement`` in ns per call over the repeats."""
    best = float("inf")
    for _ in range(REPEATS):
        if setup is not None:
            setup()
        gc.disable()
        try:
            elapsed = timeit.timeit(statement, number=NUMBER)
        finally:
            gc.enable()
        best = min(best, elapsed / NUMBER * 1e9)
    return best


def _observed(value: Any, subscribed: bool) -> tuple[Any, Journal]:
    journal = Journal(maxlen=None)
    proxy = observe(value, journal)
    if subscribed:
        journal.subscribe(lambda changes: None)
    return proxy, journal


def profile(nested: bool) -> dict[str, float]:
    """Return the parts of one append (root list, or two levels down) in ns."""
    value: Any = {"a": {"b": []}} if nested else []
    proxy, journal = _observed(value, subscribed=False)
    target = proxy["a"]["b"] if nested else proxy
    node = node_of(target)
    raw: list[Any] = []
    parts: dict[str, float] = {}
    raw_lookup = _best(lambda: raw.append)
    if nested:
        parts["lookup"] = _best(lambda: proxy["a"]["b"].append) - raw_lookup
    else:
        parts["lookup"] = _best(lambda: proxy.append) - raw_lookup
    lock = journal.lock

    def locked() -> None:
        lock.acquire()
        lock.release()

    parts["lock"] = _best(locked)

    def cached_path() -> Any:
        if node.parent is None:
            return ()
        if node.stamp == journal.epoch:
            return node.path
        return None

    parts["path"] = _best(cached_path)
    entries: list[Any] = []
    path = cached_path()

    def record() -> None:
        entries.append((1, path, "append", (1,), ("splice", 0, (), (1,)), get_origin(), 0.0))

    parts["record"] = _best(record, entries.clear)
    subscribed, sub_journal = _observed([], subscribed=True)
    entry = (1, (), "append", (1,), ("splice", 0, (), (1,)), None, 0.0)
    parts["deliver (1 subscriber)"] = _best(lambda: sub_journal.deliver(entry))
    parts["operation"] = _best(lambda: raw.append(1), raw.clear)
    whole = _best(lambda: target.append(1), node.target.clear)
    if nested:
        whole = _best(lambda: proxy["a"]["b"].append(1), node.target.clear)
    parts["glue"] = whole - sum(v for k, v in parts.items() if not k.startswith("deliver"))
    parts["total (no subscriber)"] = whole
    subscribed_whole = _best(lambda: subscribed.append(1), node_of(subscribed).target.clear)
    parts["root append, 1 subscriber"] = subscribed_whole
    parts["raw append (loop-free)"] = parts["operation"]
    return parts


def main() -> None:
    """Print the table for both appends."""
    flat, nested = profile(nested=False), profile(nested=True)
    print(f"{'part':28s} {'list.append':>12s} {'nested.append':>14s}   (ns per operation)")
    for name in flat:
        print(f"{name:28s} {flat[name]:12.0f} {nested[name]:14.0f}")
    print(f"{'x raw (total / operation)':28s}", end="")
    print(f" {flat['total (no subscriber)'] / flat['operation']:12.1f}", end="")
    print(f" {nested['total (no subscriber)'] / nested['operation']:14.1f}")


if __name__ == "__main__":
    main()
