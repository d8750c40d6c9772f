"""The backend codec: safe JSON round trips, registered types, opt-in pickle, change records."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import uuid
import zoneinfo
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest

from observable import MISSING, Change, Journal, Member, Store, observe, snapshot
from observable.backends import Codec, CodecError, register_type, unregister_type
from observable.backends.codec import registered_types


@dataclasses.dataclass
class Point:
    """A dataclass at module level: stored without registration."""

    x: int
    y: list[int]


@dataclasses.dataclass(frozen=True, slots=True)
class Frozen:
    """A frozen, slotted dataclass: restored without calling __init__."""

    name: str


class Pair(NamedTuple):
    """A NamedTuple at module level: stored without registration."""

    left: Any
    right: Any


class Color(enum.Enum):
    """An enum at module level: stored by value."""

    RED = "red"
    BLUE = "blue"


class Plain:
    """A plain class: needs register_type()."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is Plain and other.value == self.value

    __hash__ = None  # type: ignore[assignment]


class Celsius:
    """A class with its own encode/decode functions."""

    def __init__(self, degrees: float) -> None:
        self.degrees = degrees

    def __eq__(self, other: object) -> bool:
        return type(other) is Celsius and other.degrees == self.degrees

    __hash__ = None  # type: ignore[assignment]


@pytest.fixture
def registered() -> Iterator[None]:
    """Register the test's user types, and forget them afterwards."""
    register_type(Plain)
    register_type(Celsius, name="temp.Celsius", encode=lambda c: c.degrees, decode=Celsius)
    try:
        yield
    finally:
        unregister_type(Plain)
        unregister_type("temp.Celsius")


VALUES: list[Any] = [
    None,
    True,
    0,
    -(2**70),
    1.5,
    float("inf"),
    'text with ünïcode and "quotes"',
    [1, [2, [3]]],
    {"a": {"b": 1}},
    {"$": "not a tag", "v": 1},
    {1: "int key", (1, 2): "tuple key", None: "none", 1.5: "float"},
    (1, [2, 3], (4,)),
    (),
    {1, "a", (2, 3)},
    frozenset({frozenset({1}), 2}),
    b"\x00\xffbytes",
    bytearray(b"mutable"),
    collections.deque([1, 2, 3], maxlen=5),
    collections.deque(),
    collections.OrderedDict([("b", 1), ("a", 2)]),
    collections.Counter("abracadabra"),
    collections.defaultdict(list, {"k": [1]}),
    collections.defaultdict(None, {1: 2}),
    datetime.datetime(2024, 2, 29, 23, 59, 59, 999999),
    datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2024, 11, 3, 1, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"), fold=1),
    datetime.date(1999, 12, 31),
    datetime.time(12, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-3), "BRT")),
    datetime.timedelta(days=-2, seconds=3, microseconds=4),
    datetime.timezone(datetime.timedelta(minutes=90)),
    decimal.Decimal("3.14159265358979323846"),
    fractions.Fraction(22, 7),
    complex(1, -2),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    range(3, 30, 3),
    MISSING,
    Member("{1, 2}"),
    Point(1, [2, 3]),
    Frozen("ice"),
    Pair(1, (2, 3)),
    Color.BLUE,
    {"nested": [Point(0, []), {"set": {Pair(1, 2)}}, collections.deque([b"x"])]},
]


@pytest.mark.parametrize("value", VALUES, ids=lambda value: type(value).__name__)
def test_values_round_trip_with_their_exact_types(value: Any) -> None:
    codec = Codec()
    back = codec.decode(codec.encode(value))
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, collections.deque):
        assert back.maxlen == value.maxlen
    if isinstance(value, collections.defaultdict):
        assert back.default_factory is value.default_factory
    if isinstance(value, datetime.datetime):
        assert (back.tzinfo, back.fold) == (value.tzinfo, value.fold)
    if isinstance(value, collections.OrderedDict):
        assert list(back) == list(value)


def test_encoding_is_plain_json_for_plain_values() -> None:
    codec = Codec()
    assert codec.encode({"a": [1, 2.5, None, True, "x"]}) == '{"a":[1,2.5,null,true,"x"]}'


def test_proxies_are_encoded_as_their_plain_value() -> None:
    value = observe({"items": [1, {2}]})
    assert Codec().decode(Codec().encode(value)) == {"items": [1, {2}]}


def test_registered_types_round_trip(registered: None) -> None:
    codec = Codec()
    value = {"plain": Plain([1, Plain(2)]), "temp": Celsius(21.5)}
    assert codec.decode(codec.encode(value)) == value
    assert '"t":"temp.Celsius","v":21.5' in codec.encode(Celsius(21.5))
    assert registered_types()["temp.Celsius"] is Celsius


def test_registering_a_name_again_replaces_the_class() -> None:
    class First:
        pass

    class Second:
        pass

    try:
        register_type(First, name="rerun.Model")
        register_type(Second, name="rerun.Model")
        assert registered_types()["rerun.Model"] is Second
        assert type(Codec().decode(Codec().encode(Second()))) is Second
        with pytest.raises(CodecError, match="cannot store a value of type"):
            Codec().encode(First())
    finally:
        unregister_type("rerun.Model")


def test_register_type_checks_its_arguments() -> None:
    class MyList(list[int]):
        pass

    with pytest.raises(TypeError, match="needs a class"):
        register_type(3)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="both encode= and decode="):
        register_type(Plain, encode=repr)
    with pytest.raises(TypeError, match="subclasses a builtin type"):
        register_type(MyList)


def test_an_unregistered_type_names_the_type_and_how_to_register_it() -> None:
    with pytest.raises(CodecError) as caught:
        Codec().encode({"cart": [Plain(1)]})
    message = str(caught.value)
    assert f"{Plain.__module__}.Plain" in message
    assert "register_type(Plain)" in message


