"""Hostile data: entries crafted by someone who can write to the SQLite file or the Redis server.

Each payload is written straight into the backend (a journal row, a stream entry or a
snapshot value), bypassing observable. Whatever it is, it must not run code (a pickle
payload would create a marker file), change process state (codec settings, registered
types, ``sys.modules``) or harm any key but its own, in this process and in another.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from observable import Store
from observable.backends import Codec, CodecError, KeyQuarantined
from observable.backends.codec import DEFAULT_CODEC, registered_types
from observable.backends.redis import RedisBackend
from observable.backends.sqlite import SQLiteBackend
from tests.support.redis_server import RedisServer, redis_server
from tests.support.workers import Worker, workers

pytestmark = pytest.mark.timeout(120)


@dataclass
class Card:
    """A stored object whose attributes hostile paths try to climb out of."""

    title: str
    tags: list[str]

    def shout(self) -> str:
        """A method: a class attribute data must never enter."""
        return self.title.upper()


class _Touch:
    """Pickles to a call that creates a marker file when unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


def _item(key: str, value_json: Any) -> list[Any]:
    """A raw record that sets store key ``key`` to the raw JSON ``value_json``."""
    return [[], "setitem", [], ["item", key, {"$": "missing"}, value_json], None]


def _payloads(marker: Path) -> dict[str, list[Any] | str]:
    """Hostile change records (raw JSON), each aimed at store key ``card``."""
    pickled = pickle.dumps(_Touch(marker))
    import base64

    blob = base64.b64encode(pickled).decode()
    deep = "[" * 5000 + "0" + "]" * 5000
    return {
        "globals traversal": [
            ["card", "__class__", "shout", "__globals__", "sys", "modules"],
            "setattr",
            [],
            ["attr", "x", None, 1],
            None,
        ],
        "flip pickle switch": [
            ["card", "__class__", "__init__", "__globals__", "DEFAULT_CODEC"],
            "setattr",
            [],
            ["attr", "_allow_pickle", False, True],
            None,
        ],
        "method as container": [["card", "shout"], "append", [1], ["splice", 0, [], [1]], None],
        "dunder attribute": [["card"], "setattr", [], ["attr", "__class__", None, 1], None],
        "wrapt attribute": [["card"], "setattr", [], ["attr", "_self_x", None, 1], None],
        "method overwrite": [["card"], "setattr", [], ["attr", "shout", None, 1], None],
        "set member step": [
            ["card", {"$": "member", "v": "1"}],
            "add",
            [],
            ["members", [1], []],
            None,
        ],
        "pickle payload": _item("card", {"$": "pickle", "v": blob}),
        "fake type tag": _item("card", {"$": "obj", "t": "subprocess.Popen", "v": {"args": "x"}}),
        "fake dataclass": _item(
            "card", {"$": "obj", "t": "tests.test_backend_hostile.Card", "v": {"__class__": 1}}
        ),
        "stdlib enum": _item("card", {"$": "enum", "t": "re.RegexFlag", "v": 2**40}),
        "ddict factory": _item("card", {"$": "ddict", "f": "obj:os.system", "v": []}),
        "unknown tag": _item("card", {"$": "exec", "v": "import os"}),
        "slow fraction": _item("card", {"$": "fraction", "v": "1e100000000"}),
        "huge decimal": _item("card", {"$": "decimal", "v": "1e999999999999"}),
        "zone traversal": _item("card", {"$": "zone", "v": "../../../etc/passwd"}),
        "deep nesting": '[[],"setitem",[],["item","card",{"$":"missing"},' + deep + "],null]",
        "huge number": '[[],"setitem",[],["item","card",{"$":"missing"},1' + "0" * 5000 + "],null]",
        "not json": '[["card"],"append",[1],["splice",0,[],[1]',
    }


def _state() -> tuple[bool, dict[str, type], int]:
    return DEFAULT_CODEC.allow_pickle, registered_types(), len(sys.modules)


