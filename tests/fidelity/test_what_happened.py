"""Rule 3: an entry says what happened, not what was passed. Replay, undo and JSON Patch
match the real value afterwards, and undo does not run the user's setters again.
"""

from __future__ import annotations

import collections
import copy
from typing import Any

import pydantic
import pytest

import observable
from observable import Journal
from tests.fidelity.harness import differential, exact

CALLS: collections.Counter[str] = collections.Counter()


def test_set_discard_of_an_equal_member_removes_the_stored_one() -> None:
    def program(root: Any) -> Any:
        root["s"].discard(True)
        yield

    proxy, _ = differential({"s": {1, 2}}, program, json_document=True)
    assert observable.unwrap(proxy)["s"] == {2}


def test_set_remove_of_an_equal_member_is_undone_with_the_stored_one() -> None:
    def program(root: Any) -> Any:
        root["s"].remove(1.0)
        yield
        root["s"].symmetric_difference_update({True, 3})
        yield

    differential({"s": {1, 2}, "t": {True}}, program, json_document=True)


def test_set_add_of_an_equal_member_changes_nothing() -> None:
    def program(root: Any) -> Any:
        root["s"].add(1.0)
        yield
        root["s"].add(True)
        yield
        root["s"] |= {1.0}
        yield
        root["s"].update([True])
        yield

    _, changes = differential({"s": {1}}, program, json_document=True)
    assert changes == ()


def test_dict_write_with_an_equal_key_keeps_the_stored_key() -> None:
    def program(root: Any) -> Any:
        root[1.0] = "b"
        yield
        root[True] = "c"
        yield
        root.update({1.0: "d"})
        yield
        yield root.setdefault(True, "e")

    proxy, _ = differential({1: "a"}, program, json_document=True)
    assert [type(key) for key in observable.unwrap(proxy)] == [int]


def test_dict_delete_and_pop_with_an_equal_key_are_undone_with_the_stored_key() -> None:
    def program(root: Any) -> Any:
        del root[1.0]
        yield
        yield root.pop(True)

    differential({1: "a", 2: "b", 3: "c"}, program, json_document=True)


def test_list_remove_of_an_equal_item_removes_the_first_equal_one() -> None:
    def program(root: Any) -> Any:
        root.remove(1)
        yield
        root.remove(True)
        yield

    differential([2, 1.0, True, 1], program, json_document=True)


class Twice(list):  # type: ignore[type-arg]
    """A list whose ``append`` appends twice."""

    def append(self, item: Any) -> None:
        """Append ``item`` two times."""
        super().append(item)
        super().append(item)


def test_list_subclass_whose_append_appends_twice() -> None:
    def program(root: Any) -> Any:
        root["l"].append(1)
        yield
        root["l"].append({"k": 0})
        yield

    proxy, _ = differential({"l": Twice([0])}, program, json_document=True)
    assert list(observable.unwrap(proxy)["l"])[:3] == [0, 1, 1]


class LowerKeys(dict):  # type: ignore[type-arg]
    """A dict that lower-cases its keys on every write."""

    def __setitem__(self, key: str, value: Any) -> None:
        CALLS["LowerKeys.__setitem__"] += 1
        super().__setitem__(key.lower(), value)


def test_dict_subclass_that_normalises_its_keys() -> None:
    def program(root: Any) -> Any:
        root["h"]["Content-Type"] = "text/plain"
        yield
        root["h"]["ACCEPT"] = "*/*"
        yield
        root["h"]["Content-TYPE"] = "text/html"
        yield

    proxy, changes = differential({"h": LowerKeys(accept="x")}, program, json_document=True)
    assert list(observable.unwrap(proxy)["h"]) == ["accept", "content-type"]
    CALLS.clear()
    observable.apply(observable.snapshot(proxy), observable.invert(changes))
    assert CALLS["LowerKeys.__setitem__"] == 0, "undo ran the user's __setitem__ again"


