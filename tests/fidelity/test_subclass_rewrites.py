"""Dict, list, set and deque subclasses whose own methods rewrite what they store.

Their values are built the ways users build them (directly, by ``copy.deepcopy``, by a
pickle round trip) and edited at depth; plain Python on a deep copy is the oracle, and
the journal must replay, undo and export exactly what happened.
"""

from __future__ import annotations

import collections
import copy
import pickle
from typing import Any

import pytest

import observable
from tests.fidelity.harness import differential
from tests.strategies import LowerDict


def _built(how: str, value: Any) -> Any:
    """``value`` as built by ``how``: as it is, through ``copy.deepcopy``, or through pickle."""
    if how == "deepcopy":
        return copy.deepcopy(value)
    if how == "pickle":
        return pickle.loads(pickle.dumps(value))
    return value


def _spelled_anew(text: str) -> str:
    """An equal string that is a different object (as text read from input or a file is)."""
    made = "".join(list(text))
    assert made == text and (len(text) < 2 or made is not text)
    return made


# -- a removed key spelled by an equal string that is another object ------------------------

_REMOVALS = {
    "pop": lambda d, k: d.pop(k),
    "pop-default": lambda d, k: d.pop(k, None),
    "del": lambda d, k: d.__delitem__(k),
}


@pytest.mark.parametrize("remove", list(_REMOVALS), ids=list(_REMOVALS))
@pytest.mark.parametrize("where", ["last", "first"])
@pytest.mark.parametrize(
    "kind",
    [dict, collections.OrderedDict, collections.Counter, LowerDict],
    ids=lambda k: k.__name__,
)
def test_removing_a_key_stored_as_another_equal_string_records_a_plain_removal(
    kind: type, where: str, remove: str
) -> None:
    stored, other = _spelled_anew("key"), _spelled_anew("zz")
    pairs = [(stored, 1), (other, 2)] if where == "first" else [(other, 2), (stored, 1)]
    initial = {"m": kind(dict(pairs))}

    def program(root: Any) -> Any:
        yield _REMOVALS[remove](root["m"], "key")

    differential(initial, program)


@pytest.mark.parametrize("how", ["direct", "deepcopy", "pickle"])
def test_a_lower_dict_pop_records_one_removal_however_it_was_built(how: str) -> None:
    # copy.deepcopy and pickle rebuild a LowerDict through its own __setitem__, which stores
    # ``key.lower()``: an equal string, but not the one the program names.
    initial = [_built(how, LowerDict(a=1, bb=2, c=[3]))]

    def program(root: Any) -> Any:
        yield root[0].pop("a")
        yield root[0].pop("c")
        del root[0]["bb"]
        yield

    _, changes = differential(initial, program)
    assert [change.effect[0] for change in changes] == ["sequence", "item", "item"]


# -- a subclass's own hooks run exactly when plain Python runs them --------------------------
# ``dict.update`` never calls an overridden ``__setitem__``; ``OrderedDict.update`` does;
# ``list.remove`` never calls ``__delitem__``; ``set |=`` never calls ``update``. The
# observed value must make the same calls, and record what they did.


def _lower(key: Any) -> Any:
    return key.lower() if isinstance(key, str) else key


class LowerOrdered(collections.OrderedDict):  # type: ignore[type-arg]
    """An OrderedDict that lower-cases text keys on every item write."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(_lower(key), value)


class GuardedOrdered(collections.OrderedDict):  # type: ignore[type-arg]
    """An OrderedDict that refuses to delete keys starting with an underscore."""

    def __delitem__(self, key: Any) -> None:
        if isinstance(key, str) and key.startswith("_"):
            raise KeyError(f"{key} is protected")
        super().__delitem__(key)


class LowerDefault(collections.defaultdict):  # type: ignore[type-arg]
    """A defaultdict that lower-cases text keys on every item write (``__missing__`` too)."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(_lower(key), value)


