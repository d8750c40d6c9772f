"""Proxies for dicts: ``dict``, ``OrderedDict``, ``defaultdict`` and ``Counter``."""

from __future__ import annotations

import collections
import copy
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from time import time as now
from typing import Any, ClassVar

from ..change import MISSING
from ..effects import EffectRecord, Item, Reorder, combine
from ..origin import get_origin
from ..values import SCALAR_TYPES, is_noop_write, snapshot_value
from .base import (
    PROXY_TYPES,
    MethodTable,
    Mutator,
    ObservedProxy,
    Outcome,
    adopt,
    child_of,
    mutate,
    node_of,
    place,
    reach,
    unwrap,
    unwrap_deep,
)
from .nodes import MappingNode, Node, resolve_path

__all__ = [
    "DICT_MUTATORS",
    "ObservedCounter",
    "ObservedDefaultDict",
    "ObservedDict",
    "ObservedOrderedDict",
    "mapping_diff",
]

_node = node_of
_dict_get = dict.get


def item_effect(key: Any, old: Any, new: Any) -> Item:
    """Return an item effect with snapshots of ``old`` and ``new``."""
    return Item("item", key, snapshot_value(old), snapshot_value(new))


def removal(target: Any, key: Any, old: Any) -> EffectRecord:
    """Describe removing ``key`` (still present in ``target``), so that undo restores its place.

    A key removed from the middle is first moved to the end, then removed: inverted, it
    is re-added at the end and moved back.
    """
    keys = tuple(target)
    if keys and keys[-1] == key and keys[-1] is key:
        return item_effect(key, old, MISSING)
    moved = (*(k for k in keys if k is not key), key)
    effect = combine([Reorder("reorder", keys, moved), item_effect(key, old, MISSING)])
    assert effect is not None
    return effect


def mapping_diff(target: Any, before: list[tuple[Any, Any]]) -> EffectRecord | None:
    """Return effects turning the ``before`` items into ``target``'s (values by identity)."""
    old = dict(before)
    steps: list[EffectRecord] = []
    for key, value in before:
        if key not in target:
            steps.append(item_effect(key, value, MISSING))
    survivors = [key for key, _ in before if key in target]
    after_keys = [key for key in target if key in old]
    if survivors != after_keys:
        steps.append(Reorder("reorder", tuple(survivors), tuple(after_keys)))
    for key, value in dict.items(target):
        previous = old.get(key, MISSING)
        if previous is MISSING:
            steps.append(item_effect(key, MISSING, value))
        elif not is_noop_write(previous, value):
            steps.append(item_effect(key, previous, value))
    return combine(steps)


def update_pairs(other: Any, keywords: dict[str, Any]) -> list[tuple[Any, Any]]:
    """Return the (key, value) pairs of a ``dict.update`` argument, checked before any write."""
    other = unwrap(other)
    if hasattr(other, "keys"):
        pairs = [(key, other[key]) for key in other.keys()]  # noqa: SIM118 (dict.update calls keys())
    else:
        pairs = []
        for position, element in enumerate(other):
            try:
                key, value = element
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"dictionary update sequence element #{position} is not a (key, value) pair"
                ) from None
            pairs.append((key, value))
    pairs.extend(keywords.items())
    for key, _ in pairs:
        hash(key)
    return [(key, unwrap_deep(value)) for key, value in pairs]


def _assign(target: Any, pairs: list[tuple[Any, Any]], args: tuple[Any, ...]) -> Outcome:
    snapshots = [(key, snapshot_value(value)) for key, value in pairs]
    steps = []
    for (key, value), (_, snapshot) in zip(pairs, snapshots, strict=True):
        old = _dict_get(target, key, MISSING)
        target[key] = value
        stored_key = _stored_key(target, key)
        if not is_noop_write(old, value):
            steps.append(Item("item", stored_key, snapshot_value(old), snapshot))
    return None, args, combine(steps)


def _stored_key(target: Any, key: Any) -> Any:
    # ``d[1.0] = x`` on a dict holding key ``1`` keeps the key ``1``: record the stored key.
    if type(key) is str:
        return key
    for stored in target:
        if stored is key:
            return key
    for stored in target:
        if stored == key:
            return stored
    return key