def _check_harmless(store: Store, marker: Path, before: tuple[bool, dict[str, type], int]) -> None:
    """Nothing ran, nothing changed in the process, and only ``card`` is quarantined."""
    assert not marker.exists(), "stored data ran code"
    assert _state() == before, "stored data changed process state"
    assert set(store.backend.quarantined()) <= {"card", None}
    assert store["other"] == [1, 2]
    store["other"].append(3)  # every other key keeps working
    assert store["other"] == [1, 2, 3]


# -- SQLite ---------------------------------------------------------------------------


def _sqlite_inject(path: Path, record: list[Any] | str) -> None:
    text = record if isinstance(record, str) else json.dumps(record)
    with sqlite3.connect(path) as conn:
        head = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM observable_journal").fetchone()[0]
        conn.execute("INSERT INTO observable_journal(seq, change) VALUES (?, ?)", (head + 1, text))


@pytest.mark.parametrize("name", list(_payloads(Path("unused"))))
def test_sqlite_hostile_rows_quarantine_only_their_key(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "state.db"
    url = f"sqlite:///{path}"
    writer = Store(url)
    writer["card"] = Card("a", ["x"])
    writer["other"] = [1, 2]
    writer.backend.close()
    _sqlite_inject(path, _payloads(marker)[name])
    before = _state()
    store = Store(url)  # opening reads the hostile row
    try:
        assert "card" in store.backend.quarantined() or None in store.backend.quarantined()
        _check_harmless(store, marker, before)
        quarantined = store.backend.quarantined()
        if "card" in quarantined:
            problem = quarantined["card"]
            assert "journal row" in problem.entry and problem.error
            with pytest.raises(KeyQuarantined, match="card"):
                store["card"].tags.append("y")
            store["card"] = Card("repaired", [])  # the documented repair
            assert "card" not in store.backend.quarantined()
            store["card"].tags.append("ok")
        with workers() as started:  # another process opens the same file
            probe = Worker("probe", url)
            started.append(probe)
            assert probe.expect("other ").split(" ", 1)[1] == "[1, 2, 3]"
    finally:
        store.backend.close()
    assert not marker.exists()


def test_a_bad_snapshot_value_quarantines_its_key(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    url = f"sqlite:///{path}?compact_every=2"
    writer = Store(url)
    writer["card"] = [1]
    writer["other"] = [1, 2]
    writer.backend.close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE observable_snapshot SET value = ? WHERE key = 'card'",
            ('{"$":"obj","t":"missing.module.Gone","v":{}}',),
        )
    store = Store(url)
    try:
        problem = store.backend.quarantined()["card"]
        assert "missing.module.Gone" in problem.error and "snapshot" in problem.entry
        assert "card" not in store and store["other"] == [1, 2]
        store["card"] = ["fresh"]
        assert store.backend.quarantined() == {}
    finally:
        store.backend.close()


def test_limits_refuse_huge_strings_and_numbers_when_written_and_read(tmp_path: Path) -> None:
    codec = Codec(max_size=10_000)
    store = Store(SQLiteBackend(tmp_path / "s.db", codec=codec))
    try:
        with pytest.raises(CodecError, match="max_size"):
            store["big"] = "x" * 20_000
        assert "big" not in store
        with pytest.raises(CodecError, match="max_digits"):
            store["n"] = 10**5000
        store["ok"] = "x" * 100
        _sqlite_inject(tmp_path / "s.db", _item("big", "y" * 20_000))
        store["ok"] += "!"  # catches up over the huge row: refused unread, not applied
        (problem,) = store.backend.quarantined().values()
        assert "max_size=10000" in problem.error and "journal row 2" in problem.entry
        assert "big" not in store and store["ok"] == "x" * 100 + "!"
    finally:
        store.backend.close()


def test_pickle_cannot_be_enabled_by_a_url(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pickle cannot be enabled from a store URL"):
        Store(f"sqlite:///{tmp_path / 's.db'}?pickle=1")
    with pytest.raises(ValueError, match="pickle cannot be enabled"):
        RedisBackend.from_url("redis://127.0.0.1:1/0?pickle=1")
    with pytest.raises(AttributeError):
        DEFAULT_CODEC.allow_pickle = True  # type: ignore[misc]


def test_decoding_registers_nothing() -> None:
    before = registered_types()
    name = f"{Card.__module__}.{Card.__qualname__}"
    text = json.dumps({"$": "obj", "t": name, "v": {"title": "a", "tags": []}})
    assert Codec().decode(text) == Card("a", [])
    assert registered_types() == before


def test_a_class_this_process_never_imported_quarantines_its_key_until_reload(
    tmp_path: Path,
) -> None:
    """A rolling deploy: another process stores a dataclass from a module this process
    has not imported. Only that key is held back; importing the module and calling
    ``store.backend.reload()`` reads it again."""
    import importlib
    import subprocess

    module = f"deployed_cards_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(
        "from dataclasses import dataclass\n\n\n@dataclass\nclass Badge:\n    name: str\n"
    )
    url = f"sqlite:///{tmp_path / 'state.db'}"
    writer = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        f"from {module} import Badge\n"
        "from observable import Store\n"
        f"store = Store({url!r})\n"
        "store['badge'] = Badge('new')\n"
        "store['other'] = [1]\n"
    )
    subprocess.run([sys.executable, "-c", writer], check=True, timeout=60)
    assert module not in sys.modules
    store = Store(url)
    try:
        assert set(store.backend.quarantined()) == {"badge"}
        assert store["other"] == [1]
        store["other"].append(2)  # every other key keeps working
        sys.path.insert(0, str(tmp_path))
        try:
            badge_type = importlib.import_module(module).Badge
            store.backend.reload()
        finally:
            sys.path.remove(str(tmp_path))
            sys.modules.pop(module, None)
        assert store.backend.quarantined() == {}
        assert store["badge"] == badge_type("new")
        assert store["other"] == [1, 2]
    finally:
        store.backend.close()