def test_decoding_an_unknown_registered_name_explains_what_to_do(registered: None) -> None:
    text = Codec().encode(Plain(1))
    unregister_type(Plain)
    with pytest.raises(CodecError, match=r"no such type is registered.*register_type"):
        Codec().decode(text)


def test_dataclasses_defined_in_functions_need_registration() -> None:
    @dataclasses.dataclass
    class Local:
        x: int

    text = Codec().encode(Local(1))  # encoding registers it in this process
    assert Codec().decode(text) == Local(1)
    unregister_type(Local)
    with pytest.raises(CodecError, match="no such type is registered"):
        Codec().decode(text)


@pytest.mark.parametrize(
    "value",
    [
        collections.defaultdict(lambda: 0),
        object(),
        type("Dynamic", (), {})(),
        datetime.datetime(2024, 1, 1, tzinfo=datetime.tzinfo()),
    ],
    ids=["defaultdict-lambda", "object", "dynamic-class", "custom-tzinfo"],
)
def test_values_without_a_safe_encoding_raise_codec_error(value: Any) -> None:
    with pytest.raises(CodecError):
        Codec().encode(value)


def test_cycles_raise_a_clear_error() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(CodecError, match="cycle"):
        Codec().encode(cycle)


def test_pickle_is_off_by_default_and_refused_when_read() -> None:
    trusting = Codec(allow_pickle=True)
    text = trusting.encode({"thing": Plain(5)})
    assert '"$":"pickle"' in text
    assert trusting.decode(text) == {"thing": Plain(5)}
    with pytest.raises(CodecError, match="refusing to unpickle"):
        Codec().decode(text)


@pytest.mark.parametrize(
    "text",
    ['{"$": "nope", "v": 1}', "not json", '{"$": "bytes", "v": "***"}', '{"$": "obj"}'],
)
def test_malformed_data_raises_codec_error(text: str) -> None:
    with pytest.raises(CodecError):
        Codec().decode(text)


def _recorded_changes() -> list[Change]:
    """Make one change of every effect kind through real proxies."""

    @dataclasses.dataclass
    class Card:
        title: str
        tags: set[str]

    register_type(Card, name="tests.codec.Card")
    journal = Journal(maxlen=None)
    root = observe(
        {
            "list": [3, 1, 2],
            "dict": collections.OrderedDict(a=1, b=2),
            "set": {1, 2},
            "deque": collections.deque([1, 2], maxlen=2),
            "bytes": bytearray(b"ab"),
            "card": Card("t", {"x"}),
            (1, 2): "tuple key",
        },
        journal,
    )
    root["list"].append({"nested": (1, 2)})
    root["list"].sort(key=str)
    root["list"][0:2] = ["x", "y", "z"]
    del root["list"][::2]
    root["dict"].move_to_end("a")
    root["dict"].update(c=3, d=MISSING)
    root["set"] |= {3, frozenset({4})}
    root["set"].discard(1)
    root["deque"].append(3)
    root["bytes"].extend(b"cd")
    root["card"].title = "new"
    del root["card"].title
    root["card"].tags.add("y")
    root[(1, 2)] = b"bytes"
    del root[(1, 2)]
    return list(journal.since(0))


def test_every_kind_of_change_round_trips_without_its_seq() -> None:
    codec = Codec()
    try:
        changes = _recorded_changes()
        kinds = {change.effect[0] for change in changes}
        assert kinds >= {"splice", "permute", "item", "attr", "members", "reorder", "sequence"}
        for change in changes:
            decoded_one = codec.decode_change(codec.encode_change(change), change.seq)
            assert decoded_one.change == change and not decoded_one.silent
        texts = [codec.encode_change(change, silent=True) for change in changes]
        decoded = codec.decode_changes("[" + ",".join(texts) + "]", 10)
        assert [item.change.seq for item in decoded] == list(range(10, 10 + len(changes)))
        assert all(item.silent for item in decoded)
    finally:
        unregister_type("tests.codec.Card")


def test_replaying_decoded_changes_rebuilds_the_value() -> None:
    codec = Codec()
    journal = Journal(maxlen=None)
    start = {"rows": [{"n": 1}], "seen": set(), "when": None}
    root = observe(snapshot(start), journal)
    root["rows"].append({"n": 2, "at": datetime.date(2024, 1, 1)})
    root["rows"][0]["n"] += 10
    root["seen"].add(("a", 1))
    root["when"] = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
    root["rows"].reverse()
    import observable

    copies = [codec.decode_change(codec.encode_change(c), c.seq).change for c in journal.since(0)]
    assert observable.apply(snapshot(start), copies) == snapshot(root)


def test_an_origin_the_codec_cannot_store_is_written_as_its_repr() -> None:
    change = Change(1, (), "setitem", ("k", 1), ("item", "k", MISSING, 1), Plain(1))
    back = Codec().decode_change(Codec().encode_change(change), 1).change
    assert back.origin == repr(change.origin)


def test_memory_store_batch_groups_notifications() -> None:
    store = Store()
    store["items"] = []
    seen: list[int] = []
    store.subscribe("items", lambda key, changes: seen.append(len(changes)))
    with store.batch():
        store["items"].append(1)
        store["items"].append(2)
    assert seen == [2]


def test_store_watchers_receive_changes_whose_args_hold_dicts() -> None:
    store = Store()
    seen: list[tuple[frozenset[str], int]] = []
    store.subscribe_all(lambda keys, changes: seen.append((keys, len(changes))))
    store["rows"] = [{"a": 1}]
    store["rows"].append({"b": {"c": 2}})
    assert seen == [(frozenset({"rows"}), 1), (frozenset({"rows"}), 1)]
