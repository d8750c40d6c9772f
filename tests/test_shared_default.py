"""observable.observe_shared: sessions read one default in place and copy only what they write.

Every test checks the two promises: the default stays exactly as it was (compared with a deep
snapshot taken first), and each session sees what it would see in a deep copy of its own.
The differential battery (``tests/fidelity``) runs every program in shared mode too.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import pickle
import threading
from typing import Any

import pytest

import observable
from observable import Journal, SharedDefault, observe_shared
from observable.proxies.base import unwrap as peek
from tests.fidelity.harness import exact


@dataclasses.dataclass
class Card:
    title: str
    tags: list[str] = dataclasses.field(default_factory=list)


class Slotted:
    __slots__ = ("items", "name")

    def __init__(self) -> None:
        self.items: list[int] = []
        self.name = "s"


def records(count: int) -> dict[str, Any]:
    return {
        "rows": [{"id": i, "tags": [], "meta": {"n": i}} for i in range(count)],
        "board": {"cards": [Card("a"), Card("b")], "seen": {1, 2}},
        "log": collections.deque([1, 2], maxlen=5),
        "counts": collections.Counter(a=1),
        "groups": collections.defaultdict(list, {"x": [1]}),
        "ordered": collections.OrderedDict(a=[1], b=[2]),
        "pair": ([1], frozenset({3})),
        "slotted": Slotted(),
    }


def _check(default: SharedDefault, pristine: Any, *sessions: Any) -> None:
    assert exact(default.value) == pristine, "the shared default changed"
    for session in sessions:
        assert exact(observable.snapshot(session)) == pristine, "a session sees another's edits"


def test_a_session_starts_on_the_default_itself_and_a_write_copies_only_its_path() -> None:
    default = SharedDefault(records(100))
    pristine = exact(default.value)
    session = observe_shared(default)
    assert peek(session) is default.value  # nothing copied to start
    session["rows"][5]["tags"].append("x")
    rows = peek(session["rows"])
    assert peek(session) is not default.value
    assert rows is not default.value["rows"]
    assert rows[5] is not default.value["rows"][5]
    assert rows[5]["meta"] is default.value["rows"][5]["meta"]  # untouched: still shared
    assert rows[6] is default.value["rows"][6]
    assert peek(session["board"]) is default.value["board"]
    assert session["rows"][5] == {"id": 5, "tags": ["x"], "meta": {"n": 5}}
    assert exact(default.value) == pristine


def test_every_kind_of_write_leaves_the_default_and_another_session_unchanged() -> None:
    default = SharedDefault(records(5))
    pristine = exact(default.value)
    frozen = pickle.dumps(default.value)
    mine, other = observe_shared(default), observe_shared(default)
    mine["rows"][0]["meta"]["n"] = 99
    mine["rows"].pop(1)["tags"].append("popped")
    mine["rows"][1:3][0]["tags"].append("sliced")
    mine["board"]["cards"][0].tags.append("t")
    mine["board"]["cards"][1].title = "renamed"
    vars(mine["board"]["cards"][1])["title"] = "through vars"
    mine["board"]["seen"].add(3)
    mine["log"].append(3)
    mine["counts"]["a"] += 1
    mine["groups"]["new"].append(1)
    mine["groups"]["x"].append(2)
    mine["ordered"].move_to_end("a")
    mine["ordered"]["b"].append(3)
    mine["pair"][0].append(2)
    mine["slotted"].items.append(1)
    mine["slotted"].name = "t"
    mine["rows"] += [{"id": 9}]
    for row in mine["rows"]:
        row["seen"] = True
    _check(default, pristine, other)
    assert pickle.dumps(default.value) == frozen  # byte for byte
    assert mine["pair"][0] == [1, 2]
    assert mine["board"]["cards"][1].title == "through vars"
    assert mine["groups"]["new"] == [1]


def test_the_journal_records_what_a_private_deep_copy_would_record() -> None:
    def program(root: Any) -> None:
        root["rows"][2]["tags"].append("a")
        moved = root["rows"].pop(0)
        root["board"]["cards"].append(moved)
        moved["meta"]["n"] = -1
        root["board"]["cards"][0].tags += ["b"]
        root["pair"][0].extend([5, 6])

    def recorded(root: Any) -> list[tuple[Any, ...]]:
        program(root)
        journal = observable.journal_of(root)
        return [(c.path, c.op, c.args, c.effect) for c in journal.since(0)]

    value = records(4)
    private = recorded(observable.observe(copy.deepcopy(value)))
    default = SharedDefault(value)
    pristine = exact(default.value)
    assert recorded(observe_shared(default)) == private
    _check(default, pristine)


def test_raw_objects_handed_out_are_the_sessions_own() -> None:
    default = SharedDefault(records(3))
    pristine = exact(default.value)
    session = observe_shared(default)
    raw = observable.unwrap(session["rows"])  # everything below is the session's own now
    raw[0]["tags"].append("raw")
    raw[1]["meta"]["n"] = "raw"
    copied = copy.copy(session["board"]["cards"][0])  # holds the card's own tags list
    copied.tags.append("copy")
    json_text = observable.unwrap(session)  # the whole value
    json_text["board"]["seen"].add(7)
    _check(default, pristine)
    assert session["rows"][0]["tags"] == ["raw"]  # edits behind the proxy's back are seen
    assert session["board"]["cards"][0].tags == ["copy"]  # copy.copy is shallow, as in Python


def test_an_alias_the_session_makes_reads_the_same_through_either_place() -> None:
    value = {"x": {}, "y": {"k": [1]}, "t": (1, 2), "s": Slotted()}
    default = SharedDefault(value)
    pristine = exact(default.value)
    session = observe_shared(default)
    plain = copy.deepcopy(value)
    for root in (session, plain):
        root["x"].update(root["y"])  # x["k"] is y["k"]: one list at two places
        root["x"]["k"].append(2)
    assert session["y"] == plain["y"] == {"k": [1, 2]}
    assert str(session["y"]) == str(plain["y"])
    assert hash(session["t"]) == hash((1, 2))  # proxies that hash still do
    assert hash(session["s"]) == hash(peek(session["s"]))
    _check(default, pristine)


def test_aliases_in_the_default_stay_aliases_in_each_session() -> None:
    shared_list: list[int] = []
    card = Card("c", shared_list)
    value = {"a": shared_list, "b": shared_list, "cards": [card, card], "t": (shared_list,)}
    default = SharedDefault(value)
    pristine = exact(default.value)
    session, other = observe_shared(default), observe_shared(default)
    session["a"].append(1)
    assert session["b"] == [1]
    assert session["cards"][1].tags == [1]
    assert session["t"][0] == [1]
    plain = copy.deepcopy(value)
    plain["a"].append(1)
    assert repr(session) == repr(plain)
    raw = peek(session)
    assert raw["a"] is raw["b"] is raw["cards"][0].tags is raw["t"][0]
    assert raw["cards"][0] is raw["cards"][1]
    _check(default, pristine, other)


def test_a_cyclic_default_is_shared_and_copied_with_its_cycle() -> None:
    value: dict[str, Any] = {"name": "loop"}
    value["self"] = value
    default = SharedDefault(value)
    session = observe_shared(default)
    session["self"]["x"] = 1
    raw = peek(session)
    assert raw["self"] is raw and raw["x"] == 1
    assert "x" not in value and value["self"] is value


def test_library_objects_are_copied_when_reached_and_locks_stay_shared() -> None:
    lock = threading.Lock()
    value = {"user": collections.UserList([1]), "lock": lock}
    default = SharedDefault(value)
    session = observe_shared(default)
    with pytest.warns(observable.PassesThroughRaw):
        observable.observe(collections.UserList())  # raw: not tracked, so it is copied
    reached = session["user"]
    assert reached is not value["user"] and reached is session["user"]
    reached.append(2)
    assert value["user"] == [1] and session["user"] == [1, 2]
    assert session["lock"] is lock  # cannot be copied: shared by reference, as snapshot keeps it


def test_pickle_deepcopy_and_snapshot_give_the_sessions_value() -> None:
    default = SharedDefault(records(2))
    session = observe_shared(default)
    session["rows"][0]["tags"].append("p")
    for plain in (
        pickle.loads(pickle.dumps(session)),
        copy.deepcopy(session),
        observable.snapshot(session),
    ):
        assert plain["rows"][0]["tags"] == ["p"]
        assert plain["rows"][1]["tags"] == []


def test_observe_shared_refuses_what_it_cannot_share() -> None:
    with pytest.raises(TypeError, match="SharedDefault"):
        observe_shared([1, 2])  # type: ignore[arg-type]
    journal = Journal()
    default = SharedDefault([1])
    observe_shared(default, journal)
    with pytest.raises(ValueError, match="already"):
        observe_shared(default, journal)


def test_a_scalar_default_comes_back_as_is() -> None:
    assert observe_shared(SharedDefault(3)) == 3
    assert observe_shared(SharedDefault("text")) == "text"


def test_sessions_writing_at_once_in_threads_never_reach_the_default() -> None:
    default = SharedDefault(records(50))
    pristine = exact(default.value)
    sessions = [observe_shared(default) for _ in range(8)]
    start = threading.Barrier(len(sessions))

    def work(number: int, session: Any) -> None:
        start.wait()
        for index in range(0, 50, 3):
            session["rows"][index]["tags"].append(number)
            session["board"]["cards"][0].tags.append(number)

    threads = [
        threading.Thread(target=work, args=(number, session))
        for number, session in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert exact(default.value) == pristine
    for number, session in enumerate(sessions):
        assert session["rows"][3]["tags"] == [number]
        assert session["rows"][4]["tags"] == []
        assert session["board"]["cards"][0].tags == [number] * 17


class _OwnDict(dict):  # type: ignore[type-arg]
    pass


def _aliased() -> dict[str, Any]:
    shared = [1]
    return {"a": shared, "b": shared}


class _Guarded:
    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"rows": [{"id": 1}], "c": collections.Counter(a=1)}, None),
        ({(1, "a"): [1], "s": {1, 2}}, None),
        (_aliased(), "it holds an object at two places"),
        ({"d": _OwnDict()}, "it holds a _OwnDict, a subclass of a built-in container"),
        ({"d": {_Guarded(): 1}}, "a dict in it has a mutable key"),
        ({"g": _Guarded()}, "its _Guarded objects define __setattr__"),
    ],
)
def test_a_default_copy_on_write_cannot_copy_exactly_gets_a_deep_copy(
    value: Any, reason: str | None
) -> None:
    default = SharedDefault(value)
    assert default.unshareable == reason
    session = observe_shared(default)
    if reason is None:
        assert peek(session) is value  # the session reads the default itself
    else:
        assert peek(session) is not value  # its own deep copy
        assert exact(session) == exact(value)
