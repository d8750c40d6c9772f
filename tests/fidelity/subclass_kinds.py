"""Hostile container subclasses, assembled from small behaviours, and edits to run on them.

:func:`subclass_of` builds (once) a subclass of a dict, list, set or deque type whose own
methods rewrite what they store: normalise keys, clamp values, refuse some writes by
raising halfway, log into an attribute, reimplement ``update``/``setdefault``/``pop``/
``popitem``/``__ior__``/``__delitem__``/``__missing__`` through other methods. Classes are
module attributes, so that pickle finds them. :func:`edit` interprets one drawn edit the
same way on a plain value and on its proxy.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

__all__ = ["BASES", "BEHAVIOURS", "EDITS", "edit", "subclass_of"]

Method = Callable[..., Any]


def _norm(key: Any) -> Any:
    return key.lower() if isinstance(key, str) else key


def _clamp(value: Any) -> Any:
    return max(-3, min(3, value)) if type(value) is int else value


def _refused(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("_")


def _log(self: Any, note: str) -> None:
    self.log = [*getattr(self, "log", []), note]


# -- mapping behaviours ---------------------------------------------------------------------
def _map_delitem_guarded(self: Any, key: Any) -> None:
    _log(self, f"del {key!r}")
    if _refused(key):
        raise KeyError(f"{key!r} is protected")
    _base(self).__delitem__(self, key)


def _map_pop_quiet(self: Any, key: Any, *default: Any) -> Any:
    return _base(self).pop(self, key, *(default or (None,)))


def _map_setdefault_via_setitem(self: Any, key: Any, default: Any = None) -> Any:
    if key not in self:
        self[key] = default
    return self[key]


def _map_update_loop(self: Any, other: Any = (), /, **more: Any) -> None:
    pairs = list(other.items()) if hasattr(other, "items") else list(other)
    for key, value in [*pairs, *more.items()]:
        self[key] = value


def _map_ior_loop(self: Any, other: Any) -> Any:
    for key, value in dict(other).items():
        self[key] = value
    return self


def _map_popitem_first(self: Any, *_: Any) -> Any:
    if not self:
        raise KeyError("empty")
    key = next(iter(self))
    return key, _base(self).pop(self, key)


def _map_missing_zero(self: Any, key: Any) -> Any:
    _log(self, f"missing {key!r}")
    return 0


def _map_missing_insert_lower(self: Any, key: Any) -> Any:
    value: list[Any] = []
    self[_norm(key)] = value
    return value


# -- sequence behaviours --------------------------------------------------------------------
def _seq_append_clamp(self: Any, item: Any) -> None:
    _base(self).append(self, _clamp(item))


def _seq_append_refuse_negative(self: Any, item: Any) -> None:
    if type(item) is int and item < 0:
        raise ValueError("no negative numbers")
    _base(self).append(self, item)


def _seq_setitem_clamp(self: Any, index: Any, value: Any) -> None:
    if isinstance(index, slice):
        _base(self).__setitem__(self, index, value)
    else:
        _base(self).__setitem__(self, index, _clamp(value))


def _seq_insert_refuse_front(self: Any, index: int, item: Any) -> None:
    if index == 0:
        raise ValueError("the front is reserved")
    _base(self).insert(self, index, item)


def _seq_extend_loop(self: Any, items: Any) -> None:
    for item in list(items):
        self.append(item)


def _seq_iadd_loop(self: Any, items: Any) -> Any:
    self.extend(items)
    return self


def _seq_remove_all(self: Any, item: Any) -> None:
    _base(self).remove(self, item)
    while item in self:
        _base(self).remove(self, item)


def _seq_delitem_log(self: Any, index: Any) -> None:
    _log(self, f"del {index!r}")
    _base(self).__delitem__(self, index)


def _seq_pop_safe(self: Any, *index: Any) -> Any:
    return _base(self).pop(self, *index) if self else None


# -- set behaviours -------------------------------------------------------------------------
def _set_add_norm(self: Any, item: Any) -> None:
    if _refused(item):
        raise ValueError(f"{item!r} may not be added")
    set.add(self, _norm(item))


def _set_discard_log(self: Any, item: Any) -> None:
    _log(self, f"discard {item!r}")
    set.discard(self, item)


def _set_update_loop(self: Any, *others: Any) -> None:
    for other in others:
        for item in list(other):
            self.add(item)


def _set_ior_loop(self: Any, other: Any) -> Any:
    self.update(other)
    return self


def _set_remove_quiet(self: Any, item: Any) -> None:
    self.discard(item)


def _base(self: Any) -> Any:
    for klass in type(self).__mro__:
        if klass in BASES:
            return klass
    raise TypeError(type(self))


BASES: tuple[type, ...] = (
    dict,
    collections.OrderedDict,
    collections.defaultdict,
    collections.Counter,
    list,
    collections.deque,
    set,
)

_MAPPING: dict[str, dict[str, Method]] = {
    "lower": {},
    "clamp": {},
    "refuse": {},
    "guard-del": {"__delitem__": _map_delitem_guarded},
    "quiet-pop": {"pop": _map_pop_quiet},
    "setdefault-loop": {"setdefault": _map_setdefault_via_setitem},
    "update-loop": {"update": _map_update_loop},
    "ior-loop": {"__ior__": _map_ior_loop},
    "popitem-first": {"popitem": _map_popitem_first},
    "missing-zero": {"__missing__": _map_missing_zero},
}
_SEQUENCE: dict[str, dict[str, Method]] = {
    "clamp-append": {"append": _seq_append_clamp},
    "clamp-set": {"__setitem__": _seq_setitem_clamp},
    "refuse-negative": {"append": _seq_append_refuse_negative},
    "refuse-front": {"insert": _seq_insert_refuse_front},
    "extend-loop": {"extend": _seq_extend_loop},
    "iadd-loop": {"__iadd__": _seq_iadd_loop},
    "remove-all": {"remove": _seq_remove_all},
    "del-log": {"__delitem__": _seq_delitem_log},
    "safe-pop": {"pop": _seq_pop_safe},
}
_SET: dict[str, dict[str, Method]] = {
    "norm-add": {"add": _set_add_norm},
    "discard-log": {"discard": _set_discard_log},
    "update-loop": {"update": _set_update_loop},
    "ior-loop": {"__ior__": _set_ior_loop},
    "quiet-remove": {"remove": _set_remove_quiet},
}

BEHAVIOURS: dict[type, tuple[str, ...]] = {
    dict: tuple(_MAPPING),
    collections.OrderedDict: tuple(_MAPPING),
    collections.defaultdict: (*(b for b in _MAPPING if b != "missing-zero"), "missing-lower"),
    collections.Counter: tuple(b for b in _MAPPING if b != "missing-zero"),
    list: tuple(_SEQUENCE),
    collections.deque: tuple(b for b in _SEQUENCE if b != "clamp-set"),
    set: tuple(_SET),
}
"""The behaviours each base can be given."""


def subclass_of(base: type, behaviours: frozenset[str]) -> type:
    """Return the subclass of ``base`` with ``behaviours`` (made once; pickle finds it)."""
    name = "_".join(["Hostile", base.__name__, *sorted(b.replace("-", "_") for b in behaviours)])
    known = globals().get(name)
    if known is not None:
        return known  # type: ignore[no-any-return]
    namespace: dict[str, Any] = {"__module__": __name__, "__qualname__": name}
    table: dict[str, dict[str, Method]] = (
        _SET if base is set else _SEQUENCE if base in (list, collections.deque) else _MAPPING
    )
    for behaviour in sorted(behaviours):  # later ones win where two define one method
        if behaviour == "missing-lower":
            namespace["__missing__"] = _map_missing_insert_lower
        else:
            namespace.update(table[behaviour])
    made: Any = type(name, (base,), namespace)
    if behaviours & {"lower", "clamp", "refuse"}:
        made.__setitem__ = _keyed_setitem(made, behaviours)
    globals()[name] = made
    return made  # type: ignore[no-any-return]


def _keyed_setitem(klass: Any, behaviours: frozenset[str]) -> Method:
    """``__setitem__`` that lower-cases keys, clamps values or refuses ``_`` keys, as asked."""
    lower, clamp, refuse = ("lower" in behaviours, "clamp" in behaviours, "refuse" in behaviours)

    def __setitem__(self: Any, key: Any, value: Any) -> None:
        if refuse and _refused(key):
            raise ValueError(f"{key!r} is read-only")
        super(klass, self).__setitem__(
            _norm(key) if lower else key, _clamp(value) if clamp else value
        )

    return __setitem__


# -- edits ----------------------------------------------------------------------------------
Edit = tuple[str, Any, Any]

_MAPPING_EDITS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "setitem": lambda m, k, v: m.__setitem__(k, v),
    "delitem": lambda m, k, v: m.__delitem__(k),
    "pop": lambda m, k, v: m.pop(k),
    "pop-default": lambda m, k, v: m.pop(k, v),
    "popitem": lambda m, k, v: m.popitem(),
    "setdefault": lambda m, k, v: m.setdefault(k, v),
    "update": lambda m, k, v: m.update({k: v, "b": 1}),
    "update-keywords": lambda m, k, v: m.update(A=v, _p=0),
    "ior": lambda m, k, v: m.__ior__({k: v}),
    "clear": lambda m, k, v: m.clear(),
    "get": lambda m, k, v: m.get(k),
    "read": lambda m, k, v: m[k],
    "child-append": lambda m, k, v: m[k].append(v),
}
_ORDERED_EDITS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "move-to-end": lambda m, k, v: m.move_to_end(k, last=bool(v)),
    "popitem-first": lambda m, k, v: m.popitem(last=False),
}
_COUNTER_EDITS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "counter-update": lambda m, k, v: m.update([k, k, "b"]),
    "subtract": lambda m, k, v: m.subtract({k: 2}),
    "iadd": lambda m, k, v: m.__iadd__(collections.Counter({k: 5})),
    "isub": lambda m, k, v: m.__isub__(collections.Counter({k: 1, "b": 9})),
    "iand": lambda m, k, v: m.__iand__(collections.Counter({k: 1})),
    "ior-counter": lambda m, k, v: m.__ior__(collections.Counter({k: 4})),
    "add": lambda m, k, v: m + collections.Counter({k: 1}),
    "sub": lambda m, k, v: m - collections.Counter({k: 1}),
    "pos": lambda m, k, v: +m,
    "neg": lambda m, k, v: -m,
    "elements": lambda m, k, v: sorted(map(str, m.elements())),
    "most-common": lambda m, k, v: m.most_common(1),
}
_SEQUENCE_EDITS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "append": lambda s, i, v: s.append(v),
    "extend": lambda s, i, v: s.extend([7, v, 8]),
    "iadd": lambda s, i, v: s.__iadd__([v]),
    "insert": lambda s, i, v: s.insert(i, v),
    "setitem": lambda s, i, v: s.__setitem__(i, v),
    "delitem": lambda s, i, v: s.__delitem__(i),
    "pop": lambda s, i, v: s.pop(),
    "pop-at": lambda s, i, v: s.pop(i),
    "remove": lambda s, i, v: s.remove(v),
    "reverse": lambda s, i, v: s.reverse(),
    "clear": lambda s, i, v: s.clear(),
    "child-append": lambda s, i, v: s[i].append(v),
}
_LIST_EDITS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "slice-set": lambda s, i, v: s.__setitem__(slice(0, i), [v, 9]),
    "slice-del": lambda s, i, v: s.__delitem__(slice(i, None)),
    "imul": lambda s, i, v: s.__imul__(min(i, 1)),  # more copies would be aliases
}
_DEQUE_EDITS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "appendleft": lambda s, i, v: s.appendleft(v),
    "extendleft": lambda s, i, v: s.extendleft([v, 8]),
    "popleft": lambda s, i, v: s.popleft(),
    "rotate": lambda s, i, v: s.rotate(i),
}
_SET_EDITS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add": lambda s, k, v: s.add(k),
    "discard": lambda s, k, v: s.discard(k),
    "remove": lambda s, k, v: s.remove(k),
    "update": lambda s, k, v: s.update([k, "B"]),
    "ior": lambda s, k, v: s.__ior__({k, "_p"}),
    "iand": lambda s, k, v: s.__iand__({k, "b"}),
    "isub": lambda s, k, v: s.__isub__({k}),
    "ixor": lambda s, k, v: s.__ixor__({k, "c"}),
    "difference-update": lambda s, k, v: s.difference_update([k]),
    "clear": lambda s, k, v: s.clear(),
}

EDITS: dict[type, dict[str, Callable[[Any, Any, Any], Any]]] = {
    dict: _MAPPING_EDITS,
    collections.OrderedDict: {**_MAPPING_EDITS, **_ORDERED_EDITS},
    collections.defaultdict: _MAPPING_EDITS,
    collections.Counter: {**_MAPPING_EDITS, **_COUNTER_EDITS},
    list: {**_SEQUENCE_EDITS, **_LIST_EDITS},
    collections.deque: {**_SEQUENCE_EDITS, **_DEQUE_EDITS},
    set: _SET_EDITS,
}
"""The edits each base's values can be given: ``edit(container, key_or_index, value)``."""


def edit(container: Any, base: type, name: str, where: Any, value: Any) -> Any:
    """Run edit ``name`` of ``base`` on ``container`` (plain or observed); return its result."""
    return EDITS[base][name](container, where, value)
