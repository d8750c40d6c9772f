"""Proxies for dicts: ``dict``, ``OrderedDict``, ``defaultdict`` and ``Counter``."""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, ValuesView
from typing import Any

from ..change import MISSING, Effect
from ..values import SCALAR_TYPES, is_noop_write, snapshot_value
from .base import PROXY_TYPES, ObservedProxy, child_of, handle_refusal, mutate, node_of, unwrap
from .nodes import MappingNode, resolve_path

__all__ = ["ObservedCounter", "ObservedDefaultDict", "ObservedDict", "ObservedOrderedDict"]

_node = node_of
_dict_get = dict.get


def item_effect(key: Any, old: Any, new: Any) -> Effect:
    """Return an item effect with snapshots of ``old`` and ``new``."""
    return ("item", key, snapshot_value(old), snapshot_value(new))


def combine(steps: list[Effect]) -> Effect | None:
    """Return one effect for ``steps``: ``None``, the only step, or a sequence."""
    if not steps:
        return None
    return steps[0] if len(steps) == 1 else ("sequence", tuple(steps))


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
    return [(key, unwrap(value)) for key, value in pairs]


class ObservedDict(ObservedProxy):
    """Proxy of a ``dict``: every mutator is recorded as item effects."""

    __slots__ = ()
    node_class = MappingNode

    def __getitem__(self, key: Any) -> Any:
        node = _node(self)
        value = node.target[key]
        if type(value) in SCALAR_TYPES:
            return value
        return child_of(node, key, value)

    def get(self, key: Any, default: Any = None) -> Any:
        """Return the value for ``key`` (observed), or ``default``."""
        node = _node(self)
        value = _dict_get(node.target, key, MISSING)
        if value is MISSING:
            return default
        return child_of(node, key, value)

    def values(self) -> ValuesView[Any]:
        """Return a view of the (observed) values."""
        return ValuesView(self)

    def items(self) -> ItemsView[Any, Any]:
        """Return a view of the (key, observed value) pairs."""
        return ItemsView(self)

    def keys(self) -> KeysView[Any]:
        """Return the keys view of the wrapped dict."""
        return _node(self).target.keys()  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Any]:
        return iter(_node(self).target)

    def __setitem__(self, key: Any, value: Any) -> None:
        node = _node(self)
        journal = node.journal
        lock = journal.lock
        lock.acquire()
        try:
            target = node.target
            if type(value) in PROXY_TYPES:
                value = _node(value).target
            path = () if node.parent is None else resolve_path(node)
            old = _dict_get(target, key, MISSING)
            target[key] = value
            if path is None or is_noop_write(old, value):
                return
            new = value if type(value) in SCALAR_TYPES else snapshot_value(value)
            effect = ("item", key, old if type(old) in SCALAR_TYPES else snapshot_value(old), new)
            try:
                change = journal.record(path, "setitem", (key, new), effect)
            except BaseException as error:
                handle_refusal(journal, target, effect, error)
                return self.__setitem__(key, value)
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(change)

    def __delitem__(self, key: Any) -> None:
        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            old = _dict_get(target, key, MISSING)
            del target[key]
            if old is MISSING:
                return None, (key,), None
            return None, (key,), item_effect(key, old, MISSING)

        mutate(self, "delitem", perform)

    def pop(self, key: Any, *default: Any) -> Any:
        """Remove ``key`` and return its value, or ``default`` when it is absent."""

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect | None]:
            old = _dict_get(target, key, MISSING)
            value = target.pop(key, *default)
            if old is MISSING:
                return value, (key,), None
            return value, (key,), item_effect(key, old, MISSING)

        return mutate(self, "pop", perform)

    def popitem(self) -> tuple[Any, Any]:
        """Remove and return the last inserted (key, value) pair."""

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect]:
            key, value = target.popitem()
            return (key, value), (), item_effect(key, value, MISSING)

        return mutate(self, "popitem", perform)  # type: ignore[no-any-return]

    def clear(self) -> None:
        """Remove every key, recording each old value."""

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            steps = [item_effect(key, value, MISSING) for key, value in target.items()]
            target.clear()
            return None, (), combine(steps)

        mutate(self, "clear", perform)

    def _assign(self, op: str, pairs: list[tuple[Any, Any]], args: tuple[Any, ...]) -> None:
        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            steps = []
            for key, value in pairs:
                old = _dict_get(target, key, MISSING)
                target[key] = value
                if not is_noop_write(old, value):
                    steps.append(item_effect(key, old, value))
            return None, args, combine(steps)

        mutate(self, op, perform)

    def update(self, other: Any = (), /, **keywords: Any) -> None:
        """Update from a mapping or (key, value) pairs; one change lists what differed."""
        pairs = update_pairs(other, keywords)
        self._assign("update", pairs, (dict(_snapshot_pairs(pairs)),))

    def __ior__(self, other: Any) -> Any:
        pairs = update_pairs(other, {})
        self._assign("ior", pairs, (dict(_snapshot_pairs(pairs)),))
        return self

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """Return the value for ``key`` (observed), inserting ``default`` when it is absent."""
        value = unwrap(default)

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect | None]:
            if key in target:
                return target[key], (key, value), None
            target[key] = value
            return value, (key, snapshot_value(value)), item_effect(key, MISSING, value)

        result = mutate(self, "setdefault", perform)
        return child_of(_node(self), key, result)


