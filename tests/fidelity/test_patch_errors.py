"""Rule 8: patches and the journal API fail clearly, and undo restores order exactly.
All the library's errors share one base class, ``observable.ObservableError``.
"""

from __future__ import annotations

import collections
import copy
from collections.abc import Callable
from typing import Any

import pytest

import observable
from observable import Journal, PatchError
from tests.fidelity.harness import differential, exact


def _changes(initial: Any, edit: Callable[[Any], Any]) -> tuple[observable.Change, ...]:
    journal = Journal(maxlen=None)
    proxy = observable.observe(copy.deepcopy(initial), journal)
    edit(proxy)
    return journal.since(0)


BAD_TARGETS: dict[str, tuple[Any, Callable[[Any], Any], Any]] = {
    "missing key on the path": ({"a": {"b": 1}}, lambda p: p["a"].__setitem__("b", 2), {}),
    "scalar on the path": ({"a": {"b": 1}}, lambda p: p["a"].__setitem__("b", 2), {"a": 5}),
    "list index out of range": ({"l": [[1]]}, lambda p: p["l"][0].append(2), {"l": []}),
    "splice past the end": ([1, 2, 3], lambda p: p.pop(), []),
    "delete a missing key": ({"a": 1}, lambda p: p.pop("a"), {}),
    "missing attribute on the path": (
        {"o": collections.Counter()},
        lambda p: p["o"].update("a"),
        {"o": None},
    ),
    "wrong container kind": ({"s": {1}}, lambda p: p["s"].add(2), {"s": [1]}),
    "set remove of a missing member": ({"s": {1}}, lambda p: p["s"].remove(1), {"s": set()}),
}


@pytest.mark.parametrize("case", BAD_TARGETS, ids=list(BAD_TARGETS))
def test_apply_on_a_bad_path_raises_patch_error(case: str) -> None:
    initial, edit, target = BAD_TARGETS[case]
    changes = _changes(initial, edit)
    assert changes
    with pytest.raises(PatchError):
        observable.apply(target, changes)


def test_patch_error_leaves_an_observed_target_consistent() -> None:
    changes = _changes({"a": [1], "b": {"c": 1}}, lambda p: (p["a"].append(2), p["b"].pop("c")))
    journal = Journal(maxlen=None)
    target = observable.observe({"a": [1], "b": {}}, journal)
    with pytest.raises(PatchError):
        observable.apply(target, changes)
    replayed = observable.apply({"a": [1], "b": {}}, journal.since(0))
    assert exact(replayed) == exact(target)


def _cyclic() -> dict[str, Any]:
    value: dict[str, Any] = {"name": "loop"}
    value["self"] = value
    return value


def test_to_json_document_of_a_cyclic_value_raises_patch_error() -> None:
    with pytest.raises(PatchError):
        observable.to_json_document(_cyclic())


def test_to_json_patch_of_a_cyclic_insert_raises_patch_error() -> None:
    changes = _changes({}, lambda p: p.__setitem__("loop", _cyclic()))
    with pytest.raises(PatchError):
        observable.to_json_patch(changes)


def test_a_cyclic_list_inserted_then_exported_raises_patch_error() -> None:
    def edit(proxy: Any) -> None:
        loop: list[Any] = []
        loop.append(loop)
        proxy.append(loop)

    with pytest.raises(PatchError):
        observable.to_json_patch(_changes([], edit))


def test_observing_and_editing_a_cyclic_value_works_like_plain_python() -> None:
    def program(root: Any) -> Any:
        root["self"]["x"] = 1
        yield
        root["items"] = [root["name"]]
        yield

    differential(_cyclic(), program)


@pytest.mark.parametrize("bad", ["1", 1.0, None, b"1", [1]], ids=repr)
def test_since_with_a_non_integer_raises_a_clear_type_error(bad: Any) -> None:
    journal = Journal()
    proxy = observable.observe([], journal)
    proxy.append(1)
    with pytest.raises(TypeError, match=r"since|version"):
        journal.since(bad)


def test_since_with_an_integer_still_works() -> None:
    journal = Journal()
    proxy = observable.observe([], journal)
    proxy.append(1)
    assert len(journal.since(0)) == 1
    assert journal.since(1) == ()


ORDER_EDITS: dict[str, Callable[[Any], Any]] = {
    "popitem(last=False)": lambda p: p.popitem(last=False),
    "popitem()": lambda p: p.popitem(),
    "pop a middle key": lambda p: p.pop("b"),
    "del a middle key": lambda p: p.__delitem__("b"),
    "move_to_end": lambda p: p.move_to_end("a"),
    "move_to_end last=False": lambda p: p.move_to_end("c", last=False),
    "clear": lambda p: p.clear(),
    "pop then re-add": lambda p: p.__setitem__("a", p.pop("a")),
}


@pytest.mark.parametrize("edit", ORDER_EDITS, ids=list(ORDER_EDITS))
def test_undo_restores_the_key_order_of_an_ordered_dict(edit: str) -> None:
    def program(root: Any) -> Any:
        ORDER_EDITS[edit](root)
        yield

    initial = collections.OrderedDict(a=1, b=2, c=3)
    proxy, changes = differential(initial, program)
    restored = observable.apply(observable.snapshot(proxy), observable.invert(changes))
    assert list(restored) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "edit",
    ["popitem()", "pop a middle key", "del a middle key", "clear", "pop then re-add"],
)
def test_undo_restores_the_key_order_of_a_plain_dict(edit: str) -> None:
    def program(root: Any) -> Any:
        ORDER_EDITS[edit](root)
        yield

    proxy, changes = differential({"a": 1, "b": 2, "c": 3}, program, json=True)
    restored = observable.apply(observable.snapshot(proxy), observable.invert(changes))
    assert list(restored) == ["a", "b", "c"]


def test_the_common_error_base_exists() -> None:
    assert issubclass(observable.ObservableError, Exception)
    assert "ObservableError" in observable.__all__


@pytest.mark.parametrize(
    "name",
    ["PatchError", "ReadOnlyError", "JournalTruncated", "BackendUnavailable", "Conflict"],
)
def test_the_librarys_errors_share_the_common_base(name: str) -> None:
    assert issubclass(getattr(observable, name), observable.ObservableError)


@pytest.mark.parametrize(
    ("name", "builtin"),
    [
        ("PatchError", ValueError),
        ("ReadOnlyError", TypeError),
        ("JournalTruncated", LookupError),
        ("BackendUnavailable", RuntimeError),
    ],
)
def test_the_librarys_errors_keep_their_builtin_bases(name: str, builtin: type) -> None:
    assert issubclass(getattr(observable, name), builtin)


def test_codec_errors_share_the_common_base() -> None:
    from observable.backends import CodecError

    assert issubclass(CodecError, observable.ObservableError)


def test_catching_the_common_base_catches_a_patch_error() -> None:
    changes = _changes({"a": {"b": 1}}, lambda p: p["a"].__setitem__("b", 2))
    with pytest.raises(observable.ObservableError):
        observable.apply({}, changes)