class CappedCounter(collections.Counter):  # type: ignore[type-arg]
    """A Counter whose counts never exceed 3."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, min(value, 3))


class LoggedDeletes(list):  # type: ignore[type-arg]
    """A list that notes every ``del self[i]`` in an attribute."""

    def __delitem__(self, index: Any) -> None:
        self.deleted = [*getattr(self, "deleted", []), repr(index)]
        super().__delitem__(index)


class DoubledExtend(list):  # type: ignore[type-arg]
    """A list whose ``extend`` adds every item twice."""

    def extend(self, items: Any) -> None:
        for item in list(items):
            super().extend([item, item])


class NoteUpdates(set):  # type: ignore[type-arg]
    """A set whose ``update`` also adds a marker."""

    def update(self, *others: Any) -> None:
        super().update(*others, "updated")


class DoubledAppend(collections.deque):  # type: ignore[type-arg]
    """A deque whose ``append`` adds the item twice."""

    def append(self, item: Any) -> None:
        super().append(item)
        super().append(item)


_HOOKED: dict[str, tuple[Any, Any]] = {
    "dict-update": (lambda: LowerDict(a=1), lambda m: m.update({"A": 2, "B": [3]}, C=4)),
    "dict-ior": (lambda: LowerDict(a=1), lambda m: m.__ior__({"B": [3]})),
    "dict-setdefault": (lambda: LowerDict(a=1), lambda m: m.setdefault("B", []).append(1)),
    "ordered-update": (lambda: LowerOrdered(a=1), lambda m: m.update({"A": 2, "B": [3]}, C=4)),
    "ordered-ior": (lambda: LowerOrdered(a=1), lambda m: m.__ior__({"B": [3]})),
    "ordered-setdefault": (lambda: LowerOrdered(a=1), lambda m: m.setdefault("B", []).append(1)),
    "ordered-popitem": (lambda: GuardedOrdered(b=2, _a=1), lambda m: m.popitem()),
    "default-missing": (lambda: LowerDefault(list, a=[1]), lambda m: m["B"].append(2)),
    "counter-update": (lambda: CappedCounter(a=1), lambda m: m.update("aaaaab")),
    "counter-iadd": (lambda: CappedCounter(a=1), lambda m: m.__iadd__(collections.Counter(a=5))),
    "list-remove": (lambda: LoggedDeletes([1, [2], 3]), lambda s: s.remove(3)),
    "list-iadd": (lambda: DoubledExtend([1]), lambda s: s.__iadd__([2, [3]])),
    "set-ior": (lambda: NoteUpdates({1}), lambda s: s.__ior__({2})),
    "set-update": (lambda: NoteUpdates({1}), lambda s: s.update({2})),
    "deque-extend": (lambda: DoubledAppend([1]), lambda s: s.extend([2, [3]])),
}


@pytest.mark.parametrize("case", list(_HOOKED))
@pytest.mark.parametrize("how", ["direct", "deepcopy", "pickle"])
def test_a_subclass_runs_its_own_hooks_as_plain_python_does(how: str, case: str) -> None:
    make, operation = _HOOKED[case]
    initial = {"deep": [_built(how, make())]}

    def program(root: Any) -> Any:
        yield operation(root["deep"][0])

    differential(initial, program)


# -- what a subclass's own code did, recorded so that undo restores the key order ------------


class Shuffling(collections.OrderedDict):  # type: ignore[type-arg]
    """An OrderedDict whose methods move keys around as well as writing them."""

    def promote(self, key: Any) -> None:
        """Move ``key`` to the front."""
        self.move_to_end(key, last=False)

    def put_first(self, key: Any, value: Any) -> None:
        """Insert ``key`` at the front."""
        self[key] = value
        self.move_to_end(key, last=False)

    def drop_first(self) -> Any:
        """Remove the first key."""
        return self.pop(next(iter(self)))


_ORDERINGS: dict[str, Any] = {
    "counter-isub-drops-a-middle-key": (
        lambda: collections.Counter(a=1, b=2, c=3),
        lambda m: m.__isub__(collections.Counter(b=5)),
    ),
    "counter-iand-drops-keys": (
        lambda: collections.Counter(a=1, b=2, c=3),
        lambda m: m.__iand__(collections.Counter(c=1, b=0)),
    ),
    "ordered-moved-then-popped": (
        lambda: Shuffling(a=1, b=[2], c=3),
        lambda m: (m.move_to_end("a"), m.drop_first()),
    ),
    "ordered-promote": (lambda: Shuffling(a=1, b=[2], c=3), lambda m: m.promote("c")),
    "ordered-put-first": (lambda: Shuffling(a=1, b=[2]), lambda m: m.put_first("z", [0])),
    "ordered-moved-then-put-first": (
        lambda: Shuffling(a=1, b=[2], c=3),
        lambda m: (m.move_to_end("a"), m.put_first("z", [0])),
    ),
    "ordered-pop-guarded": (lambda: GuardedOrdered(_a=1, b=2), lambda m: m.pop("_a")),
    "ordered-popitem-first": (lambda: GuardedOrdered(b=[2], _a=1), lambda m: m.popitem(False)),
}


@pytest.mark.parametrize("case", list(_ORDERINGS))
def test_key_order_changed_by_a_subclass_or_counter_undoes_exactly(case: str) -> None:
    make, operation = _ORDERINGS[case]

    def program(root: Any) -> Any:
        yield operation(root["deep"][0])

    differential({"deep": [make()]}, program)


def test_clearing_an_ordered_dict_after_a_move_undoes_to_its_order() -> None:
    # ``move_to_end`` reorders an OrderedDict's own links, not the dict storage under them.
    def program(root: Any) -> Any:
        root["o"].move_to_end("a")
        yield
        root["o"].clear()
        yield

    proxy, changes = differential({"o": collections.OrderedDict(a=1, b=[2], c=3)}, program)
    undone = observable.apply(observable.snapshot(proxy), observable.invert(changes[-1:]))
    assert list(undone["o"].items()) == [("b", [2]), ("c", 3), ("a", 1)]


@pytest.mark.parametrize("how", ["direct", "deepcopy", "pickle"])
def test_a_pair_popped_from_a_hooked_subclass_stays_tracked_where_it_is_put(how: str) -> None:
    def program(root: Any) -> Any:
        key, value = root["m"].popitem()
        yield key
        root["elsewhere"].append(value)
        yield
        value.append("edited")
        yield
        moved = root["o"].popitem(last=False)[1]
        root["o"]["back"] = moved
        moved.append("again")
        yield

    initial = {
        "m": _built(how, LowerDict(a=1, b=[2])),
        "o": _built(how, LowerOrdered(x=[1], y=2)),
        "elsewhere": [],
    }
    differential(initial, program)


# -- reads that run a subclass's own code --------------------------------------------------


class CaseFreeDict(dict):  # type: ignore[type-arg]
    """A dict whose reads ignore the case of text keys."""

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(_lower(key))


class PlainReadList(list):  # type: ignore[type-arg]
    """A list whose reads go through its own ``__getitem__``."""

    def __getitem__(self, index: Any) -> Any:
        return super().__getitem__(index)


class CountingMissing(dict):  # type: ignore[type-arg]
    """A dict whose misses are counted in an attribute and answered with a new stored list."""

    def __missing__(self, key: Any) -> Any:
        self.misses = getattr(self, "misses", 0) + 1
        value: list[Any] = []
        self[key] = value
        return value


class ZeroMissing(dict):  # type: ignore[type-arg]
    """A dict that answers misses with 0, noting each in an attribute, and stores nothing."""

    def __missing__(self, key: Any) -> Any:
        self.misses = [*getattr(self, "misses", []), key]
        return 0


@pytest.mark.parametrize("how", ["direct", "deepcopy", "pickle"])
def test_children_read_through_an_overridden_getitem_are_tracked(how: str) -> None:
    def program(root: Any) -> Any:
        root["d"]["A"].append(2)
        yield
        root["l"][0].append(3)
        yield
        root["l"][-1]["k"] = "v"
        yield

    differential({"d": _built(how, CaseFreeDict(a=[1])), "l": PlainReadList([[1], {}])}, program)


@pytest.mark.parametrize("how", ["direct", "deepcopy", "pickle"])
def test_a_missing_hook_that_writes_is_journaled(how: str) -> None:
    def program(root: Any) -> Any:
        root["d"]["new"].append(1)
        yield
        yield root["z"]["absent"]
        yield root["z"].get("absent")
        root["d"]["new"].append(2)
        yield

    differential({"d": _built(how, CountingMissing()), "z": _built(how, ZeroMissing())}, program)


class LoggedRefusal(list):  # type: ignore[type-arg]
    """A list that notes a deletion in an attribute before it finds the index is wrong."""

    def __delitem__(self, index: Any) -> None:
        self.log = [*getattr(self, "log", []), index]
        super().__delitem__(index)


def test_a_raising_override_leaves_the_attributes_it_wrote_untouched() -> None:
    # Observable's rule: an operation that raises leaves the value as it was. Plain Python
    # keeps the note; the harness checks that the observed value kept nothing, recorded
    # nothing, and that the rest of the program runs on from there.
    def program(root: Any) -> Any:
        del root["l"][5]
        yield

    proxy, changes = differential({"l": LoggedRefusal([1])}, program)
    assert not hasattr(observable.unwrap(proxy)["l"], "log") and not changes


# -- copies the library makes (snapshots, recorded values) keep what is stored --------------


class ReversedIter(collections.deque):  # type: ignore[type-arg]
    """A deque that iterates backwards."""

    def __iter__(self) -> Any:
        return reversed(list(collections.deque.__iter__(self)))


@pytest.mark.parametrize("kind", [collections.OrderedDict, LowerOrdered, Shuffling])
def test_a_snapshot_of_a_moved_ordered_dict_keeps_its_order(kind: type) -> None:
    moved = kind(a=1, b=[2], c=3)
    moved.move_to_end("a")
    moved.move_to_end("c", last=False)
    expected = list(moved.items())
    assert list(observable.snapshot(moved).items()) == expected
    root = observable.observe({"o": kind(a=1, b=[2], c=3)})
    root["o"].move_to_end("a")
    root["o"].move_to_end("c", last=False)
    assert list(observable.snapshot(root)["o"].items()) == expected
    root["copy"] = observable.unwrap(root)["o"]  # recorded as a snapshot of the value
    replayed = observable.apply({"o": kind(a=1, b=[2], c=3)}, observable.journal_of(root).since(0))
    assert list(replayed["copy"].items()) == expected


def test_a_snapshot_of_a_deque_subclass_keeps_what_is_stored() -> None:
    value = ReversedIter([1, [2], 3])
    copied = observable.snapshot(value)
    assert list(collections.deque.__iter__(copied)) == [1, [2], 3]


class BackwardsList(list):  # type: ignore[type-arg]
    """A list that iterates backwards."""

    def __iter__(self) -> Any:
        return reversed(list(list.__iter__(self)))


class BackwardsDict(dict):  # type: ignore[type-arg]
    """A dict that iterates its keys backwards."""

    def __iter__(self) -> Any:
        return reversed(list(dict.__iter__(self)))


def test_subclasses_with_their_own_order_are_copied_as_stored() -> None:
    # A session of a shared default copies each container on first write: by what it
    # stores, not by what its own ``__iter__`` or a moved OrderedDict's storage says.
    moved = Shuffling(a=1, b=[2], c=3)
    moved.move_to_end("a")
    initial = {
        "o": moved,
        "l": BackwardsList([1, [2], 3]),
        "q": ReversedIter([1, [2], 3]),
        "d": BackwardsDict(x=1, y=[2]),
    }

    def program(root: Any) -> Any:
        root["o"]["b"].append(0)
        yield
        root["o"]["d"] = 4
        yield
        root["l"].append(4)
        yield
        root["l"][1].append(0)
        yield
        root["q"].append(4)
        yield
        root["d"]["z"] = 0
        yield

    differential(initial, program)


# -- a subclass value given as the argument: read as the base's method reads it ---------------


class ClampedReads(dict):  # type: ignore[type-arg]
    """A dict whose reads clamp numbers to 3 (its storage keeps them whole)."""

    def __getitem__(self, key: Any) -> Any:
        return min(super().__getitem__(key), 3)


class FirstKeyOnly(dict):  # type: ignore[type-arg]
    """A dict whose ``keys()`` names only its first key."""

    def keys(self) -> Any:
        return list(dict.__iter__(self))[:1]


class Decoy(set):  # type: ignore[type-arg]
    """A set whose iteration and membership tell of members it does not hold."""

    def __iter__(self) -> Any:
        return iter(["decoy"])

    def __contains__(self, item: object) -> bool:
        return item == "decoy"


_ARGUMENTS: dict[str, tuple[Any, Any]] = {
    "dict-update-clamped": (lambda: {"x": 0}, lambda m: m.update(ClampedReads(a=10, b=1))),
    "dict-ior-clamped": (lambda: {"x": 0}, lambda m: m.__ior__(ClampedReads(a=10))),
    "dict-update-keys": (lambda: {"x": 0}, lambda m: m.update(FirstKeyOnly(a=1, b=2))),
    "default-update-keys": (
        lambda: collections.defaultdict(list, x=[0]),
        lambda m: m.update(FirstKeyOnly(a=1, b=2)),
    ),
    "ordered-update-clamped": (
        lambda: collections.OrderedDict(x=0),
        lambda m: m.update(ClampedReads(a=10, b=1)),
    ),
    "ordered-update-keys": (
        lambda: collections.OrderedDict(x=0),
        lambda m: m.update(FirstKeyOnly(a=1, b=2)),
    ),
    "set-update": (lambda: {1, 2}, lambda s: s.update(Decoy({3}))),
    "set-ior": (lambda: {1, 2}, lambda s: s.__ior__(Decoy({3}))),
    "set-iand": (lambda: {1, 2}, lambda s: s.__iand__(Decoy({2}))),
    "set-isub": (lambda: {1, 2}, lambda s: s.__isub__(Decoy({2}))),
    "set-ixor": (lambda: {1, 2}, lambda s: s.__ixor__(Decoy({2, 3}))),
    "set-difference-update": (lambda: {1, 2}, lambda s: s.difference_update(Decoy({1}))),
    "set-intersection-update": (lambda: {1, 2}, lambda s: s.intersection_update(Decoy({1}))),
    "set-symmetric-update": (
        lambda: {1, 2},
        lambda s: s.symmetric_difference_update(Decoy({1, 5})),
    ),
}


@pytest.mark.parametrize("case", list(_ARGUMENTS))
def test_a_subclass_argument_is_read_as_plain_python_reads_it(case: str) -> None:
    make, operation = _ARGUMENTS[case]

    def program(root: Any) -> Any:
        yield operation(root["deep"][0])

    differential({"deep": [make()]}, program)


# -- in-place operators and sorts a subclass defines its own way ------------------------------


class FreshSum(list):  # type: ignore[type-arg]
    """A list whose ``+=`` returns a new list (so the name is rebound, as with tuples)."""

    def __iadd__(self, other: Any) -> Any:
        return FreshSum([*list.__iter__(self), *other])


class FreshUnion(dict):  # type: ignore[type-arg]
    """A dict whose ``|=`` returns a new dict."""

    def __ior__(self, other: Any) -> Any:
        return FreshUnion({**self, **other})


class NoMinus(set):  # type: ignore[type-arg]
    """A set that has no in-place ``-=`` (the binary ``-`` runs instead)."""

    def __isub__(self, other: Any) -> Any:
        return NotImplemented


class DescendingSort(list):  # type: ignore[type-arg]
    """A list that always sorts descending, and notes how often it sorted."""

    def sort(self, *, key: Any = None, reverse: bool = False) -> None:
        self.sorts = getattr(self, "sorts", 0) + 1
        super().sort(key=key, reverse=not reverse)


@pytest.mark.parametrize("how", ["direct", "deepcopy", "pickle"])
def test_in_place_operators_and_sorts_of_subclasses_behave_as_in_plain_python(how: str) -> None:
    def program(root: Any) -> Any:
        held = root["l"]
        root["l"] += [[3]]
        yield
        root["l"][-1].append(4)
        yield
        held.append("old object, no longer in the value")
        yield
        root["d"] |= {"b": [2]}
        yield
        root["d"]["b"].append(3)
        yield
        root["s"] -= {1}
        yield
        root["r"].sort()
        yield
        root["r"][0].append(0)
        yield

    initial = {
        "l": _built(how, FreshSum([1])),
        "d": _built(how, FreshUnion(a=1)),
        "s": _built(how, NoMinus({1, 2})),
        "r": _built(how, DescendingSort([[1], [3], [2]])),
    }
    differential(initial, program)


@pytest.mark.parametrize("remove", list(_REMOVALS), ids=list(_REMOVALS))
@pytest.mark.parametrize(("stored", "named"), [(1, 1.0), (1, True), (0.0, -0.0), (2.0, 2)])
def test_removing_a_number_key_named_by_an_equal_number_of_another_type(
    stored: Any, named: Any, remove: str
) -> None:
    def program(root: Any) -> Any:
        yield _REMOVALS[remove](root["m"], named)
        yield list(root["m"])

    differential({"m": {stored: [1], "z": 2}}, program)
    differential({"m": collections.OrderedDict({stored: [1], "z": 2})}, program)


# -- what a subclass's own code writes besides its items ------------------------------------


class SlotCounted(list):  # type: ignore[type-arg]
    """A list with a slot that its ``append`` counts in."""

    __slots__ = ("appends",)

    def append(self, item: Any) -> None:
        self.appends = getattr(self, "appends", 0) + 1
        super().append(item)


class DictCounted(dict):  # type: ignore[type-arg]
    """A dict whose ``__setitem__`` keeps a running total in its ``__dict__``."""

    def __setitem__(self, key: Any, value: Any) -> None:
        self.total = getattr(self, "total", 0) + (value if type(value) is int else 0)
        super().__setitem__(key, value)


def test_attributes_a_subclass_writes_in_its_own_methods_are_journaled() -> None:
    def program(root: Any) -> Any:
        root["l"].append(1)
        yield
        root["l"].append([2])
        yield
        root["d"]["a"] = 5
        yield
        root["d"].update(b=2)
        yield

    differential({"l": SlotCounted(), "d": DictCounted()}, program)


# -- user subclasses of UserDict and UserList: objects whose items live in ``.data`` ----------


class LowerUserDict(collections.UserDict):  # type: ignore[type-arg]
    """A UserDict that lower-cases text keys on every item write."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(_lower(key), value)


