"""The floor designs that ``python -m bench.floor`` times: the least code that records a change.

Each design keeps only the guarantees its name lists (see :mod:`bench.floor`) and appends one
flat tuple per change to a deque: no snapshots of mutable values, no detached children, no
batches, no backend gate. The append bodies come from one template (:func:`append_source`),
executed as Python or compiled by Cython (:func:`compiled_source`), so that each is
straight-line code with no branch on the guarantees it keeps. They are lower bounds to
measure observable against, not replacements; ``tests/test_bench_floor.py`` checks that each
one records what it claims.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

import wrapt

from observable import Change
from observable.effects import Splice
from observable.origin import get_origin

__all__ = [
    "APPEND_BODIES",
    "APPEND_DESIGNS",
    "GUARANTEES",
    "THREAD_SAFE",
    "FloorJournal",
    "FloorNode",
    "FloorStore",
    "append_source",
    "build_append",
    "build_dataclass",
    "build_indexed_list",
    "build_store",
    "compiled_source",
    "new_node",
    "node_of",
]

_now = time.time
_new_record = tuple.__new__
MISSING = object()


class FloorJournal:
    """The state every design records into: a lock, the entries, the newest ``seq``."""

    __slots__ = ("entries", "lock", "version")

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.entries: deque[tuple[Any, ...]] = deque()
        self.version = 0


class FloorNode:
    """What a proxy knows: its journal, its target, its path, and its last child read."""

    __slots__ = ("journal", "path", "recent", "subscribers", "target")

    def __init__(self, journal: FloorJournal, target: Any, path: tuple[Any, ...] = ()) -> None:
        self.journal = journal
        self.target = target
        self.path = path
        self.recent: tuple[Any, Any] | None = None
        self.subscribers: tuple[Callable[[str, tuple[Change, ...]], object], ...] = ()


class FloorProxy(wrapt.ObjectProxy[Any]):
    """A proxy as observable's are: a wrapt subclass with its node in one slot."""

    __slots__ = ("_self_node",)
    _self_node: Any
    __getattribute__ = object.__getattribute__


node_of: Callable[[Any], FloorNode] = FloorProxy.__dict__["_self_node"].__get__
_set_node: Callable[[Any, FloorNode], None] = FloorProxy.__dict__["_self_node"].__set__


# -- list.append ------------------------------------------------------------------------------
GUARANTEES: dict[str, tuple[bool, bool]] = {
    "lock+clock+origin": (True, True),
    "lock+origin": (True, False),
    "clock+origin": (False, True),
    "bare": (False, False),
}
"""The append bodies by name: whether each holds the lock, and whether it reads the clock
(every body but ``bare`` reads the origin)."""

_TYPED_DECLARATIONS = """\
cdef FloorNode node = self._self_node
cdef FloorJournal journal = node.journal
cdef Py_ssize_t index, seq
"""


def append_source(name: str, body: str, typed: bool = False, deliver: bool = False) -> str:
    """Return the source of one straight-line append body (no branch on the guarantees).

    ``typed`` declares the node and journal as the ``cdef`` classes of the compiled twin;
    ``deliver`` hands each change, built as a :class:`Change`, to the node's subscribers.
    """
    lock, clock = GUARANTEES[body]
    origin = "None" if body == "bare" else "get_origin()"
    timestamp = "_now()" if clock else "None"
    work = [
        "target = node.target",
        "index = len(target)",
        "target.append(item)",
        "seq = journal.version + 1",
        f'entry = (seq, node.path, "append", item, index, {origin}, {timestamp})',
        "journal.entries.append(entry)",
        "journal.version = seq",
    ]
    if lock:
        work = [
            "lock = journal.lock",
            "lock.acquire()",
            "try:",
            *(f"    {line}" for line in work),
            "finally:",
            "    lock.release()",
        ]
    if deliver:
        work += [
            "if node.subscribers:",
            '    effect = _new_record(Splice, ("splice", index, (), (item,)))',
            '    change = (seq, node.path, "append", (item,), effect, entry[5], entry[6])',
            "    changes = (_new_record(Change, change),)",
            "    for callback in node.subscribers:",
            "        callback(node.path[0], changes)",
        ]
    start = _TYPED_DECLARATIONS if typed else "node = self._self_node\njournal = node.journal\n"
    lines = [*start.splitlines(), *work]
    return f"def {name}(self, item):\n" + "".join(f"    {line}\n" for line in lines)


