"""Per-proxy bookkeeping: what a proxy wraps, where it hangs in the tree, and its children.

A node knows its parent node and the key it was last reached through or put at. The
journal indexes live nodes by the identity of their object, so one object has one proxy
per journal and its node follows it when it moves. The path of a change is resolved
by walking up and checking at each level that the parent container still holds this
object at that key (re-finding it, or declaring it detached, when it does not).

A resolved path is kept on the node, stamped with the journal's structural ``epoch``;
it is reused while the stamp equals the epoch. Everything that may move an object
(a non-scalar removed, replaced or moved, a node re-parented, a rollback, a remote
apply) moves the epoch, so a kept path is exactly the path a fresh walk would find.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..change import MISSING, Member, Path
from ..effects import read_storage

try:  # CPython's own atomic "delete while dead", as WeakValueDictionary uses it
    from _weakref import _remove_dead_weakref as _drop_if_dead  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other interpreters

    def _drop_if_dead(entries: dict[Any, Any], key: Any) -> None:
        entry = entries.get(key)
        if entry is not None and entry() is None:
            entries.pop(key, None)


_remove_dead_weakref: Callable[[dict[Any, Any], Any], None] = _drop_if_dead

if TYPE_CHECKING:
    from ..journal import Journal
    from .base import ObservedProxy

__all__ = [
    "INSTANCE_DICT",
    "AttributeNode",
    "InstanceDictNode",
    "MappingNode",
    "MemberNode",
    "Node",
    "SequenceNode",
    "evict_child",
    "resolve_path",
]


class Node(weakref.ref):  # type: ignore[type-arg]
    """Bookkeeping for one proxy, and the weak reference to it that the journal indexes.

    A node refers to its proxy weakly (it *is* that weak reference) and to its parent
    node strongly, so a child can always resolve its path. Subclasses know how to find a
    child in their kind of container. ``recent`` keeps the most recently used child
    alive, so that repeated access through the same route does not rebuild proxies.
    """

    __slots__ = ("journal", "key", "parent", "path", "recent", "stamp", "target")

    target: Any
    journal: Journal
    parent: Node | None
    key: Any
    recent: tuple[ObservedProxy, Node] | None
    """The child reached last and its node (readers check it without touching the proxy)."""
    path: Path | None
    """The path resolved when the journal's epoch was ``stamp``."""
    stamp: int

    def locate(self, key: Any, child: Any) -> Any:
        """Return where ``child`` now stands in this node's container, or ``MISSING``."""
        return MISSING


class MappingNode(Node):
    """Node of a dict: children are found by key, then by value identity."""

    __slots__ = ()

    def locate(self, key: Any, child: Any) -> Any:
        """Return the key that now holds ``child``, or ``MISSING``."""
        container = self.target
        try:
            if dict.get(container, key, MISSING) is child:
                return key
        except TypeError:
            pass
        for candidate, value in dict.items(container):
            if value is child:
                return candidate
        return MISSING


class SequenceNode(Node):
    """Node of a list, tuple or deque: children are found by index, then by identity."""

    __slots__ = ()

    def locate(self, key: Any, child: Any) -> Any:
        """Return the index that now holds ``child``, or ``MISSING``."""
        container = self.target
        try:
            if container[key] is child:
                return key
        except (IndexError, TypeError):
            pass
        for index, value in enumerate(container):
            if value is child:
                return index
        return MISSING


class AttributeNode(Node):
    """Node of an arbitrary object: children are attributes."""

    __slots__ = ()

    def locate(self, key: Any, child: Any) -> Any:
        """Return ``key`` while the attribute still holds ``child``, else ``MISSING``."""
        if key is INSTANCE_DICT:
            return key if getattr(self.target, "__dict__", None) is child else MISSING
        if read_storage(self.target, key) is child:
            return key
        return MISSING


INSTANCE_DICT: Any = Member("__dict__")
"""The key of an object's ``__dict__`` under its object: it adds no element to paths."""


class InstanceDictNode(Node):
    """Node of an object's ``__dict__``: its items are the object's attributes."""

    __slots__ = ()

    def locate(self, key: Any, child: Any) -> Any:
        """Return the attribute name that now holds ``child``, or ``MISSING``."""
        return MappingNode.locate(self, key, child)  # type: ignore[arg-type]


class MemberNode(Node):
    """Node of a set or frozenset: a mutable member has no address but its membership."""

    __slots__ = ()

    def locate(self, key: Any, child: Any) -> Any:
        """Return a :class:`Member` element while ``child`` is still a member."""
        try:
            return key if child in self.target else MISSING
        except TypeError:
            return MISSING


def member_key(value: Any) -> Member:
    """Return the path element naming a set member."""
    return Member(repr(value))


def resolve_path(node: Node) -> Path | None:
    """Return the path from the root to ``node`` now, or ``None`` if it was detached.

    Hold the journal lock. A path kept from the current epoch is returned as is;
    otherwise the walk stops at the first ancestor with a current path.
    """
    parent = node.parent
    epoch = node.journal.epoch
    if parent is None:
        node.path = ()
        node.stamp = epoch
        return ()
    if node.stamp == epoch:
        return node.path
    start = node
    keys = []
    while parent is not None:
        if parent.stamp == epoch and parent.path is not None:
            key = parent.locate(node.key, node.target)
            if key is MISSING:
                return None
            node.key = key
            if key is not INSTANCE_DICT:
                keys.append(key)
            keys.reverse()
            path = parent.path + tuple(keys)
            start.path = path
            start.stamp = epoch
            return path
        key = parent.locate(node.key, node.target)
        if key is MISSING:
            return None
        node.key = key
        if key is not INSTANCE_DICT:
            keys.append(key)
        if len(keys) > _CYCLE_CHECK_DEPTH and _cycles(node):
            return None
        node = parent
        parent = node.parent
    keys.reverse()
    path = tuple(keys)
    start.path = path
    start.stamp = epoch
    return path


_CYCLE_CHECK_DEPTH = 256


def _cycles(node: Node) -> bool:
    seen = set()
    current: Node | None = node
    while current is not None:
        if id(current) in seen:
            return True
        seen.add(id(current))
        current = current.parent
    return False


def evict_child(node: Node) -> None:
    """Drop a dead child proxy's node from its journal's index (a weakref callback)."""
    node.recent = None  # the child it kept alive may go too
    # One atomic step: the entry goes only while it is still a dead node. Another thread
    # may have indexed a new live proxy of the same object since this one died.
    _remove_dead_weakref(node.journal.nodes, id(node.target))