def test_a_missing_redis_package_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "from observable import Store\n"
        "try:\n    Store('redis://127.0.0.1:1/0')\n"
        "except ValueError as error:\n    print(error)\n"
    )
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert 'pip install "observable-journal[redis]"' in result.stdout


# -- Redis ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    """One non-persistent redis-server for the hostile Redis tests."""
    with redis_server() as started:
        yield started


def _redis_inject(client: redis.Redis, store: str, record: list[Any] | str) -> None:
    text = record if isinstance(record, str) else json.dumps(record)
    tag = "{observable:" + store + "}"
    head = int(client.get(tag + ":seq") or 0) + 1
    client.xadd(tag + ":log", {"i": "attacker", "n": 1, "d": f"[{text}]"}, id=f"{head}-0")
    client.set(tag + ":seq", head)


@pytest.mark.server
@pytest.mark.parametrize("name", list(_payloads(Path("unused"))))
def test_redis_hostile_entries_quarantine_only_their_key(
    server: RedisServer, tmp_path: Path, name: str
) -> None:
    marker = tmp_path / "pwned"
    url = f"{server.url}?store={name.replace(' ', '-')}&reseed_wait=0.2&block=0.2"
    first, second = Store(url), Store(url)
    opened: list[Callable[[], None]] = [first.backend.close, second.backend.close]
    try:
        first["card"] = Card("a", ["x"])
        first["other"] = [1, 2]
        _wait_for(lambda: second.get("other") == [1, 2])
        before = _state()
        _redis_inject(
            redis.Redis.from_url(server.url), name.replace(" ", "-"), _payloads(marker)[name]
        )
        _wait_for(lambda: bool(second.backend.quarantined()))  # the reader met it
        _check_harmless(second, marker, before)
        _wait_for(lambda: first.get("other") == [1, 2, 3])  # and the first replica sees it
        late = Store(url)  # a replica that opens later reads the entry while loading
        opened.append(late.backend.close)
        assert set(late.backend.quarantined()) <= {"card", None} and late["other"] == [1, 2, 3]
        if "card" in second.backend.quarantined():
            second["card"] = Card("repaired", [])
            _wait_for(lambda: not first.backend.quarantined() and first["card"].title == "repaired")
    finally:
        for close in opened:
            close()
    assert not marker.exists()


def _wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)