def _function_name(body: str) -> str:
    return "append_" + body.replace("+", "_")


_NAMESPACE: dict[str, Any] = {
    "get_origin": get_origin,
    "_now": _now,
    "_new_record": _new_record,
    "Change": Change,
    "Splice": Splice,
}


def _from_source(name: str, source: str) -> Callable[[Any, Any], None]:
    namespace = dict(_NAMESPACE)
    exec(source, namespace)  # one template: every body is straight-line code
    function: Callable[[Any, Any], None] = namespace[name]
    return function


def _compile_bodies() -> dict[str, Callable[[Any, Any], None]]:
    names = {body: _function_name(body) for body in GUARANTEES}
    return {body: _from_source(name, append_source(name, body)) for body, name in names.items()}


APPEND_BODIES: dict[str, Callable[[Any, Any], None]] = _compile_bodies()
"""The pure-Python append bodies, by the guarantees they keep."""

_COMPILED_HEADER = """\
# cython: language_level=3
import threading
from collections import deque

from cpython.time cimport time as _now
from observable.origin import get_origin as _get_origin

cdef object get_origin = _get_origin


cdef class FloorJournal:
    cdef public object lock
    cdef public object entries
    cdef public Py_ssize_t version

    def __cinit__(self):
        self.lock = threading.RLock()
        self.entries = deque()
        self.version = 0


cdef class FloorNode:
    cdef public FloorJournal journal
    cdef public list target
    cdef public tuple path

    def __cinit__(self, FloorJournal journal, list target):
        self.journal = journal
        self.target = target
        self.path = ()


def new_node(list target):
    return FloorNode(FloorJournal(), target)
"""


def compiled_source() -> str:
    """Return the Cython source of the compiled twin: the same bodies, with typed (``cdef``)
    journal and node, and the C clock; it defines ``BODIES`` and ``new_node`` as this module
    does."""
    bodies = [append_source(_function_name(body), body, typed=True) for body in GUARANTEES]
    table = ", ".join(f"{body!r}: {_function_name(body)}" for body in GUARANTEES)
    return "\n\n".join([_COMPILED_HEADER, *bodies, f"BODIES = {{{table}}}\n"])


THREAD_SAFE = frozenset({"lock+clock+origin", "lock+origin"})
"""The bodies whose ``seq`` order is the list's order under any thread interleaving."""

APPEND_DESIGNS: tuple[str, ...] = tuple(
    f"{dispatch} {body}" for dispatch in ("wrapt", "plain") for body in APPEND_BODIES
)
"""Every pure-Python append design: ``"<dispatch> <body>"``."""


def new_node(target: list[Any]) -> FloorNode:
    """Return the node of a fresh recorded list, with its own journal."""
    return FloorNode(FloorJournal(), target)


def build_append(design: str, kit: Any = None) -> Any:
    """Return a fresh recorded empty list for an :data:`APPEND_DESIGNS` entry.

    ``kit`` is a module with ``BODIES`` and ``new_node`` (the compiled twin); by default,
    this one's.
    """
    dispatch, body = design.split(" ")
    target: list[Any] = []
    bodies, make_node = (APPEND_BODIES, new_node) if kit is None else (kit.BODIES, kit.new_node)
    node = make_node(target)
    if dispatch == "wrapt":
        cls = type("FloorWraptList", (FloorProxy,), {"__slots__": (), "append": bodies[body]})
        proxy = cls(target)
        _set_node(proxy, node)
    else:
        cls = type("FloorPlainList", (), {"__slots__": ("_self_node",), "append": bodies[body]})
        proxy = cls()
        proxy._self_node = node
    return proxy


# -- root.child.x = i on dataclasses: one proxy class per class, one property per field ------
def _field(name: str) -> property:
    """Return the proxy property of field ``name``: reads hand out children, writes record."""

    def read(self: Any) -> Any:
        node = node_of(self)
        value = getattr(node.target, name)
        recent = node.recent
        if recent is not None and recent[0] is value:
            return recent[1]
        child = _proxy_of(value, FloorNode(node.journal, value, (*node.path, name)))
        node.recent = (value, child)
        return child

    def write(self: Any, value: Any) -> None:
        node = node_of(self)
        journal = node.journal
        lock = journal.lock
        lock.acquire()
        try:
            target = node.target
            old = target.__dict__.get(name, MISSING)
            object.__setattr__(target, name, value)
            if old is value or (type(old) is type(value) and old == value):
                return
            seq = journal.version + 1
            entry = (seq, node.path, "setattr", name, value, old, get_origin(), _now())
            journal.entries.append(entry)
            journal.version = seq
        finally:
            lock.release()

    return property(read, write)