def perform_setitem(target: Any, key: Any, value: Any) -> Outcome:
    """``d[k] = v``."""
    new = unwrap_deep(value)
    snapshot = snapshot_value(new)
    old = _dict_get(target, key, MISSING)
    target[key] = new
    if is_noop_write(old, new):
        return None, (), None
    stored = key if old is MISSING else _stored_key(target, key)
    return None, (stored, snapshot), Item("item", stored, snapshot_value(old), snapshot)


def perform_delitem(target: Any, key: Any) -> Outcome:
    """``del d[k]``."""
    old = _dict_get(target, key, MISSING)
    if old is MISSING:
        raise KeyError(key)
    stored = _stored_key(target, key)
    effect = removal(target, stored, old)
    del target[key]
    return None, (stored,), effect


def perform_pop(target: Any, key: Any, *default: Any) -> Outcome:
    """``pop``: remove ``key`` and return its value, or ``default`` when it is absent."""
    if len(default) > 1:
        raise TypeError(f"pop expected at most 2 arguments, got {1 + len(default)}")
    old = _dict_get(target, key, MISSING)
    if old is MISSING:
        if default:
            return default[0], (key,), None
        raise KeyError(key)
    stored = _stored_key(target, key)
    effect = removal(target, stored, old)
    value = target.pop(key)
    return value, (stored,), effect


def perform_popitem(target: Any) -> Outcome:
    """``popitem``: remove and return the last inserted pair."""
    if not target:
        raise KeyError("popitem(): dictionary is empty")
    key = next(reversed(target))
    old = target[key]
    effect = removal(target, key, old)
    pair = target.popitem()
    return pair, (), effect


def perform_clear(target: Any) -> Outcome:
    """``clear``: every key, newest first so that undo restores the order."""
    steps = [item_effect(key, value, MISSING) for key, value in reversed(list(dict.items(target)))]
    target.clear()
    return None, (), combine(steps)


def perform_update(target: Any, other: Any = (), /, **keywords: Any) -> Outcome:
    """``update``: one change lists every key whose value differed."""
    pairs = update_pairs(other, keywords)
    return _assign(target, pairs, (dict((k, snapshot_value(v)) for k, v in pairs),))


def perform_ior(target: Any, other: Any) -> Outcome:
    """``|=``: as ``update`` with one mapping or iterable of pairs."""
    pairs = update_pairs(other, {})
    return _assign(target, pairs, (dict((k, snapshot_value(v)) for k, v in pairs),))


def perform_setdefault(target: Any, key: Any, default: Any = None) -> Outcome:
    """``setdefault``: insert ``default`` when ``key`` is absent; return the value."""
    existing = _dict_get(target, key, MISSING)
    if existing is not MISSING:
        return existing, (key,), None
    value = unwrap_deep(default)
    snapshot = snapshot_value(value)
    target[key] = value
    return value, (key, snapshot), Item("item", key, MISSING, snapshot)


DICT_MUTATORS: MethodTable = {
    "__setitem__": Mutator(None),
    "__delitem__": Mutator(perform_delitem),
    "pop": Mutator(perform_pop, returns_child=True, doc="Remove ``key`` and return its value."),
    "popitem": Mutator(
        perform_popitem, returns_pair=True, doc="Remove and return the last inserted pair."
    ),
    "clear": Mutator(perform_clear, doc="Remove every key."),
    "update": Mutator(perform_update, doc="Update from a mapping or pairs, as one change."),
    "__ior__": Mutator(perform_ior),
    "setdefault": Mutator(
        perform_setdefault, returns_child=True, doc="Return the value, inserting a default."
    ),
}
"""The mutators of ``dict`` (``__setitem__`` is hand-inlined: hot)."""


class ObservedValuesView(ValuesView[Any]):
    """The values of an observed dict, observed; reversible as ``dict.values()`` is."""

    def __reversed__(self) -> Iterator[Any]:
        mapping: Any = self._mapping  # type: ignore[attr-defined]
        for key in reversed(mapping):
            yield mapping[key]


class ObservedItemsView(ItemsView[Any, Any]):
    """The (key, observed value) pairs of an observed dict; reversible as ``dict.items()`` is."""

    def __reversed__(self) -> Iterator[tuple[Any, Any]]:
        mapping: Any = self._mapping  # type: ignore[attr-defined]
        for key in reversed(mapping):
            yield key, mapping[key]