class ClampedUserList(collections.UserList):  # type: ignore[type-arg]
    """A UserList whose ``append`` clamps numbers to 3."""

    def append(self, item: Any) -> None:
        super().append(_clamp(item))


def _clamp(value: Any) -> Any:
    return min(value, 3) if type(value) is int else value


@pytest.mark.parametrize("how", ["direct", "deepcopy", "pickle"])
def test_edits_of_user_dict_and_user_list_subclasses_replay_and_undo(how: str) -> None:
    # Their own methods run on the proxy: the edits they make to ``self.data`` are recorded
    # at the path ``(..., "data")``, which leads through an attribute, not an item.
    def program(root: Any) -> Any:
        root["u"]["A"] = [1]
        yield
        root["u"]["B"] = 2
        yield
        root["l"].append(10)
        yield

    initial = {"u": _built(how, LowerUserDict(x=1)), "l": _built(how, ClampedUserList())}
    differential(initial, program)


def test_a_child_read_through_a_user_dict_subclass_is_tracked() -> None:
    def program(root: Any) -> Any:
        root["u"]["a"].append(2)
        yield

    differential({"u": LowerUserDict(a=[1])}, program)


# -- copies made by copy.copy run the subclass's hooks, as in plain Python --------------------


class ClampedDict(dict):  # type: ignore[type-arg]
    """A dict whose ``__setitem__`` clamps numbers to 3."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, _clamp(value))


class ClampedList(list):  # type: ignore[type-arg]
    """A list whose ``append`` clamps numbers to 3."""

    def append(self, item: Any) -> None:
        super().append(_clamp(item))


def test_a_shallow_copy_of_a_hooked_subclass_is_what_plain_python_makes() -> None:
    def program(root: Any) -> Any:
        yield copy.copy(root["d"])
        yield copy.copy(root["l"])
        copied = copy.copy(root["d"])
        copied["k"].append("shared child")  # a shallow copy shares its mutable values
        yield

    differential({"d": ClampedDict({"n": 10, "k": [1]}), "l": ClampedList([10, [1]])}, program)


class PlainDeque(collections.deque):  # type: ignore[type-arg]
    """A deque subclass with nothing of its own."""


@pytest.mark.parametrize(
    "make",
    [
        lambda: collections.OrderedDict(a=[1], b=2),
        lambda: collections.Counter(a=1, b=2),
        lambda: collections.defaultdict(list, a=[1]),
        lambda: PlainDeque([[1], 2]),
        lambda: collections.deque([[1], 2], 3),
        lambda: LowerDict(a=[1]),
        lambda: ClampedList([[1], 2]),
    ],
    ids=["ordered", "counter", "defaultdict", "deque-subclass", "bounded", "dict-sub", "list-sub"],
)
def test_copies_have_the_type_plain_python_gives_them(make: Any) -> None:
    def program(root: Any) -> Any:
        by_method = root["v"].copy()
        yield by_method
        yield copy.copy(root["v"])
        if isinstance(by_method, collections.defaultdict):
            yield by_method["absent"]  # the default factory came along
        if isinstance(by_method, dict) and "a" in by_method:
            by_method["a"].append("through the copy")  # the copy shares the child
        yield

    differential({"v": make()}, program)


# -- the ``|`` of mappings: the value's own operator, its own result type ---------------------


class LowerOrderedUnion(collections.OrderedDict):  # type: ignore[type-arg]
    """An OrderedDict that lower-cases text keys (its ``|`` copies through ``__setitem__``)."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(_lower(key), value)


