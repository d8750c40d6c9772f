"""Per-proxy bookkeeping: what a proxy wraps, where it hangs in the tree, and its children.

A node knows its parent node and the key it was last reached through. The path of a
change is resolved when the change happens, by walking up and checking at each level
that the parent container still holds this object at that key (re-finding it, or
declaring it detached, when it does not).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from ..change import MISSING, Member, Path

if TYPE_CHECKING:
    from ..journal import Journal
    from .base import ObservedProxy

__all__ = [
    "AttributeNode",
    "MappingNode",
    "MemberNode",
    "Node",
    "SequenceNode",
    "evict_child",
    "new_node",
    "resolve_path",
]


class Node(weakref.ref):  # type: ignore[type-arg]
    """Bookkeeping for one proxy, and the weak reference to it that its parent caches.

    A node refers to its proxy weakly (it *is* that weak reference) and to its parent
    node strongly, so a child can always resolve its path. Subclasses know how to find a
    child in their kind of container. ``recent`` keeps the most recently used child
    alive, so that repeated access through the same route does not rebuild proxies.
    """

    __slots__ = ("children", "journal", "key", "parent", "recent", "target")

    target: Any
    journal: Journal
    parent: Node | None
    key: Any
    children: dict[int, Node] | None
    recent: ObservedProxy | None

    def locate(self, key: Any, child: Any) -> Any:
        """Return where ``child`` now stands in this node's container, or ``MISSING``."""
        return MISSING


def new_node(
    node_class: type[Node],
    proxy: ObservedProxy,
    target: Any,
    journal: Journal,
    parent: Node | None,
    key: Any,
) -> Node:
    """Create the node of ``proxy``; a child's node evicts itself from its parent's cache."""
    node = node_class(proxy, None if parent is None else evict_child)
    node.target = target
    node.journal = journal
    node.parent = parent
    node.key = key
    node.children = None
    node.recent = None
    return node


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
        if getattr(self.target, key, MISSING) is child:
            return key
        return MISSING


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
    """Return the path from the root to ``node`` now, or ``None`` if it was detached."""
    parent = node.parent
    if parent is None:
        return ()
    keys = []
    while parent is not None:
        key = parent.locate(node.key, node.target)
        if key is MISSING:
            return None
        node.key = key
        keys.append(key)
        node = parent
        parent = node.parent
    keys.reverse()
    return tuple(keys)


def evict_child(node: Node) -> None:
    """Drop a dead child proxy's node from its parent's cache (a weakref callback)."""
    parent = node.parent
    if parent is None:
        return
    children = parent.children
    if children is not None and children.get(id(node.target)) is node:
        del children[id(node.target)]
        if not children:
            parent.children = None