class ObservedDict(ObservedProxy):
    """Proxy of a ``dict``: every mutator is recorded as item effects.

    Copies (``copy()``, ``copy.copy``, ``d | {}``) are plain dicts whose mutable values
    are the tracked children themselves.
    """

    __slots__ = ()
    node_class: ClassVar[type[Node]] = MappingNode
    target_type: ClassVar[type] = dict
    mutators = DICT_MUTATORS

    def __getitem__(self, key: Any) -> Any:
        node = self._self_node
        value = node.target[key]
        if type(value) in SCALAR_TYPES:
            return value
        recent = node.recent  # the child reached last, most often this one again
        if recent is not None:
            proxy, last = recent
            if last.target is value and last.key == key and last.parent is node:
                return proxy
        kind = type(value)
        if kind in PROXY_TYPES:
            return child_of(node, key, value)
        return reach(node, key, value, kind)

    def get(self, key: Any, default: Any = None) -> Any:
        """Return the value for ``key`` (observed), or ``default``."""
        node = _node(self)
        value = _dict_get(node.target, key, MISSING)
        if value is MISSING:
            return default
        return child_of(node, key, value)

    def values(self) -> ValuesView[Any]:
        """Return a view of the (observed) values."""
        return ObservedValuesView(self)

    def items(self) -> ItemsView[Any, Any]:
        """Return a view of the (key, observed value) pairs."""
        return ObservedItemsView(self)

    def keys(self) -> KeysView[Any]:
        """Return the keys view of the wrapped dict."""
        return _node(self).target.keys()  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Any]:
        return iter(_node(self).target)

    def __reversed__(self) -> Iterator[Any]:
        return reversed(_node(self).target)  # type: ignore[no-any-return]

    def _observed(self) -> dict[Any, Any]:
        node = _node(self)
        return {key: child_of(node, key, value) for key, value in dict.items(node.target)}

    def copy(self) -> dict[Any, Any]:
        """Return a plain shallow copy whose mutable values are the tracked children."""
        return self._observed()

    def __copy__(self) -> Any:
        result = copy.copy(_node(self).target)
        dict.update(result, self._observed())
        return result

    def __or__(self, other: Any) -> Any:
        if not isinstance(other, dict):
            return NotImplemented
        if type(other) in PROXY_TYPES:
            other = ObservedDict._observed(other)  # type: ignore[arg-type]
        result = self.__copy__()
        dict.update(result, other)
        return result

    def __ror__(self, other: Any) -> Any:
        if not isinstance(other, dict):
            return NotImplemented
        result = copy.copy(unwrap(other))
        dict.update(result, self._observed())
        return result

    def __setitem__(self, key: Any, value: Any) -> None:
        node = self._self_node
        journal = node.journal
        if journal.gate is not None or type(node) is not MappingNode:
            mutate(self, "setitem", perform_setitem, (key, value), {})
            return
        lock = journal.lock
        lock.acquire()
        try:
            target = node.target
            kind = type(value)
            if kind in SCALAR_TYPES:
                new = snapshot = value
            else:
                new = _node(value).target if kind in PROXY_TYPES else unwrap_deep(value)
                snapshot = snapshot_value(new)
            path = node.path if node.stamp == journal.epoch else resolve_path(node)
            old = _dict_get(target, key, MISSING)
            target[key] = new
            if type(old) not in SCALAR_TYPES and old is not MISSING and old is not new:
                journal.epoch += 1  # a child was replaced: paths below it are found afresh
            if old is not MISSING and is_noop_write(old, new):
                if new is not old and kind not in SCALAR_TYPES:
                    adopt(node, (new,))
                return
            if path is None:
                return
            stored = key if old is MISSING or type(key) is str else _stored_key(target, key)
            if type(old) not in SCALAR_TYPES and old is not MISSING:
                old = snapshot_value(old)
            seq = journal._version + 1
            entry = (seq, path, "setitem", stored, snapshot, old, get_origin(), now())
            journal._entries.append(entry)
            journal._version = seq
            if kind not in SCALAR_TYPES:
                place(node, Item("item", stored, old, snapshot))
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(entry)

    @classmethod
    def capture(cls, target: Any) -> list[tuple[Any, Any]]:
        """Return the items, to compare with after running the value's own code."""
        return list(dict.items(target))

    @classmethod
    def restore(cls, target: Any, before: list[tuple[Any, Any]]) -> None:
        """Put back the items captured before the value's own code raised."""
        base = collections.OrderedDict if isinstance(target, collections.OrderedDict) else dict
        base.clear(target)
        for key, value in before:
            base.__setitem__(target, key, value)

    diff = staticmethod(mapping_diff)


