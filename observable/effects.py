"""Typed effect records: what one change did, and everything that can be done with it.

Each kind of effect is one small record. It applies itself to a plain container, inverts
itself, emits RFC 6902 operations, names the store keys it touches at the root, and
lists the objects it put in place. Nothing else in the library switches on effect kinds.

Records are tuples whose first item is the kind's name, so their plain form is
``(kind, *fields)`` and :func:`as_effect` turns such a tuple back into a record.
Applying an effect writes the container's storage directly: it never runs the setters,
``__setitem__`` overrides or validators of user classes, which already ran when the
change was first made.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal, NamedTuple, TypeAlias

from .change import MISSING, Member
from .errors import PatchError
from .values import SCALAR_TYPES, snapshot_value

__all__ = [
    "EFFECT_TYPES",
    "Attr",
    "EffectRecord",
    "Item",
    "Members",
    "Permute",
    "Reorder",
    "Sequence",
    "Splice",
    "as_effect",
    "combine",
    "decode_effect",
    "encode_effect",
    "json_key",
    "member_name",
    "read_storage",
    "to_json_document",
    "write_storage",
]

JsonOperation: TypeAlias = dict[str, Any]


# -- storage access that bypasses user code ---------------------------------------------
def _mapping_base(container: Any) -> Any:
    # OrderedDict keeps its own order list: writing it through dict's slots would corrupt it.
    return collections.OrderedDict if isinstance(container, collections.OrderedDict) else dict


def _slot(kind: type, name: str) -> Any:
    for klass in kind.__mro__:
        descriptor = klass.__dict__.get(name)
        if descriptor is not None:
            return descriptor if type(descriptor).__name__ == "member_descriptor" else None
    return None


def read_storage(target: Any, name: str) -> Any:
    """Return what the instance itself stores under ``name`` (``__dict__`` or slot), or MISSING."""
    own = getattr(target, "__dict__", None)
    if own is not None and name in own:
        return own[name]
    slot = _slot(type(target), name)
    if slot is not None:
        try:
            return slot.__get__(target, type(target))
        except AttributeError:
            return MISSING
    return MISSING


def write_storage(target: Any, name: str, value: Any) -> None:
    """Store ``value`` (MISSING: delete) in the instance's ``__dict__`` or slot; run no setter."""
    slot = _slot(type(target), name)
    if slot is not None:
        if value is MISSING:
            slot.__delete__(target)
        else:
            slot.__set__(target, value)
        return
    own = getattr(target, "__dict__", None)
    if own is None:
        raise PatchError(f"{type(target).__name__} object has no storage for {name!r}")
    # dict's own methods: an instance __dict__ replaced by a dict subclass is written as
    # Python's attribute write does, without the subclass's __setitem__ or __delitem__.
    if value is MISSING:
        dict.__delitem__(own, name)
    else:
        dict.__setitem__(own, name, value)


def _sequence_items(container: Any) -> list[Any]:
    return list(container)


def _replace_items(container: Any, start: int, stop: int, items: list[Any]) -> None:
    if isinstance(container, collections.deque):
        for _ in range(stop - start):
            collections.deque.__delitem__(container, start)
        for offset, value in enumerate(items):
            collections.deque.insert(container, start + offset, value)
    elif isinstance(container, bytearray):
        bytearray.__setitem__(container, slice(start, stop), bytes(items))
    elif isinstance(container, list):
        list.__setitem__(container, slice(start, stop), items)
    else:
        raise PatchError(f"cannot splice a {type(container).__name__}")


def _keyed_operations(pointer: str, key: Any, old: Any, new: Any) -> list[JsonOperation]:
    location = f"{pointer}/{escape(json_key(key))}"
    if new is MISSING:
        return [{"op": "remove", "path": location}]
    operation = "add" if old is MISSING else "replace"
    return [{"op": operation, "path": location, "value": to_json_document(new)}]


