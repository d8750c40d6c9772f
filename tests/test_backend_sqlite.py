"""The SQLite backend: restart recovery, compaction, batches, bad input and ``kill -9``."""

from __future__ import annotations

import dataclasses
import os
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from observable import (
    BackendUnavailable,
    Change,
    Journal,
    JournalTruncated,
    Store,
    observe,
    snapshot,
)
from observable.backends import BatchConflict, CodecError, StateReloaded
from observable.backends.sqlite import SQLiteBackend
from tests.support.workers import Worker, workers


class Opaque:
    """A type the codec does not know."""


@dataclasses.dataclass(eq=False)
class Tag:
    """Hashable by identity, so it can be a set member with its own attributes."""

    name: str


def _url(path: Path, **options: Any) -> str:
    query = "&".join(f"{name}={value}" for name, value in options.items())
    return f"sqlite:///{path}" + (f"?{query}" if query else "")


def _plain(store: Store) -> dict[str, Any]:
    return {key: snapshot(store[key]) for key in store}


def _rows(path: Path, sql: str) -> list[Any]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_state_survives_a_restart_with_key_order(tmp_path: Path) -> None:
    url = _url(tmp_path / "state.db")
    store = Store(url)
    store["zeta"] = {"rows": [1, 2], "when": (2024, 1)}
    store["alpha"] = {"tags": {"a"}, "raw": b"\x00"}
    store["zeta"]["rows"].append(3)
    store["alpha"]["tags"].add("b")
    store.room("r").messages = ["hi"]
    version = store.journal.version
    expected = _plain(store)
    store.backend.close()

    again = Store(url)
    assert _plain(again) == expected
    assert again.keys() == ["zeta", "alpha"]
    assert again.room("r").messages == ["hi"]
    assert again.journal.version == version
    again["zeta"]["rows"].append(4)  # numbering continues
    assert again.journal.version == version + 1
    again.backend.close()


def test_compaction_writes_a_snapshot_and_deletes_covered_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(_url(path, compact_every=10))
    store["log"] = []
    store["gone"] = 1
    store["later"] = {"x": 1}
    for number in range(25):
        store["log"].append(number)
    del store["gone"]
    store["later"]["x"] = 2
    journal_rows = _rows(path, "SELECT seq FROM observable_journal")
    snapshot_version = int(
        _rows(path, "SELECT value FROM observable_meta WHERE name='snapshot_version'")[0][0]
    )
    assert snapshot_version >= 20
    assert all(seq > snapshot_version for (seq,) in journal_rows)
    assert len(journal_rows) < 10
    assert {key for (key,) in _rows(path, "SELECT key FROM observable_snapshot")} <= {
        "log",
        "later",
    }
    expected = _plain(store)
    store.backend.close()
    again = Store(_url(path))
    assert _plain(again) == expected
    assert again.keys() == ["log", "later"]
    again.backend.close()