def perform_move_to_end(target: Any, key: Any, last: bool = True) -> Outcome:
    """``move_to_end``: a key reorder unless nothing moved."""
    before = tuple(target)
    target.move_to_end(key, last)
    after = tuple(target)
    if before == after:
        return None, (key, last), None
    return None, (key, last), Reorder("reorder", before, after)


def perform_ordered_popitem(target: Any, last: bool = True) -> Outcome:
    """``popitem(last=...)``: remove and return the pair at one end."""
    if not target:
        raise KeyError("dictionary is empty")
    key = next(reversed(target)) if last else next(iter(target))
    effect = removal(target, key, target[key])
    pair = target.popitem(last)
    return pair, (last,), effect


ORDERED_DICT_MUTATORS: MethodTable = {
    **DICT_MUTATORS,
    "move_to_end": Mutator(perform_move_to_end, doc="Move ``key`` to an end."),
    "popitem": Mutator(
        perform_ordered_popitem, returns_pair=True, doc="Remove and return the pair at one end."
    ),
}
"""The mutators of ``OrderedDict``."""


class ObservedOrderedDict(ObservedDict):
    """Proxy of an ``OrderedDict``: ``move_to_end`` and ``popitem(last=...)`` are recorded."""

    __slots__ = ()
    target_type: ClassVar[type] = collections.OrderedDict
    mutators = ORDERED_DICT_MUTATORS


def perform_missing(target: Any, key: Any) -> Outcome:
    """``d[k]`` on a ``defaultdict`` without ``k``: the inserted default is a change."""
    if key in target:
        return target[key], (key,), None
    value = target[key]
    return value, (key,), Item("item", key, MISSING, snapshot_value(value))


class ObservedDefaultDict(ObservedDict):
    """Proxy of a ``defaultdict``: the insertion that ``__missing__`` makes is recorded."""

    __slots__ = ()
    target_type: ClassVar[type] = collections.defaultdict
    mutators: ClassVar[MethodTable] = {**DICT_MUTATORS, "__getitem__": Mutator(None)}

    def __getitem__(self, key: Any) -> Any:
        node = _node(self)
        target = node.target
        if key in target or target.default_factory is None:
            return super().__getitem__(key)
        from .base import mutate

        return child_of(node, key, mutate(self, "missing", perform_missing, (key,), {}))


def _counter_change(op: str, method: str) -> Any:
    def perform(target: Any, *args: Any, **keywords: Any) -> Outcome:
        sources = tuple(_materialize(arg) for arg in args)
        before = list(dict.items(target))
        try:
            result = getattr(collections.Counter, method)(target, *sources, **keywords)
        except BaseException:
            ObservedDict.restore(target, before)
            raise
        recorded = tuple(snapshot_value(source) for source in sources)
        if keywords:
            recorded += (dict(keywords),)
        if result is not None and result is not target:
            return result, recorded, None
        return None, recorded, mapping_diff(target, before)

    perform.__name__ = f"perform_{op}"
    return perform


def _materialize(source: Any) -> Any:
    source = unwrap(source)
    if source is None or hasattr(source, "keys"):
        return source
    return list(source)


def perform_counter_delitem(target: Any, key: Any) -> Outcome:
    """``del c[k]``: a missing key is no error for a Counter."""
    if key not in target:
        return None, (key,), None
    return perform_delitem(target, key)


COUNTER_MUTATORS: MethodTable = {
    **DICT_MUTATORS,
    "__delitem__": Mutator(perform_counter_delitem),
    "update": Mutator(_counter_change("update", "update"), doc="Add counts, Counter-style."),
    "subtract": Mutator(_counter_change("subtract", "subtract"), doc="Subtract counts."),
    "__iadd__": Mutator(_counter_change("iadd", "__iadd__")),
    "__isub__": Mutator(_counter_change("isub", "__isub__")),
    "__ior__": Mutator(_counter_change("ior", "__ior__")),
    "__iand__": Mutator(_counter_change("iand", "__iand__")),
}
"""The mutators of ``Counter``."""


class ObservedCounter(ObservedDict):
    """Proxy of a ``Counter``: ``update``, ``subtract`` and the in-place operators are recorded."""

    __slots__ = ()
    target_type: ClassVar[type] = collections.Counter
    mutators = COUNTER_MUTATORS