# -- the records ---------------------------------------------------------------------------
class Splice(NamedTuple):
    """A sequence lost ``removed`` at ``at`` and gained ``inserted`` there."""

    kind: Literal["splice"]
    at: int
    removed: tuple[Any, ...]
    inserted: tuple[Any, ...]

    @staticmethod
    def shapes() -> tuple[str, ...]:
        """How each field is stored: value, values, int, ints or effects."""
        return ("int", "values", "values")

    def apply_to(self, container: Any) -> None:
        """Apply to a list, deque or bytearray."""
        length = len(container)
        stop = self.at + len(self.removed)
        if not 0 <= self.at <= length or stop > length:
            raise PatchError(f"splice at {self.at}..{stop} is outside a sequence of {length}")
        _replace_items(container, self.at, stop, [snapshot_value(v) for v in self.inserted])

    def inverted(self) -> Splice:
        """Return the splice that undoes this one."""
        return Splice("splice", self.at, self.inserted, self.removed)

    def json_operations(self, pointer: str, appends: bool) -> list[JsonOperation]:
        """Return RFC 6902 operations at ``pointer``; ``appends`` uses the ``-`` index."""
        if len(self.removed) == 1 and len(self.inserted) == 1:
            value = to_json_document(self.inserted[0])
            return [{"op": "replace", "path": f"{pointer}/{self.at}", "value": value}]
        operations: list[JsonOperation] = [
            {"op": "remove", "path": f"{pointer}/{self.at}"} for _ in self.removed
        ]
        for offset, value in enumerate(self.inserted):
            where = "-" if appends and not self.removed else str(self.at + offset)
            operations.append(
                {"op": "add", "path": f"{pointer}/{where}", "value": to_json_document(value)}
            )
        return operations

    def root_keys(self) -> tuple[Any, ...]:
        """Return the root keys this effect touches when made at the root (none)."""
        return ()

    def placed(self, container: Any) -> Iterator[tuple[Any, Any]]:
        """Yield (key, object) for each object this effect put into ``container``."""
        length = len(container)
        for offset, value in enumerate(self.inserted):
            position = self.at + offset
            # A scalar's snapshot is the scalar itself: nothing that could have a proxy.
            if type(value) not in SCALAR_TYPES and position < length:
                yield position, container[position]


class Permute(NamedTuple):
    """A sequence was reordered: item ``i`` of the result was item ``order[i]`` before."""

    kind: Literal["permute"]
    order: tuple[int, ...]

    @staticmethod
    def shapes() -> tuple[str, ...]:
        """How each field is stored: value, values, int, ints or effects."""
        return ("ints",)

    def apply_to(self, container: Any) -> None:
        """Apply to a list or deque."""
        items = _sequence_items(container)
        if sorted(self.order) != list(range(len(items))):
            raise PatchError(f"permutation of {len(self.order)} does not fit {len(items)} items")
        _replace_items(container, 0, len(items), [items[source] for source in self.order])

    def inverted(self) -> Permute:
        """Return the permutation that undoes this one."""
        inverse = [0] * len(self.order)
        for position, source in enumerate(self.order):
            inverse[source] = position
        return Permute("permute", tuple(inverse))

    def json_operations(self, pointer: str, appends: bool) -> list[JsonOperation]:
        """Return ``move`` operations that reorder the array at ``pointer``."""
        operations: list[JsonOperation] = []
        current = list(range(len(self.order)))
        for position, source in enumerate(self.order):
            found = current.index(source, position)
            if found != position:
                operations.append(
                    {"op": "move", "from": f"{pointer}/{found}", "path": f"{pointer}/{position}"}
                )
                current.insert(position, current.pop(found))
        return operations

    def root_keys(self) -> tuple[Any, ...]:
        """Return the root keys this effect touches (none)."""
        return ()

    def placed(self, container: Any) -> Iterator[tuple[Any, Any]]:
        """Yield nothing: a permutation moves objects within the container."""
        return iter(())


