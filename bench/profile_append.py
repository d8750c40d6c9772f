"""Where one recorded append spends its time: ``python -m bench.profile_append``.

Splits one ``list.append`` on an observed root list, and one nested
``root["a"]["b"].append(x)``, into the parts the hot path is made of: reaching the proxy
(lookup), the journal lock, the path, recording the entry, delivering it to one
subscriber, and the operation itself. Each part is timed alone with :mod:`timeit` on the
real objects (best of several repeats of thread CPU time, ns per operation; the loop's
own cost is subtracted); ``glue`` is what the whole call costs beyond the sum of its
parts (frames, argument passing, the checks between).
"""

from __future__ import annotations

import gc
import time
import timeit
from typing import Any

from observable import Journal, observe
from observable.origin import get_origin
from observable.proxies.base import node_of

__all__ = ["main", "profile"]

NUMBER = 20_000
REPEATS = 7


def _best(statement: str, names: dict[str, Any], setup: str = "pass") -> float:
    """Return the best thread CPU time of ``statement`` in ns, the empty loop subtracted."""
    timer = timeit.Timer(statement, setup, timer=time.thread_time, globals=names)
    empty = timeit.Timer("pass", timer=time.thread_time)
    best = float("inf")
    for _ in range(REPEATS):
        gc.disable()
        try:
            exec(setup, names)
            elapsed = timer.timeit(NUMBER) - empty.timeit(NUMBER)
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
    target.append(0)  # resolves and keeps the path
    subscribed, sub_journal = _observed([], subscribed=True)
    names: dict[str, Any] = {
        "proxy": proxy,
        "target": target,
        "node": node,
        "journal": journal,
        "lock": journal.lock,
        "raw": [],
        "entries": [],
        "path": () if node.parent is None else node.path,
        "get_origin": get_origin,
        "now": time.time,
        "sub_journal": sub_journal,
        "entry": (1, (), "append", 1, 0, None, 0.0),
        "subscribed": subscribed,
        "clear": node.target.clear,
        "clear_subscribed": node_of(subscribed).target.clear,
    }
    parts: dict[str, float] = {}
    reach = 'proxy["a"]["b"].append' if nested else "proxy.append"
    parts["lookup"] = _best(reach, names) - _best("raw.append", names)
    parts["lock"] = _best("lock.acquire(); lock.release()", names)
    parts["path"] = _best(
        "() if node.parent is None else node.path if node.stamp == journal.epoch else None",
        names,
    )
    parts["record"] = _best(
        'entries.append((1, path, "append", 1, 0, get_origin(), now()))',
        names,
        "entries.clear()",
    )
    parts["operation"] = _best("raw.append(1)", names, "raw.clear()")
    whole = _best(f"{reach}(1)", names, "clear()")
    parts["glue (frame, checks)"] = whole - sum(parts.values())
    parts["total, no subscriber"] = whole
    parts["deliver to 1 subscriber"] = _best("sub_journal.deliver(entry)", names)
    parts["root append, 1 subscriber"] = _best("subscribed.append(1)", names, "clear_subscribed()")
    return parts


def main() -> None:
    """Print the table for both appends."""
    flat, nested = profile(nested=False), profile(nested=True)
    print(f"{'part':28s} {'list.append':>12s} {'nested.append':>14s}   (ns per operation)")
    for name in flat:
        print(f"{name:28s} {flat[name]:12.0f} {nested[name]:14.0f}")


if __name__ == "__main__":
    main()