_field_classes: dict[type, type] = {}


def _proxy_of(value: Any, node: FloorNode) -> Any:
    kind = type(value)
    cls = _field_classes.get(kind)
    if cls is None:
        namespace: dict[str, Any] = {"__slots__": ()}
        namespace.update({name: _field(name) for name in kind.__dataclass_fields__})
        cls = _field_classes[kind] = type(f"Floor{kind.__name__}", (FloorProxy,), namespace)
    proxy = cls(value)
    _set_node(proxy, node)
    return proxy


def build_dataclass(value: Any) -> Any:
    """Return ``value`` (a dataclass instance) as a recorded root."""
    return _proxy_of(value, FloorNode(FloorJournal(), value))


# -- store["log"].append(x) with one subscriber ---------------------------------------------
class FloorStoreList(FloorProxy):
    """A store key's list: appends record and reach the key's subscribers."""

    __slots__ = ()
    append = _from_source(
        "append_and_deliver", append_source("append_and_deliver", "lock+clock+origin", deliver=True)
    )


class FloorStore:
    """A store of top-level keys, each a kept proxy with its subscribers."""

    __slots__ = ("_keys", "journal")

    def __init__(self) -> None:
        self.journal = FloorJournal()
        self._keys: dict[str, Any] = {}

    def __setitem__(self, key: str, value: list[Any]) -> None:
        proxy = FloorStoreList(value)
        _set_node(proxy, FloorNode(self.journal, value, (key,)))
        self._keys[key] = proxy

    def __getitem__(self, key: str) -> Any:
        return self._keys[key]

    def subscribe(self, key: str, callback: Callable[[str, tuple[Change, ...]], object]) -> None:
        """Call ``callback(key, changes)`` after each change inside ``key``."""
        node = node_of(self._keys[key])
        node.subscribers = (*node.subscribers, callback)


# -- memory: a live child with the least state that still finds it again ----------------------
class FloorChildNode(weakref.ref):  # type: ignore[type-arg]
    """A child's entry in its journal's index: a weak reference that knows its own key."""

    __slots__ = ("key",)
    key: int


_allocate: Callable[[type], Any] = wrapt.ObjectProxy.__new__
_set_wrapped: Callable[[Any, Any], None] = wrapt.BaseObjectProxy.__dict__["__wrapped__"].__set__


class FloorIndexedList(FloorProxy):
    """A list whose items come back as child proxies, one per object, found through an index
    of weak references by ``id`` (so a child is the same proxy while it lives, and its entry
    leaves the index when it dies). Children keep no node state besides that entry."""

    __slots__ = ()

    def __getitem__(self, index: int) -> Any:
        node: FloorIndex = self._self_node
        children = node.children
        value = self.__wrapped__[index]
        key = id(value)
        found = children.get(key)
        child = None if found is None else found()
        if child is None:
            child = _allocate(FloorProxy)
            _set_wrapped(child, value)
            entry = FloorChildNode(child, node.evict)
            entry.key = key
            _set_node(child, entry)  # type: ignore[arg-type]
            children[key] = entry
        return child


def _evict(children: dict[int, FloorChildNode], entry: FloorChildNode) -> None:
    if children.get(entry.key) is entry:
        del children[entry.key]


class FloorIndex:
    """The children of one list by ``id``, and the one callback that removes a dead one."""

    __slots__ = ("children", "evict")

    def __init__(self) -> None:
        self.children: dict[int, FloorChildNode] = {}
        self.evict = partial(_evict, self.children)


def build_indexed_list(value: list[Any]) -> FloorIndexedList:
    """Return ``value`` as a list whose items are indexed child proxies."""
    proxy = FloorIndexedList(value)
    _set_node(proxy, FloorIndex())  # type: ignore[arg-type]
    return proxy


def build_store(value: dict[str, list[Any]]) -> FloorStore:
    """Return a store holding ``value``'s keys, one no-op subscriber per key."""
    store = FloorStore()
    for key, item in value.items():
        store[key] = item
        store.subscribe(key, lambda key, changes: None)
    return store