def test_a_batch_is_one_transaction_and_one_notification(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(_url(path))
    store["items"] = []
    seen: list[int] = []
    store.subscribe("items", lambda key, changes: seen.append(len(changes)))
    with store.batch():
        for number in range(100):
            store["items"].append(number)
        with store.batch():  # nested batches join the outer one
            store["items"].append("nested")
    assert seen == [101]
    assert len(_rows(path, "SELECT seq FROM observable_journal")) == 102
    store.backend.close()
    assert Store(_url(path))["items"] == [*range(100), "nested"]


def test_unencodable_values_are_refused_and_nothing_is_half_written(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(_url(path))
    store["cart"] = {"items": ["apple"]}
    before = _plain(store)
    version = store.journal.version
    operations = [
        lambda: store.__setitem__("cart", {"items": [Opaque()]}),
        lambda: store["cart"]["items"].append(Opaque()),
        lambda: store["cart"].update(extra=Opaque(), fine=1),
        lambda: store.__setitem__("new", [1, {2: Opaque()}]),
    ]
    for operation in operations:
        with pytest.raises(CodecError, match=r"Opaque.*register_type\(Opaque\)"):
            operation()
    assert _plain(store) == before
    assert store.journal.version == version
    assert len(_rows(path, "SELECT seq FROM observable_journal")) == version
    store.backend.close()
    assert _plain(Store(_url(path))) == before


def test_a_refused_change_inside_a_batch_leaves_the_rest_committed(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(_url(path))
    store["items"] = []
    with pytest.raises(CodecError), store.batch():
        store["items"].append(1)
        store["items"].append(Opaque())
    assert store["items"] == [1]
    store.backend.close()
    assert Store(_url(path))["items"] == [1]


def test_a_change_inside_a_set_member_is_refused(tmp_path: Path) -> None:
    store = Store(_url(tmp_path / "state.db"))
    store["tags"] = {Tag("a")}
    (member,) = store["tags"]
    with pytest.raises(CodecError, match="set member"):
        member.name = "b"
    assert next(iter(store["tags"])).name == "a"
    store.backend.close()


def test_two_stores_on_one_file_catch_up_when_they_write(tmp_path: Path) -> None:
    url = _url(tmp_path / "state.db")
    first, second = Store(url), Store(url)
    first["a"] = [1]
    second["b"] = [2]  # second is behind: refused, caught up, run again
    assert second.keys() == ["a", "b"] and second.journal.version == 2
    first["a"].append(3)  # and now first is behind
    assert first["b"] == [2] and first["a"] == [1, 3]
    assert [change.seq for change in first.journal.since(0)] == [1, 2, 3]
    first.backend.close()
    second.backend.close()


def test_a_batch_is_rebased_over_changes_to_other_keys(tmp_path: Path) -> None:
    url = _url(tmp_path / "state.db")
    first, second = Store(url), Store(url)
    first["a"] = []
    second["b"] = []
    with first.batch():
        first["a"].append(1)
        first["a"].append(2)
        second["b"].append("elsewhere")  # lands while first's batch is open
    assert first["b"] == ["elsewhere"] and first["a"] == [1, 2]
    assert [change.seq for change in first.journal.since(0)] == [1, 2, 3, 4, 5]
    assert first.journal.since(2)[0].args == ("elsewhere",)
    third = Store(url)
    assert _plain(third) == _plain(first)
    for store in (first, second, third):
        store.backend.close()


def test_a_batch_on_keys_changed_elsewhere_is_rolled_back(tmp_path: Path) -> None:
    url = _url(tmp_path / "state.db")
    first = Store(url)
    first["a"] = [0]
    second = Store(url)
    second["a"].append("theirs")
    with pytest.raises(BatchConflict, match="rolled back"), first.batch():
        first["a"].append("mine")
    assert first["a"] == [0, "theirs"]
    assert first.journal.version == 2
    assert _plain(Store(url)) == {"a": [0, "theirs"]}
    first.backend.close()
    second.backend.close()


def test_a_writer_behind_a_compaction_reloads_and_is_told_to_retry(tmp_path: Path) -> None:
    url = _url(tmp_path / "state.db", compact_every=5)
    first, second = Store(url), Store(url)
    first["log"] = []
    second["other"] = 0
    for number in range(20):
        first["log"].append(number)
    log = second["log"]
    with pytest.raises(StateReloaded, match="read the value from the store again"):
        log.append("stale")
    assert second["log"] == list(range(20))
    second["log"].append("fresh")
    assert first["other"] == 0
    first["log"].append("again")
    assert first["log"][-2:] == ["fresh", "again"]
    for number in range(20):
        first["log"].append(number)
    second["other"] = 1  # a store-level write is simply run again on the reloaded state
    assert second["log"] == first["log"] and second["other"] == 1
    first.backend.close()
    second.backend.close()


def test_urls_options_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = Store("sqlite:relative.db?synchronous=normal&compact_every=0")
    backend = relative.backend
    assert isinstance(backend, SQLiteBackend)
    assert backend.synchronous == "normal" and backend.compact_every == 0
    assert backend.path == Path("relative.db") and (tmp_path / "relative.db").exists()
    backend.close()
    with pytest.raises(ValueError, match="unknown sqlite:// option"):
        Store("sqlite:///x.db?bogus=1")
    with pytest.raises(ValueError, match="names a host"):
        Store("sqlite://host/x.db")
    with pytest.raises(ValueError, match="no file path"):
        Store("sqlite://")
    with pytest.raises(ValueError, match="synchronous"):
        Store("sqlite:///x.db?synchronous=sometimes")
    monkeypatch.setenv("OBSERVABLE_STORE_URL", _url(tmp_path / "env.db"))
    from_env = Store()
    assert isinstance(from_env.backend, SQLiteBackend)
    from_env["k"] = 1
    from_env.backend.close()
    with pytest.raises(BackendUnavailable, match="closed"):
        from_env["k"] = 2
    assert from_env["k"] == 1


def test_a_file_that_is_not_a_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BackendUnavailable, match=r"junk\.db"):
        Store(_url(path))


def test_journal_discard_after_forgets_rolled_back_changes() -> None:
    journal = Journal(maxlen=3)
    items = observe([], journal)
    seen: list[list[int]] = []
    journal.subscribe(lambda changes: seen.append([c.seq for c in changes]))
    with journal.batch():
        for number in range(5):
            items.append(number)
        journal.discard_after(3)
    assert seen == [[1, 2, 3]]
    assert journal.version == 3 and [c.seq for c in journal.since(2)] == [3]
    with pytest.raises(JournalTruncated):
        journal.since(0)
    journal.append_existing(Change(4, (), "append", (9,), ("splice", 5, (), (9,)), None))
    assert journal.version == 4
    with pytest.raises(ValueError, match="outside"):
        journal.discard_after(5)


def _check_database(path: Path, acked: int, crashes: set[int]) -> int:
    """Check one database after a crash; return the step it holds."""
    assert _rows(path, "PRAGMA integrity_check") == [("ok",)]
    store = Store(_url(path))
    last = int(store["last"])
    assert acked <= last <= acked + 1  # the step in flight is all there or not at all
    assert store["items"] == list(range(1, last + 1))
    single = list(store["single"])
    assert single == sorted(set(single)) and all(n % 3 == 0 and n <= last for n in single)
    # A step's single append is its own commit: only a step a crash cut short may lack it.
    assert set(range(3, last + 1, 3)) - set(single) <= crashes | {last}
    store.backend.close()
    return last


@pytest.mark.timeout(180)
def test_kill_minus_9_in_the_middle_of_writing_leaves_the_last_committed_state(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crash.db"
    rng = random.Random(6)
    resumed_from = 0
    crashes: set[int] = set()
    with workers() as started:
        for _ in range(4):
            worker = Worker("sqlite", str(path))
            started.append(worker)
            ready = int(worker.expect("ready").split()[1])
            assert ready == resumed_from  # a restart resumes from what was committed
            worker.expect("acked", timeout=30)
            time.sleep(rng.uniform(0.2, 0.8))
            os.kill(worker.process.pid, 9)
            worker.process.wait(timeout=10)
            line = worker.last("acked")
            assert line is not None
            resumed_from = _check_database(path, int(line.split()[1]), crashes)
            crashes.add(resumed_from)
    journal_rows = _rows(path, "SELECT COUNT(*) FROM observable_journal")[0][0]
    assert journal_rows <= 60  # compaction ran while the writer was being killed