class Item(NamedTuple):
    """A mapping key changed from ``old`` to ``new``; either may be MISSING."""

    kind: Literal["item"]
    key: Any
    old: Any
    new: Any

    @staticmethod
    def shapes() -> tuple[str, ...]:
        """How each field is stored: value, values, int, ints or effects."""
        return ("value", "value", "value")

    def apply_to(self, container: Any) -> None:
        """Apply to a dict (or a dict subclass, bypassing its overrides)."""
        if not isinstance(container, dict):
            raise PatchError(f"cannot set an item of a {type(container).__name__}")
        base = _mapping_base(container)
        if self.new is MISSING:
            if self.key not in container:
                raise PatchError(f"key {self.key!r} is absent")
            base.__delitem__(container, self.key)
        else:
            base.__setitem__(container, self.key, snapshot_value(self.new))

    def inverted(self) -> Item:
        """Return the item change that undoes this one."""
        return Item("item", self.key, self.new, self.old)

    def json_operations(self, pointer: str, appends: bool) -> list[JsonOperation]:
        """Return one ``add``, ``replace`` or ``remove`` operation."""
        return _keyed_operations(pointer, self.key, self.old, self.new)

    def root_keys(self) -> tuple[Any, ...]:
        """Return the key this effect touches."""
        return (self.key,)

    def placed(self, container: Any) -> Iterator[tuple[Any, Any]]:
        """Yield (key, object) when this effect put an object under its key."""
        if self.new is not MISSING:
            value = dict.get(container, self.key, MISSING)
            if value is not MISSING:
                yield self.key, value


class Attr(NamedTuple):
    """An object's stored attribute changed from ``old`` to ``new``; either may be MISSING."""

    kind: Literal["attr"]
    name: str
    old: Any
    new: Any

    @staticmethod
    def shapes() -> tuple[str, ...]:
        """How each field is stored: value, values, int, ints or effects."""
        return ("value", "value", "value")

    def apply_to(self, container: Any) -> None:
        """Write the instance's storage (``__dict__`` or slot) without running setters."""
        if self.new is MISSING and read_storage(container, self.name) is MISSING:
            raise PatchError(f"attribute {self.name!r} is absent")
        new = self.new if self.new is MISSING else snapshot_value(self.new)
        write_storage(container, self.name, new)

    def inverted(self) -> Attr:
        """Return the attribute change that undoes this one."""
        return Attr("attr", self.name, self.new, self.old)

    def json_operations(self, pointer: str, appends: bool) -> list[JsonOperation]:
        """Return one ``add``, ``replace`` or ``remove`` operation."""
        return _keyed_operations(pointer, self.name, self.old, self.new)

    def root_keys(self) -> tuple[Any, ...]:
        """Return the root keys this effect touches (none: the root is a mapping)."""
        return ()

    def placed(self, container: Any) -> Iterator[tuple[Any, Any]]:
        """Yield (name, object) when this effect stored an object."""
        if self.new is not MISSING:
            value = read_storage(container, self.name)
            if value is not MISSING:
                yield self.name, value


class Members(NamedTuple):
    """A set gained ``added`` and lost ``removed``."""

    kind: Literal["members"]
    added: tuple[Any, ...]
    removed: tuple[Any, ...]

    @staticmethod
    def shapes() -> tuple[str, ...]:
        """How each field is stored: value, values, int, ints or effects."""
        return ("values", "values")

    def apply_to(self, container: Any) -> None:
        """Apply to a set (bypassing subclass overrides)."""
        if not isinstance(container, set):
            raise PatchError(f"cannot change the members of a {type(container).__name__}")
        absent = [value for value in self.removed if value not in container]
        if absent:
            raise PatchError(f"members {absent!r} are absent")
        set.difference_update(container, self.removed)
        set.update(container, [snapshot_value(value) for value in self.added])

    def inverted(self) -> Members:
        """Return the member change that undoes this one."""
        return Members("members", self.removed, self.added)

    def json_operations(self, pointer: str, appends: bool) -> list[JsonOperation]:
        """Return ``remove`` and ``add`` operations named by each member's JSON text."""
        operations: list[JsonOperation] = [
            {"op": "remove", "path": f"{pointer}/{escape(member_name(value))}"}
            for value in self.removed
        ]
        operations.extend(
            {
                "op": "add",
                "path": f"{pointer}/{escape(member_name(value))}",
                "value": to_json_document(value),
            }
            for value in self.added
        )
        return operations

    def root_keys(self) -> tuple[Any, ...]:
        """Return the root keys this effect touches (none)."""
        return ()

    def placed(self, container: Any) -> Iterator[tuple[Any, Any]]:
        """Yield nothing: set members are found by membership, not by key."""
        return iter(())


