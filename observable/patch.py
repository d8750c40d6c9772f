"""Replay, undo and export changes: ``apply``, ``invert`` and RFC 6902 JSON Patch.

JSON has no sets, objects, bytes or tuples, so the JSON view of a value
(:func:`to_json_document`) encodes them as follows:

- tuples and deques are arrays; ``bytes`` and ``bytearray`` are arrays of integers;
- a set or frozenset is an object whose member names are the canonical JSON text of
  each element (``json.dumps(element, sort_keys=True, separators=(",", ":"))``) and
  whose values are the elements: ``{1, "a"}`` is ``{"1": 1, "\\"a\\"": "a"}``. Adding
  a member is an ``add`` of that name, removing one a ``remove``;
- an object is an object of its attributes (``__dict__`` and ``__slots__``); setting
  an attribute is an ``add`` or ``replace``, deleting one a ``remove``;
- non-string dict keys become their JSON text, as in :func:`json.dumps`
  (``1`` is ``"1"``, ``True`` is ``"true"``, ``None`` is ``"null"``).

Key order is not part of JSON, so ``OrderedDict.move_to_end`` emits no operation.
A path through a member of a set (a :class:`~observable.Member`) has no JSON
Pointer and raises :class:`PatchError`.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .change import MISSING, Change, Effect, Member, Path
from .values import SCALAR_TYPES, instance_attributes, snapshot_value

__all__ = ["PatchError", "apply", "invert", "invert_effect", "to_json_document", "to_json_patch"]

_APPEND_OPS = frozenset({"append", "extend", "iadd"})


class PatchError(ValueError):
    """A change cannot be applied to this value, or has no JSON Patch form."""


def apply(target: Any, changes: Iterable[Change]) -> Any:
    """Replay ``changes`` onto ``target`` in order and return it.

    ``target`` should equal the value the changes were recorded against. It may be a
    plain value or an observed proxy; a proxy records the replayed changes anew,
    which makes ``apply(proxy, invert(changes))`` an undo that is itself journaled.
    Inserted values are copied, so the changes are never aliased into ``target``.
    """
    for change in changes:
        container = follow_path(target, change.path)
        try:
            apply_effect(container, change.effect)
        except PatchError:
            raise
        except (LookupError, TypeError, ValueError, AttributeError) as error:
            raise PatchError(f"cannot apply change {change.seq} ({change.op}): {error}") from error
    return target


def follow_path(target: Any, path: Path) -> Any:
    """Return the container that ``path`` leads to from ``target``."""
    container = target
    for key in path:
        if isinstance(key, Member):
            raise PatchError(f"path {path!r} goes through a set member, which has no address")
        if isinstance(container, Mapping | list | tuple | collections.deque):
            container = container[key]
        else:
            container = getattr(container, key)
    return container


def apply_effect(container: Any, effect: Effect) -> None:
    """Apply one effect to the container it was recorded on."""
    kind = effect[0]
    if kind == "splice":
        _, index, removed, inserted = effect
        inserted = [snapshot_value(value) for value in inserted]
        if isinstance(container, collections.deque):
            for _ in removed:
                del container[index]
            for offset, value in enumerate(inserted):
                container.insert(index + offset, value)
        else:
            container[index : index + len(removed)] = inserted
    elif kind == "permute":
        items = list(container)
        reordered = [items[source] for source in effect[1]]
        if isinstance(container, collections.deque):
            container.clear()
            container.extend(reordered)
        else:
            container[:] = reordered
    elif kind == "item":
        _, key, _, new = effect
        if new is MISSING:
            del container[key]
        else:
            container[key] = snapshot_value(new)
    elif kind == "attr":
        _, name, _, new = effect
        if new is MISSING:
            delattr(container, name)
        else:
            setattr(container, name, snapshot_value(new))
    elif kind == "members":
        _, added, removed = effect
        container.difference_update(removed)
        container.update(snapshot_value(value) for value in added)
    elif kind == "reorder":
        for key in effect[2]:
            if hasattr(container, "move_to_end"):
                container.move_to_end(key)
            else:
                container[key] = container.pop(key)
    elif kind == "sequence":
        for step in effect[1]:
            apply_effect(container, step)
    else:
        raise PatchError(f"unknown effect kind {kind!r}")


def invert_effect(effect: Effect) -> Effect:
    """Return the effect that undoes ``effect``."""
    kind = effect[0]
    if kind == "splice":
        return ("splice", effect[1], effect[3], effect[2])
    if kind == "permute":
        order = effect[1]
        inverse = [0] * len(order)
        for position, source in enumerate(order):
            inverse[source] = position
        return ("permute", tuple(inverse))
    if kind in ("item", "attr"):
        return (kind, effect[1], effect[3], effect[2])
    if kind == "members":
        return ("members", effect[2], effect[1])
    if kind == "reorder":
        return ("reorder", effect[2], effect[1])
    if kind == "sequence":
        return ("sequence", tuple(invert_effect(step) for step in reversed(effect[1])))
    raise PatchError(f"unknown effect kind {kind!r}")


def invert(changes: Iterable[Change]) -> list[Change]:
    """Return changes that undo ``changes``: each inverted, newest first.

    Each inverse keeps the original ``seq`` and ``path``; its ``op`` is ``"undo"`` and
    its ``args`` are ``(original op,)``.
    """
    return [
        Change(change.seq, change.path, "undo", (change.op,), invert_effect(change.effect), None)
        for change in reversed(list(changes))
    ]


def to_json_patch(changes: Iterable[Change]) -> list[dict[str, Any]]:
    """Return the RFC 6902 operations equivalent to ``changes`` on the JSON view of the value."""
    operations: list[dict[str, Any]] = []
    for change in changes:
        pointer = json_pointer(change.path)
        _effect_operations(pointer, change.effect, change.op in _APPEND_OPS, operations)
    return operations


def _effect_operations(
    pointer: str, effect: Effect, appends: bool, operations: list[dict[str, Any]]
) -> None:
    kind = effect[0]
    if kind == "splice":
        _, index, removed, inserted = effect
        if len(removed) == 1 and len(inserted) == 1:
            operations.append(
                {
                    "op": "replace",
                    "path": f"{pointer}/{index}",
                    "value": to_json_document(inserted[0]),
                }
            )
            return
        operations.extend({"op": "remove", "path": f"{pointer}/{index}"} for _ in removed)
        for offset, value in enumerate(inserted):
            where = "-" if appends and not removed else str(index + offset)
            operations.append(
                {"op": "add", "path": f"{pointer}/{where}", "value": to_json_document(value)}
            )
    elif kind == "permute":
        current = list(range(len(effect[1])))
        for position, source in enumerate(effect[1]):
            found = current.index(source, position)
            if found != position:
                operations.append(
                    {"op": "move", "from": f"{pointer}/{found}", "path": f"{pointer}/{position}"}
                )
                current.insert(position, current.pop(found))
    elif kind in ("item", "attr"):
        _, key, old, new = effect
        location = f"{pointer}/{_escape(json_key(key))}"
        if new is MISSING:
            operations.append({"op": "remove", "path": location})
        else:
            operation = "add" if old is MISSING else "replace"
            operations.append({"op": operation, "path": location, "value": to_json_document(new)})
    elif kind == "members":
        _, added, removed = effect
        for value in removed:
            operations.append({"op": "remove", "path": f"{pointer}/{_escape(member_name(value))}"})
        for value in added:
            operations.append(
                {
                    "op": "add",
                    "path": f"{pointer}/{_escape(member_name(value))}",
                    "value": to_json_document(value),
                }
            )
    elif kind == "sequence":
        for step in effect[1]:
            _effect_operations(pointer, step, appends, operations)
    elif kind != "reorder":
        raise PatchError(f"unknown effect kind {kind!r}")


def json_pointer(path: Path) -> str:
    """Return the RFC 6901 JSON Pointer for ``path`` ("" for the root)."""
    parts = []
    for key in path:
        if isinstance(key, Member):
            raise PatchError(f"path {path!r} goes through a set member, which has no JSON Pointer")
        parts.append("/" + _escape(json_key(key)))
    return "".join(parts)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def json_key(key: Any) -> str:
    """Return the JSON object member name for a dict key, list index or attribute name."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | float):
        return json.dumps(key)
    raise PatchError(f"a {type(key).__name__} key has no JSON form: {key!r}")


def member_name(value: Any) -> str:
    """Return the JSON member name of a set element: its canonical JSON text."""
    return json.dumps(to_json_document(value), sort_keys=True, separators=(",", ":"))


def to_json_document(value: Any) -> Any:
    """Return the JSON view of ``value`` (see the module docs for the encoding)."""
    from .proxies.base import unwrap

    value = unwrap(value)
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, Mapping):
        return {json_key(key): to_json_document(item) for key, item in value.items()}
    if isinstance(value, list | tuple | collections.deque):
        return [to_json_document(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, set | frozenset):
        return {member_name(item): to_json_document(item) for item in value}
    if type(value) in SCALAR_TYPES:
        raise PatchError(f"{type(value).__name__} values have no JSON form: {value!r}")
    return {name: to_json_document(item) for name, item in _attributes(value).items()}


def _attributes(value: Any) -> dict[str, Any]:
    attributes = instance_attributes(value)
    if not attributes and not hasattr(value, "__dict__"):
        raise PatchError(f"{type(value).__name__} values have no JSON form")
    return attributes
