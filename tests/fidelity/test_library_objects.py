"""Rule 6: objects that manage their own state are never broken by observing them.

Library objects (pandas, numpy, PIL, and the standard library's value types) pass through
raw: reading and using them inside an observed value gives the same result as the raw
object, never crashes, and records nothing. ``touch()`` announces a raw edit. The user's
own classes (dataclasses, attrs, pydantic, named tuples, ``__slots__`` and plain classes)
are observed.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import io
import ipaddress
import pathlib
import re
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

import attrs
import numpy
import pandas
import PIL.Image
import pydantic
import pytest

import observable
from observable import Journal, Store
from tests.fidelity.harness import differential, exact, isolated


class Color(enum.Enum):
    """An enum defined by the user."""

    RED = 1
    GREEN = 2


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _image() -> Any:
    image = PIL.Image.new("RGB", (4, 3), (10, 20, 30))
    image.putpixel((1, 1), (200, 0, 0))
    return image


# name -> (factory, {read name: read function})
LIBRARY: dict[str, tuple[Callable[[], Any], dict[str, Callable[[Any], Any]]]] = {
    "DataFrame": (
        lambda: pandas.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}),
        {
            "sum": lambda v: v.sum(),
            "column": lambda v: v["a"].tolist(),
            "len": len,
            "describe": lambda v: v.describe(),
            "to_dict": lambda v: v.to_dict(),
            "loc": lambda v: v.loc[0, "b"],
            "groupby": lambda v: v.groupby("a").sum(),
            "to_json": lambda v: v.to_json(),
            "repr": repr,
            "concat": lambda v: pandas.concat([v, v]),
        },
    ),
    "Series": (
        lambda: pandas.Series([1, 2, 3], name="s"),
        {
            "sum": lambda v: v.sum(),
            "mean": lambda v: v.mean(),
            "tolist": lambda v: v.tolist(),
            "times two": lambda v: v * 2,
            "frame": lambda v: v.to_frame(),
        },
    ),
    "ndarray": (
        lambda: numpy.arange(6).reshape(2, 3),
        {
            "sum": lambda v: v.sum(),
            "shape": lambda v: v.shape,
            "times two": lambda v: v * 2,
            "mean": numpy.mean,
            "tolist": lambda v: v.tolist(),
            "slice": lambda v: v[:, 1],
            "asarray": lambda v: numpy.asarray(v),
            "matmul": lambda v: v @ v.T,
        },
    ),
    "PIL Image": (
        _image,
        {
            "save PNG": _png,
            "size": lambda v: v.size,
            "getpixel": lambda v: v.getpixel((1, 1)),
            "convert": lambda v: v.convert("L").tobytes(),
            "tobytes": lambda v: v.tobytes(),
            "numpy": lambda v: numpy.asarray(v),
        },
    ),
    "datetime": (
        lambda: datetime.datetime(2024, 1, 2, 3, 4, tzinfo=datetime.UTC),
        {
            "isoformat": lambda v: v.isoformat(),
            "plus a day": lambda v: v + datetime.timedelta(days=1),
            "astimezone": lambda v: v.astimezone(datetime.timezone(datetime.timedelta(hours=2))),
        },
    ),
    "Decimal": (
        lambda: decimal.Decimal("1.10"),
        {"plus one": lambda v: v + 1, "quantize": lambda v: v.quantize(decimal.Decimal("0.1"))},
    ),
    "Fraction": (
        lambda: fractions.Fraction(1, 3),
        {"times three": lambda v: v * 3, "float": float},
    ),
    "Path": (
        lambda: pathlib.Path("/tmp/some/file.txt"),
        {
            "join": lambda v: v / "x",
            "name": lambda v: v.name,
            "parent": lambda v: v.parent,
            "str": str,
            "with_suffix": lambda v: v.with_suffix(".md"),
        },
    ),
    "UUID": (
        lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
        {"str": str, "hex": lambda v: v.hex, "int": lambda v: v.int},
    ),
    "re.Pattern": (
        lambda: re.compile(r"(\w+)-(\d+)"),
        {
            "match": lambda v: v.match("abc-12").groups(),
            "sub": lambda v: v.sub("X", "a-1 b-2"),
            "pattern": lambda v: v.pattern,
        },
    ),
    "IPv4Address": (
        lambda: ipaddress.IPv4Address("10.0.0.1"),
        {"plus one": lambda v: v + 1, "is_private": lambda v: v.is_private},
    ),
    "enum member": (
        lambda: Color.RED,
        {"value": lambda v: v.value, "name": lambda v: v.name, "is": lambda v: v is Color.RED},
    ),
}

READS = [(kind, read) for kind, (_, reads) in LIBRARY.items() for read in reads]


@pytest.mark.parametrize(("kind", "read"), READS, ids=[f"{k}-{r}" for k, r in READS])
def test_reading_a_library_object_gives_the_raw_result_and_records_nothing(
    kind: str, read: str
) -> None:
    factory, reads = LIBRARY[kind]

    def check() -> None:
        raw = factory()
        journal = Journal(maxlen=None)
        proxy = observable.observe({"v": factory(), "nested": [{"v": factory()}]}, journal)
        expected = exact(reads[read](raw))
        assert exact(reads[read](proxy["v"])) == expected
        assert exact(reads[read](proxy["nested"][0]["v"])) == expected
        assert journal.version == 0

    isolated(check)


@pytest.mark.parametrize("kind", LIBRARY)
def test_library_objects_pass_through_raw(kind: str) -> None:
    factory, _ = LIBRARY[kind]
    value = factory()
    proxy = observable.observe({"v": value, "l": [value]})
    assert type(proxy["v"]) is type(value)
    assert not observable.is_observed(proxy["v"])
    assert not observable.is_observed(proxy["l"][0])
    assert proxy["v"] is value


def test_storing_library_objects_is_journaled_and_replays() -> None:
    def program(root: Any) -> Any:
        for kind, (factory, _) in LIBRARY.items():
            root[kind] = factory()
            yield

    differential({}, program)


def test_pil_save_inside_an_observed_user_object_records_nothing() -> None:
    @dataclasses.dataclass
    class Album:
        cover: Any

    journal = Journal(maxlen=None)
    proxy = observable.observe({"album": Album(_image())}, journal)
    assert _png(proxy["album"].cover) == _png(_image())
    assert journal.version == 0


def test_a_dataframe_edit_is_announced_with_touch() -> None:
    store = Store("memory://")
    store["df"] = pandas.DataFrame({"a": [1]})
    heard: list[str] = []
    store.subscribe("df", lambda key, changes: heard.append(key))
    store["df"]["b"] = [2]
    assert store["df"].sum().tolist() == [1, 2]
    store.touch("df")
    assert heard == ["df"]
    assert list(store["df"].columns) == ["a", "b"]


def test_the_issue_dataframe_example_works() -> None:
    proxy = observable.observe({"df": pandas.DataFrame({"a": [1]})})
    proxy["df"]["b"] = [2]
    assert proxy["df"].sum().to_dict() == {"a": 1, "b": 2}
    assert type(proxy["df"]) is pandas.DataFrame


@dataclasses.dataclass
class DataPoint:
    """A user dataclass."""

    items: list[int] = dataclasses.field(default_factory=list)


@attrs.define
class AttrsSlotted:
    """A user attrs class (slotted, the attrs default)."""

    items: list[int] = attrs.field(factory=list)


@attrs.define(slots=False)
class AttrsDict:
    """A user attrs class with a ``__dict__``."""

    items: list[int] = attrs.field(factory=list)


class PydanticModel(pydantic.BaseModel):
    """A user pydantic model."""

    items: list[int] = []


class Named(NamedTuple):
    """A user named tuple holding a list."""

    items: list[int]


class SlotsClass:
    """A user ``__slots__`` class."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[int] = []


class PlainClass:
    """A plain user class."""

    def __init__(self) -> None:
        self.items: list[int] = []


USER_TYPES: dict[str, Callable[[], Any]] = {
    "dataclass": DataPoint,
    "attrs slotted": AttrsSlotted,
    "attrs dict": AttrsDict,
    "pydantic": PydanticModel,
    "namedtuple": lambda: Named([]),
    "slots class": SlotsClass,
    "plain class": PlainClass,
}


@pytest.mark.parametrize("kind", USER_TYPES)
def test_user_classes_are_observed_and_their_edits_journaled(kind: str) -> None:
    make = USER_TYPES[kind]
    proxy = observable.observe({"v": make()})
    assert observable.is_observed(proxy["v"])
    assert isinstance(proxy["v"], type(make()))

    def program(root: Any) -> Any:
        root["v"].items.append(1)
        yield
        root["v"].items.extend([2, 3])
        yield

    differential({"v": make()}, program)


def test_counter_of_enum_members_and_enum_keys() -> None:
    def program(root: Any) -> Any:
        root["by_color"][Color.RED] = 1
        yield
        root["counts"][Color.GREEN] += 1
        yield
        yield root["by_color"][Color.RED]

    differential({"by_color": {}, "counts": collections.Counter()}, program)
