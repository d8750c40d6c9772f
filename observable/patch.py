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
from collections.abc import Iterable, Mapping
from typing import Any

from .change import Change, Effect, Member, Path
from .effects import EffectRecord, as_effect, escape, json_key, member_name, to_json_document
from .errors import PatchError

__all__ = [
    "PatchError",
    "apply",
    "apply_effect",
    "follow_path",
    "invert",
    "invert_effect",
    "json_key",
    "json_pointer",
    "member_name",
    "to_json_document",
    "to_json_patch",
]

_APPEND_OPS = frozenset({"append", "extend", "iadd"})


def apply(target: Any, changes: Iterable[Change]) -> Any:
    """Replay ``changes`` onto ``target`` in order and return it.

    ``target`` should equal the value the changes were recorded against. It may be a
    plain value or an observed proxy; a proxy records the replayed changes anew,
    which makes ``apply(proxy, invert(changes))`` an undo that is itself journaled.
    Inserted values are copied, so the changes are never aliased into ``target``.
    Raises :class:`PatchError` when a change does not fit the value.
    """
    from .proxies.base import PROXY_TYPES

    for change in changes:
        if not isinstance(change, Change):
            raise PatchError(f"apply() takes Change records, not {type(change).__name__}")
        try:
            container = follow_path(target, change.path)
            if type(container) in PROXY_TYPES:
                _apply_through_proxy(container, as_effect(change.effect))
            else:
                apply_effect(container, change.effect)
        except PatchError as error:
            raise PatchError(f"cannot apply change {change.seq} ({change.op}): {error}") from None
        except (LookupError, TypeError, ValueError, AttributeError, RecursionError) as error:
            raise PatchError(f"cannot apply change {change.seq} ({change.op}): {error}") from error
    return target


def _apply_through_proxy(proxy: Any, effect: EffectRecord) -> None:
    # A proxy journals the replay: run the effect as one recorded mutation.
    from .proxies.base import mutate

    def perform(target: Any) -> tuple[None, tuple[Any, ...], EffectRecord]:
        effect.apply_to(target)
        return None, (), effect

    mutate(proxy, "apply", perform, (), {})


def follow_path(target: Any, path: Path) -> Any:
    """Return the container that ``path`` leads to from ``target``."""
    from .change import MISSING
    from .effects import read_storage
    from .proxies.base import unwrap

    container = target
    for key in path:
        if isinstance(key, Member):
            raise PatchError(f"path {path!r} goes through a set member, which has no address")
        if isinstance(container, dict | list | tuple | collections.deque) or (
            isinstance(container, Mapping) and not _observed_as_object(container)
        ):
            try:
                container = container[key]
            except (LookupError, TypeError) as error:
                raise PatchError(f"path {path!r}: no item {key!r}") from error
        else:
            if not isinstance(key, str):
                raise PatchError(f"path {path!r}: {key!r} is not an attribute name")
            if read_storage(unwrap(container), key) is MISSING:
                raise PatchError(f"path {path!r}: no attribute {key!r}")
            container = getattr(container, key)
    return container


def _observed_as_object(container: Any) -> bool:
    # A user's Mapping class (a UserDict subclass) is observed as an object: the paths
    # recorded through it name its attributes (``data``), not its items.
    from .proxies.base import unwrap
    from .proxies.nodes import AttributeNode
    from .registry import proxy_class_for

    proxy_class = proxy_class_for(type(unwrap(container)))
    return proxy_class is not None and issubclass(proxy_class.node_class, AttributeNode)


def apply_effect(container: Any, effect: Effect) -> None:
    """Apply one effect to the container it was recorded on."""
    from .proxies.base import unwrap

    as_effect(effect).apply_to(unwrap(container))


def invert_effect(effect: Effect) -> EffectRecord:
    """Return the effect that undoes ``effect``."""
    return as_effect(effect).inverted()


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
        effect = as_effect(change.effect)
        operations.extend(
            effect.json_operations(json_pointer(change.path), change.op in _APPEND_OPS)
        )
    return operations


def json_pointer(path: Path) -> str:
    """Return the RFC 6901 JSON Pointer for ``path`` ("" for the root)."""
    parts = []
    for key in path:
        if isinstance(key, Member):
            raise PatchError(f"path {path!r} goes through a set member, which has no JSON Pointer")
        parts.append("/" + escape(json_key(key)))
    return "".join(parts)