class PlainCounter(collections.Counter):  # type: ignore[type-arg]
    """A Counter subclass with nothing of its own."""


@pytest.mark.parametrize(
    "make",
    [
        lambda: {"a": [1], "n": 3},
        lambda: collections.OrderedDict(a=[1], n=3),
        lambda: collections.defaultdict(list, a=[1], n=3),
        lambda: collections.Counter(a=3, n=1),
        lambda: LowerDict(a=[1], n=3),
        lambda: LowerOrderedUnion(a=[1], n=3),
        lambda: PlainCounter(a=3, n=1),
    ],
    ids=["dict", "ordered", "defaultdict", "counter", "dict-sub", "ordered-sub", "counter-sub"],
)
def test_the_union_operator_gives_what_plain_python_gives(make: Any) -> None:
    def program(root: Any) -> Any:
        yield root["v"] | {"B": [2], "n": 1}
        yield {"B": [2], "n": 1} | root["v"]
        yield root["v"] | root["w"]
        yield root["w"] | root["v"]
        union = root["v"] | root["w"]
        if "a" in union and isinstance(union["a"], list):
            union["a"].append("through the union")  # the union shares the child
        yield
        yield root["v"] | collections.Counter(a=1)

    differential({"v": make(), "w": make()}, program)


class PlainSet(set):  # type: ignore[type-arg]
    """A set subclass with nothing of its own."""


def test_copies_of_a_set_subclass_have_the_type_plain_python_gives_them() -> None:
    def program(root: Any) -> Any:
        yield root["s"].copy()  # set.copy makes a plain set, even of a subclass
        yield copy.copy(root["s"])  # copy.copy keeps the subclass
        yield root["s"] | {3}

    differential({"s": PlainSet({1, 2})}, program)