class Reorder(NamedTuple):
    """A mapping's key order changed from ``old_keys`` to ``new_keys``."""

    kind: Literal["reorder"]
    old_keys: tuple[Any, ...]
    new_keys: tuple[Any, ...]

    @staticmethod
    def shapes() -> tuple[str, ...]:
        """How each field is stored: value, values, int, ints or effects."""
        return ("values", "values")

    def apply_to(self, container: Any) -> None:
        """Reorder a dict's keys to ``new_keys`` (the same keys in another order)."""
        if not isinstance(container, dict) or set(container) != set(self.new_keys):
            raise PatchError("the keys to reorder do not match the mapping")
        if isinstance(container, collections.OrderedDict):
            for key in self.new_keys:
                collections.OrderedDict.move_to_end(container, key)
            return
        for key in self.new_keys:
            value = dict.pop(container, key)
            dict.__setitem__(container, key, value)

    def inverted(self) -> Reorder:
        """Return the reordering that undoes this one."""
        return Reorder("reorder", self.new_keys, self.old_keys)

    def json_operations(self, pointer: str, appends: bool) -> list[JsonOperation]:
        """Return no operations: key order is not part of JSON."""
        return []

    def root_keys(self) -> tuple[Any, ...]:
        """Return the root keys this effect touches (none: no value changed)."""
        return ()

    def placed(self, container: Any) -> Iterator[tuple[Any, Any]]:
        """Yield nothing: a reorder moves no object between containers."""
        return iter(())


class Sequence(NamedTuple):
    """Several effects, applied in order."""

    kind: Literal["sequence"]
    steps: tuple[EffectRecord, ...]

    @staticmethod
    def shapes() -> tuple[str, ...]:
        """How each field is stored: value, values, int, ints or effects."""
        return ("effects",)

    def apply_to(self, container: Any) -> None:
        """Apply every step in order."""
        for step in self.steps:
            step.apply_to(container)

    def inverted(self) -> Sequence:
        """Return the inverted steps, newest first."""
        return Sequence("sequence", tuple(step.inverted() for step in reversed(self.steps)))

    def json_operations(self, pointer: str, appends: bool) -> list[JsonOperation]:
        """Return every step's operations in order."""
        return [op for step in self.steps for op in step.json_operations(pointer, appends)]

    def root_keys(self) -> tuple[Any, ...]:
        """Return the keys every step touches."""
        return tuple(key for step in self.steps for key in step.root_keys())

    def placed(self, container: Any) -> Iterator[tuple[Any, Any]]:
        """Yield what every step put in place."""
        for step in self.steps:
            yield from step.placed(container)


EffectRecord: TypeAlias = Splice | Permute | Item | Attr | Members | Reorder | Sequence
"""Any effect record."""

EFFECT_TYPES: dict[str, type[Any]] = {
    "splice": Splice,
    "permute": Permute,
    "item": Item,
    "attr": Attr,
    "members": Members,
    "reorder": Reorder,
    "sequence": Sequence,
}
"""Each effect kind's name and its record class."""


def as_effect(effect: tuple[Any, ...]) -> EffectRecord:
    """Return ``effect`` as a record, converting a plain ``(kind, *fields)`` tuple."""
    if type(effect) in _RECORD_TYPES:
        return effect  # type: ignore[return-value]
    if not isinstance(effect, tuple) or not effect:
        raise PatchError(f"an effect is a (kind, *fields) tuple, not {effect!r}")
    record_type = EFFECT_TYPES.get(effect[0]) if isinstance(effect[0], str) else None
    if record_type is None:
        raise PatchError(f"unknown effect kind {effect[0]!r}")
    if len(effect) != len(record_type._fields):
        raise PatchError(f"a {effect[0]} effect has {len(record_type._fields) - 1} fields")
    if record_type is Sequence:
        return Sequence("sequence", tuple(as_effect(step) for step in effect[1]))
    record: EffectRecord = record_type(*effect)
    return record


_RECORD_TYPES: frozenset[type] = frozenset(EFFECT_TYPES.values())


_MAX_NESTING = 32


def encode_effect(effect: tuple[Any, ...], encode: Any) -> list[Any]:
    """Return ``effect`` as a JSON-ready list ``[kind, *fields]``, values passed to ``encode``."""
    record = as_effect(effect)
    encoded: list[Any] = [record.kind]
    for shape, field in zip(record.shapes(), record[1:], strict=True):
        if shape == "value":
            encoded.append(encode(field))
        elif shape == "values":
            encoded.append([encode(value) for value in field])
        elif shape == "effects":
            encoded.append([encode_effect(step, encode) for step in field])
        else:
            encoded.append(field if shape == "int" else list(field))
    return encoded