def _snapshot_pairs(pairs: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
    for key, value in pairs:
        yield key, snapshot_value(value)


class ObservedOrderedDict(ObservedDict):
    """Proxy of an ``OrderedDict``: ``move_to_end`` and ``popitem(last=...)`` are recorded."""

    __slots__ = ()

    def move_to_end(self, key: Any, last: bool = True) -> None:
        """Move ``key`` to an end; recorded as a key reorder unless nothing moved."""

        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            before = tuple(target)
            target.move_to_end(key, last)
            after = tuple(target)
            if before == after:
                return None, (key, last), None
            return None, (key, last), ("reorder", before, after)

        mutate(self, "move_to_end", perform)

    def popitem(self, last: bool = True) -> tuple[Any, Any]:
        """Remove and return the (key, value) pair at one end."""

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect]:
            key, value = target.popitem(last)
            return (key, value), (last,), item_effect(key, value, MISSING)

        return mutate(self, "popitem", perform)  # type: ignore[no-any-return]


class ObservedDefaultDict(ObservedDict):
    """Proxy of a ``defaultdict``: the insertion that ``__missing__`` makes is recorded."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        node = _node(self)
        target = node.target
        if key in target or target.default_factory is None:
            return super().__getitem__(key)

        def perform(target: Any) -> tuple[Any, tuple[Any, ...], Effect | None]:
            if key in target:
                return target[key], (key,), None
            value = target[key]
            return value, (key,), item_effect(key, MISSING, value)

        return child_of(node, key, mutate(self, "missing", perform))


class ObservedCounter(ObservedDict):
    """Proxy of a ``Counter``: ``update``, ``subtract`` and the in-place operators are recorded."""

    __slots__ = ()

    def _count_change(self, op: str, args: tuple[Any, ...], operation: Any) -> None:
        def perform(target: Any) -> tuple[None, tuple[Any, ...], Effect | None]:
            before = dict(target)
            try:
                operation(target)
            except BaseException:
                target.clear()
                target.update(before)
                raise
            steps = [
                item_effect(key, old, _dict_get(target, key, MISSING))
                for key, old in before.items()
                if not is_noop_write(old, _dict_get(target, key, MISSING))
            ]
            steps += [
                item_effect(key, MISSING, value)
                for key, value in target.items()
                if key not in before
            ]
            return None, args, combine(steps)

        mutate(self, op, perform)

    def update(self, other: Any = None, /, **keywords: Any) -> None:
        """Add counts from an iterable or mapping (Counter semantics), recording what changed."""
        source = _materialize(other)
        self._count_change("update", (source, keywords), lambda t: t.update(source, **keywords))

    def subtract(self, other: Any = None, /, **keywords: Any) -> None:
        """Subtract counts from an iterable or mapping, recording what changed."""
        source = _materialize(other)
        self._count_change("subtract", (source, keywords), lambda t: t.subtract(source, **keywords))

    def __iadd__(self, other: Any) -> Any:
        return self._in_place("iadd", other, "__iadd__")

    def __isub__(self, other: Any) -> Any:
        return self._in_place("isub", other, "__isub__")

    def __ior__(self, other: Any) -> Any:
        return self._in_place("ior", other, "__ior__")

    def __iand__(self, other: Any) -> Any:
        return self._in_place("iand", other, "__iand__")

    def _in_place(self, op: str, other: Any, method: str) -> Any:
        source = unwrap(other)
        outcome: list[Any] = []

        def operation(target: Any) -> None:
            outcome.append(getattr(target, method)(source))

        self._count_change(op, (snapshot_value(source),), operation)
        return NotImplemented if outcome and outcome[0] is NotImplemented else self


def _materialize(source: Any) -> Any:
    source = unwrap(source)
    if source is None or hasattr(source, "keys"):
        return source
    return list(source)
