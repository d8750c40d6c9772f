"""The floor designs of ``bench/floor_designs.py`` record what they claim, so their times mean
something.

A floor that dropped changes or numbered them out of order would be fast for the wrong reason:
each design must journal every change, in the order the value saw it, and the locked ones must
keep doing so while threads race.
"""

from __future__ import annotations

import gc
import importlib.util
import sys
import threading
from typing import Any

import pytest

from bench.floor import compiled_kit, main
from bench.floor_designs import (
    APPEND_DESIGNS,
    GUARANTEES,
    THREAD_SAFE,
    append_source,
    build_append,
    build_dataclass,
    build_indexed_list,
    build_store,
    compiled_source,
    node_of,
)
from bench.workloads import Root
from observable import Change

THREADS = 4
PER_THREAD = 2_000


def _node(proxy: Any) -> Any:
    slot = type(proxy).__dict__.get("_self_node")
    return node_of(proxy) if slot is None else slot.__get__(proxy)


def _replayed(proxy: Any) -> tuple[list[int], list[Any]]:
    """Return the entries' seqs and the list rebuilt from them, in seq order."""
    entries = list(_node(proxy).journal.entries)
    rebuilt: list[Any] = []
    for _seq, _path, op, item, index, _origin, _timestamp in entries:
        assert op == "append" and index == len(rebuilt)
        rebuilt.append(item)
    return [entry[0] for entry in entries], rebuilt


def _kits() -> list[Any]:
    """The pure designs, and the compiled twin when Cython is installed and it builds."""
    if importlib.util.find_spec("Cython") is None:
        return [None]
    kit, _reason = compiled_kit()
    return [None] if kit is None else [None, kit]


KITS = pytest.mark.parametrize("kit", _kits(), ids=lambda k: "python" if k is None else "compiled")


@pytest.mark.parametrize("body", GUARANTEES)
@pytest.mark.parametrize("typed", [False, True])
def test_each_body_keeps_exactly_the_guarantees_its_name_lists(body: str, typed: bool) -> None:
    """A body's name is what it pays for: the lock, the clock and the origin, or not."""
    source = append_source("f", body, typed)
    kept = set(body.split("+"))
    assert ("lock.acquire()" in source) == ("lock" in kept) == ("lock.release()" in source)
    assert ("_now()" in source) == ("clock" in kept)
    assert ("get_origin()" in source) == ("origin" in kept)
    assert " if " not in source  # straight-line: no branch on the guarantees at run time


def test_compiled_source_defines_every_body() -> None:
    """The compiled twin has the same table of bodies as the pure designs."""
    source = compiled_source()
    assert source.count("def append_") == len(GUARANTEES)
    assert "BODIES = {" in source and all(repr(body) in source for body in GUARANTEES)


@KITS
@pytest.mark.parametrize("design", APPEND_DESIGNS)
def test_every_append_is_journaled_in_order(design: str, kit: Any) -> None:
    """One thread: the journal numbers each append 1, 2, 3, ... and replays to the list."""
    proxy = build_append(design, kit)
    for i in range(100):
        proxy.append(i)
    seqs, rebuilt = _replayed(proxy)
    assert seqs == list(range(1, 101))
    assert rebuilt == list(range(100)) == _node(proxy).target


@KITS
@pytest.mark.parametrize("design", [d for d in APPEND_DESIGNS if d.split(" ")[1] in THREAD_SAFE])
def test_locked_designs_lose_nothing_while_threads_race(design: str, kit: Any) -> None:
    """Four threads at a 1 us switch interval: no gap in seq, and replay gives the list."""
    proxy = build_append(design, kit)
    start = threading.Barrier(THREADS)

    def writer(offset: int) -> None:
        start.wait()
        for i in range(PER_THREAD):
            proxy.append(offset + i)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=writer, args=(n * PER_THREAD,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    seqs, rebuilt = _replayed(proxy)
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    assert rebuilt == _node(proxy).target
    assert sorted(rebuilt) == list(range(THREADS * PER_THREAD))


def test_dataclass_design_records_each_write_at_the_child_path() -> None:
    """``root.child.x = i`` journals one setattr at ``("child",)`` with the old value, and a
    write of an equal value journals nothing."""
    value = Root()
    root = build_dataclass(value)
    for i in (1, 2, 2, 3):
        root.child.x = i
    entries = list(node_of(root).journal.entries)
    assert [e[:6] for e in entries] == [
        (1, ("child",), "setattr", "x", 1, 0),
        (2, ("child",), "setattr", "x", 2, 1),
        (3, ("child",), "setattr", "x", 3, 2),
    ]
    assert value.child.x == 3 and root.child is root.child


def test_store_design_hands_each_change_to_the_key_subscriber() -> None:
    """``store["log"].append(x)`` reaches the key's subscriber as a :class:`Change`."""
    store = build_store({"log": []})
    heard: list[tuple[str, tuple[Change, ...]]] = []
    store.subscribe("log", lambda key, changes: heard.append((key, changes)))
    store["log"].append("a")
    store["log"].append("b")
    assert [(key, [(c.seq, c.path, c.op, c.args) for c in changes]) for key, changes in heard] == [
        ("log", [(1, ("log",), "append", ("a",))]),
        ("log", [(2, ("log",), "append", ("b",))]),
    ]
    assert heard[1][1][0].effect == ("splice", 1, (), ("b",))


def test_memory_design_keeps_one_proxy_per_live_child_and_forgets_dead_ones() -> None:
    """The memory floor must find a live child again, or its bytes would not be comparable."""
    rows = [{"i": i} for i in range(3)]
    root = build_indexed_list(rows)
    children = node_of(root).children  # type: ignore[attr-defined]
    first = root[0]
    assert first is root[0] and first == {"i": 0} and len(children) == 1
    del first
    gc.collect()
    assert children == {}
    assert [root[i] for i in range(3)] == rows


def test_the_tables_have_every_design(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m bench.floor`` prints each workload with raw Python, observable and designs."""
    assert main(["--ops", "200", "--repeats", "7"]) == 0
    out = capsys.readouterr().out
    sections = ("list.append", "dataclass.setattr", "store.append", "bytes per live child")
    for label in (*sections, "observable", *APPEND_DESIGNS):
        assert label in out
    assert "n/a" not in out