class Thermometer:
    """A property setter that converts and stores under another name."""

    def __init__(self) -> None:
        self._celsius = 0.0
        self.history: list[float] = []

    @property
    def fahrenheit(self) -> float:
        """The temperature in Fahrenheit."""
        return self._celsius * 9 / 5 + 32

    @fahrenheit.setter
    def fahrenheit(self, value: float) -> None:
        CALLS["Thermometer.fahrenheit"] += 1
        self._celsius = (value - 32) * 5 / 9
        self.history.append(value)


def test_property_setter_that_stores_under_another_name() -> None:
    def program(root: Any) -> Any:
        root["t"].fahrenheit = 212
        yield
        root["t"].fahrenheit = 32
        yield

    proxy, changes = differential({"t": Thermometer()}, program, json_document=True)
    assert observable.unwrap(proxy)["t"]._celsius == 0.0
    CALLS.clear()
    observable.apply(observable.snapshot(proxy), observable.invert(changes))
    assert CALLS["Thermometer.fahrenheit"] == 0, "undo ran the user's property setter again"
    observable.apply(proxy, observable.invert(changes))
    assert CALLS["Thermometer.fahrenheit"] == 0, "undo through the proxy ran the setter again"
    assert exact(proxy) == exact({"t": Thermometer()})


class Normalising:
    """A ``__setattr__`` that stores text attributes stripped, under a lower-cased name."""

    def __init__(self) -> None:
        object.__setattr__(self, "name", "")

    def __setattr__(self, name: str, value: Any) -> None:
        CALLS["Normalising.__setattr__"] += 1
        object.__setattr__(self, name.lower(), value.strip() if isinstance(value, str) else value)


def test_user_setattr_that_renames_and_converts() -> None:
    def program(root: Any) -> Any:
        root["n"].Name = "  Ada  "
        yield
        root["n"].EXTRA = 1
        yield

    proxy, changes = differential({"n": Normalising()}, program, json_document=True)
    assert vars(observable.unwrap(proxy)["n"]) == {"name": "Ada", "extra": 1}
    CALLS.clear()
    observable.apply(observable.snapshot(proxy), observable.invert(changes))
    assert CALLS["Normalising.__setattr__"] == 0


class Settings(pydantic.BaseModel):
    """A pydantic model that validates (and converts) on assignment."""

    model_config = pydantic.ConfigDict(validate_assignment=True)

    port: int = 80
    tags: list[str] = []

    @pydantic.field_validator("port")
    @classmethod
    def _count(cls, value: int) -> int:
        CALLS["Settings.port"] += 1
        return value


def test_pydantic_model_that_converts_on_assignment() -> None:
    def program(root: Any) -> Any:
        root["s"].port = "8080"
        yield
        root["s"].tags.append("x")
        yield
        root["s"].tags = ("a", "b")
        yield

    proxy, changes = differential({"s": Settings()}, program, json_document=True)
    settings = observable.unwrap(proxy)["s"]
    assert settings.port == 8080 and type(settings.port) is int
    assert settings.tags == ["a", "b"]
    CALLS.clear()
    restored = observable.apply(observable.snapshot(proxy), observable.invert(changes))
    assert CALLS["Settings.port"] == 0, "undo ran the model's validator again"
    assert restored["s"].port == 80


def test_pydantic_conversion_shows_in_json_patch_as_the_stored_value() -> None:
    journal = Journal(maxlen=None)
    proxy = observable.observe({"s": Settings()}, journal)
    proxy["s"].port = "8080"
    patch = observable.to_json_patch(journal.since(0))
    assert [op["value"] for op in patch] == [8080]


@pytest.mark.parametrize(
    ("initial", "key", "value", "stored"),
    [({1: "a"}, 1.0, "b", 1), ({1: "a"}, True, "b", 1), ({"x": 1}, "x", 1.0, "x")],
)
def test_entry_names_the_key_as_stored(initial: Any, key: Any, value: Any, stored: Any) -> None:
    journal = Journal(maxlen=None)
    proxy = observable.observe(copy.deepcopy(initial), journal)
    proxy[key] = value
    replayed = observable.apply(copy.deepcopy(initial), journal.since(0))
    assert exact(replayed) == exact(proxy)
    assert exact(list(replayed.items())) == exact([(stored, value)])