def decode_effect(data: Any, depth: int = 0) -> EffectRecord:
    """Return the record that :func:`encode_effect` wrote (its values already decoded).

    Checks the shape of every field; raises :class:`PatchError` for anything else.
    """
    if not isinstance(data, list) or not data or not isinstance(data[0], str):
        raise PatchError(f"a stored effect is a list starting with its kind, not {data!r:.60}")
    record_type = EFFECT_TYPES.get(data[0])
    if record_type is None or len(data) != len(record_type.shapes()) + 1:
        raise PatchError(f"malformed or unknown effect {data[0]!r:.40}")
    if depth >= _MAX_NESTING:
        raise PatchError("stored effects are nested too deeply")
    fields: list[Any] = []
    for shape, field in zip(record_type.shapes(), data[1:], strict=True):
        if shape == "value":
            fields.append(field)
            continue
        if shape == "int":
            if type(field) is not int:
                raise PatchError(f"a {data[0]} effect needs an integer, not {field!r:.40}")
            fields.append(field)
            continue
        if not isinstance(field, list):
            raise PatchError(f"a {data[0]} effect needs a list, not {field!r:.40}")
        if shape == "ints" and not all(type(item) is int for item in field):
            raise PatchError(f"a {data[0]} effect needs integers")
        if shape == "effects":
            fields.append(tuple(decode_effect(step, depth + 1) for step in field))
        else:
            fields.append(tuple(field))
    record: EffectRecord = record_type(data[0], *fields)
    return record


def combine(steps: Iterable[EffectRecord]) -> EffectRecord | None:
    """Return one effect for ``steps``: ``None``, the only step, or a Sequence."""
    steps = tuple(steps)
    if not steps:
        return None
    return steps[0] if len(steps) == 1 else Sequence("sequence", steps)


_JSON_HINT = (
    " (to write an observed value with the json module: "
    "json.dumps(value, default=observable.unwrap))"
)


# -- the JSON view -------------------------------------------------------------------------
def escape(token: str) -> str:
    """Escape one JSON Pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def json_key(key: Any) -> str:
    """Return the JSON object member name for a dict key, list index or attribute name."""
    if isinstance(key, str):
        return key
    if isinstance(key, Member):
        raise PatchError(f"set member {key.text} has no JSON Pointer")
    if key is None or isinstance(key, bool | int | float):
        return json.dumps(key)
    raise PatchError(f"a {type(key).__name__} key has no JSON form: {key!r}")


def member_name(value: Any) -> str:
    """Return the JSON member name of a set element: its canonical JSON text."""
    return json.dumps(to_json_document(value), sort_keys=True, separators=(",", ":"))


def to_json_document(value: Any) -> Any:
    """Return the JSON view of ``value`` (see :mod:`observable.patch` for the encoding).

    Raises :class:`PatchError` for values with no JSON form, cycles included.
    """
    return _json_view(value, set())


def _json_view(value: Any, active: set[int]) -> Any:
    from .proxies.base import unwrap

    value = unwrap(value)
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) in SCALAR_TYPES:
        raise PatchError(f"{type(value).__name__} values have no JSON form: {value!r}{_JSON_HINT}")
    if id(value) in active:
        raise PatchError(f"a {type(value).__name__} contains itself and has no JSON form")
    active.add(id(value))
    try:
        if isinstance(value, dict):
            return {json_key(key): _json_view(item, active) for key, item in value.items()}
        if isinstance(value, list | tuple | collections.deque):
            return [_json_view(item, active) for item in value]
        if isinstance(value, bytes | bytearray):
            return list(value)
        if isinstance(value, set | frozenset):
            return {member_name(item): _json_view(item, active) for item in value}
        from .values import instance_attributes

        attributes = instance_attributes(value)
        if not attributes and not hasattr(value, "__dict__"):
            raise PatchError(f"{type(value).__name__} values have no JSON form{_JSON_HINT}")
        return {name: _json_view(item, active) for name, item in attributes.items()}
    finally:
        active.discard(id(value))
