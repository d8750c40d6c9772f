"""Copy-on-write observation: many observed values read one default; each copies what it writes.

:func:`observe_shared` returns a root proxy over a :class:`SharedDefault`'s value itself, in
O(1). Reads go to the shared objects. The first write to a part copies that part shallowly
(and each container on its path from the root, once), writes the copy into the session's
own parent, and from then on the part is the session's own: its proxy runs the normal code.
The shared value never changes, whatever the sessions do, and each session sees exactly what
it would see in a deep copy of its own: aliases stay aliases (one object is copied once per
session), and library objects that pass through raw (a DataFrame, a PIL image) are deep-copied
when the session first reaches them.

Which objects are shared is decided by identity: :class:`SharedDefault` walks the value once,
when it is made, and remembers every mutable object in it. Raw objects handed out
(:func:`unwrap`, ``copy.copy`` of an object, a library method of an object) are first made the
session's own, with everything below them (O(size of that part)).
"""

from __future__ import annotations

import collections
import copy
import threading
from typing import Any

import wrapt

from .change import MISSING
from .effects import read_storage, write_storage
from .journal import Journal
from .proxies.base import PROXY_TYPES, make_proxy, node_of, reach
from .proxies.nodes import INSTANCE_DICT, InstanceDictNode, Node
from .proxies.sharing import become_private, private_variant, shared_variant
from .registry import proxy_class_for
from .values import SCALAR_TYPES, instance_attributes

__all__ = ["SharedDefault", "observe_shared", "unwrap"]

_set_target: Any = wrapt.BaseObjectProxy.__dict__["__wrapped__"].__set__


class SharedDefault:
    """A value that many :func:`observe_shared` sessions read in place and never change.

    Making it walks the value once (O(n)) to remember which objects belong to it; each
    session then starts in O(1). Keep the value itself unchanged: edits made to it directly
    (not through a session) would reach every session that has not copied that part.
    """

    __slots__ = ("ids", "value")

    def __init__(self, value: Any) -> None:
        """Share ``value`` (an observed value is copied first: the default is plain)."""
        if type(value) in PROXY_TYPES:
            from .observe import snapshot

            value = snapshot(value)
        self.value = value
        self.ids: frozenset[int] = frozenset(_reachable(value))
        """The identity of every non-scalar object in the value."""

    def __repr__(self) -> str:
        return f"<SharedDefault of {type(self.value).__name__}, {len(self.ids)} objects>"


def _reachable(value: Any) -> set[int]:
    """Return the ids of every non-scalar object reachable from ``value`` (keys included)."""
    seen: set[int] = set()
    stack = [value]
    scalars = SCALAR_TYPES
    while stack:
        item = stack.pop()
        if type(item) in scalars or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            stack.extend(key for key in dict.keys(item) if type(key) not in scalars)
            stack.extend(inner for inner in dict.values(item) if type(inner) not in scalars)
        elif isinstance(item, list | tuple | set | frozenset | collections.deque):
            stack.extend(inner for inner in item if type(inner) not in scalars)
        elif proxy_class_for(type(item)) is not None:
            stack.extend(instance_attributes(item).values())
    return seen


def observe_shared(default: SharedDefault, journal: Journal | None = None) -> Any:
    """Return an observed value that reads ``default`` in place and copies what it writes.

    It behaves as ``observe(copy.deepcopy(default.value), journal)`` does, journal included,
    but costs O(1) to make: the first write to a part copies only that part and its path.
    ``default`` itself never changes. A journal serves at most one shared session.
    """
    if not isinstance(default, SharedDefault):
        raise TypeError(f"observe_shared() takes a SharedDefault, not {type(default).__name__}")
    journal = Journal() if journal is None else journal
    value = default.value
    proxy_class = proxy_class_for(type(value))
    if proxy_class is None:
        # A scalar, or a library object that passes through raw: the session's own copy.
        return value if type(value) in SCALAR_TYPES else copy.deepcopy(value)
    if journal.shared is not None:
        raise ValueError("this journal already records a shared session: give each its own")
    session = Session(default, journal)
    journal.shared = session
    return make_proxy(shared_variant(proxy_class), value, journal)


def unwrap(value: Any) -> Any:
    """Return the object behind a proxy, or ``value`` itself when it is not a proxy.

    In a shared session (:func:`observe_shared`) the object and everything below it are
    first made the session's own, so that writing to the raw value never reaches the default.
    """
    if type(value) in PROXY_TYPES:
        node = node_of(value)
        session = node.journal.shared
        if session is not None:
            return session.own_all(node)
        return node.target
    return value


class Session:
    """One copy-on-write session: which objects it shares, and the copies it made."""

    __slots__ = ("copies", "default", "ids", "journal", "lock")

    def __init__(self, default: SharedDefault, journal: Journal) -> None:
        """Share ``default`` for the values of ``journal``."""
        self.default = default
        self.ids = default.ids
        self.journal = journal
        self.lock: threading.RLock = journal.lock
        self.copies: dict[int, Any] = {}
        """The session's copy of each shared object it copied, by the original's id."""

    # -- reading: which variant a child gets ---------------------------------------------
    def reach(self, parent: Node, key: Any, value: Any, kind: type) -> Any:
        """Return the child ``value`` of ``parent`` at ``key``, which has no live proxy yet."""
        copied = self.copies.get(id(value))
        if copied is not None:
            # Another route to an object this session copied already: it holds the copy.
            self._redirect(parent, key, value, copied)
            return reach(parent, key, copied, type(copied))
        proxy_class = proxy_class_for(kind)
        shared = id(value) in self.ids
        if proxy_class is None:
            if not shared:
                return value
            own = copy.deepcopy(value)  # a library object: the session's own, as deepcopy gives
            self.copies[id(value)] = own
            self._redirect(parent, key, value, own)
            return own
        variant = shared_variant(proxy_class) if shared else private_variant(proxy_class)
        proxy = make_proxy(variant, value, self.journal, parent, key)
        parent.recent = proxy
        return proxy

    def _redirect(self, parent: Node, key: Any, old: Any, new: Any) -> None:
        with self.lock:
            where = parent.locate(key, old)
            if where is not MISSING:
                self._put(parent, where, old, new)

    # -- writing: copy on first write ----------------------------------------------------
    def before_write(self, node: Node) -> None:
        """Called by every generic mutation: a node of the default gets its own copy first."""
        if id(node.target) in self.ids:
            self.own(node)

    def own(self, node: Node) -> Any:
        """Give ``node`` the session's own copy of its target (and its path); return it."""
        with self.lock:
            target = node.target
            if id(target) in self.ids:
                new = self._copy(target)
                self._replace(node, target, new)
                target = new
            proxy = node()
            if proxy is not None:
                become_private(proxy)
            return target

    def own_all(self, node: Node) -> Any:
        """Make everything under ``node`` the session's own (O(its size)); return its target."""
        return _own_all(self, node)

    def _copy(self, value: Any) -> Any:
        found = self.copies.get(id(value))
        if found is None:
            if isinstance(value, tuple):
                found = tuple.__new__(type(value), list(value))
            elif isinstance(value, frozenset):
                found = frozenset.__new__(type(value), list(value))
            else:
                found = copy.copy(value)
            self.copies[id(value)] = found
        return found

    def _replace(self, node: Node, old: Any, new: Any) -> None:
        """Make ``node`` wrap ``new`` instead of ``old``, and its parent hold ``new`` there."""
        parent = node.parent
        if parent is not None:
            where = parent.locate(node.key, old)
            if where is not MISSING:
                node.key = where
                self._put(parent, where, old, new)
        self._repoint(node, old, new)

    def _repoint(self, node: Node, old: Any, new: Any) -> None:
        node.target = new
        journal = self.journal
        if node.parent is not None:
            nodes = journal.nodes
            if nodes.get(id(old)) is node:
                del nodes[id(old)]
            nodes[id(new)] = node
        proxy = node()
        if proxy is not None:
            _set_target(proxy, new)
        journal.epoch += 1

    def _put(self, node: Node, key: Any, old: Any, new: Any) -> None:
        """Make ``node``'s container hold ``new`` at ``key`` (where it holds ``old``)."""
        target = node.target
        if isinstance(target, tuple | frozenset):
            if isinstance(target, tuple):
                items = list(target)
                items[key] = new
                rebuilt: Any = tuple.__new__(type(target), items)
            else:
                rebuilt = frozenset.__new__(type(target), [new if m is old else m for m in target])
            if id(target) in self.ids:
                self.copies[id(target)] = rebuilt
            self._replace(node, target, rebuilt)
            return
        if type(node) is InstanceDictNode:
            dict.__setitem__(self.own(node), key, new)
            return
        target = self.own(node)
        _store(target, key, old, new)


def _store(container: Any, key: Any, old: Any, new: Any) -> None:
    """Put ``new`` where ``container`` holds ``old`` (at ``key``), running none of its code."""
    if isinstance(container, collections.OrderedDict):
        collections.OrderedDict.__setitem__(container, key, new)
    elif isinstance(container, dict):
        dict.__setitem__(container, key, new)
    elif isinstance(container, list):
        list.__setitem__(container, key, new)
    elif isinstance(container, collections.deque):
        collections.deque.__setitem__(container, key, new)
    elif isinstance(container, set):
        set.discard(container, old)
        set.add(container, new)
    elif key is INSTANCE_DICT:
        raise TypeError("an object's __dict__ is never replaced")
    else:
        write_storage(container, key, new)


def _slots(container: Any) -> list[tuple[Any, Any]]:
    """Return the (key, child) pairs of a container or object, as :func:`_store` takes them."""
    if isinstance(container, dict):
        return list(dict.items(container))
    if isinstance(container, list | tuple | collections.deque):
        return list(enumerate(container))
    if isinstance(container, set | frozenset):
        return [(None, member) for member in container]
    if proxy_class_for(type(container)) is None:
        return []
    return [
        (name, item)
        for name, item in instance_attributes(container).items()
        if read_storage(container, name) is item
    ]


def _own_all(session: Session, node: Node) -> Any:
    """Make everything under ``node`` the session's own; return its target."""
    with session.lock:
        root = session.own(node)
        done: dict[int, Any] = {}
        result = _private(session, root, done)
        if result is not root:  # a tuple that held shared objects was rebuilt
            session._replace(node, root, result)
        return result


def _private(session: Session, value: Any, done: dict[int, Any]) -> Any:
    """Return the session's own version of ``value``, with its children made its own too."""
    if type(value) in SCALAR_TYPES:
        return value
    found = done.get(id(value))
    if found is not None:
        return found
    original = value
    if id(value) in session.ids:
        value = _adopted(session, value)
    done[id(original)] = value
    done[id(value)] = value
    if isinstance(value, tuple | frozenset):
        items = [_private(session, item, done) for item in value]
        if any(a is not b for a, b in zip(items, value, strict=True)):
            rebuilt: Any = (
                tuple.__new__(type(value), items)
                if isinstance(value, tuple)
                else frozenset.__new__(type(value), items)
            )
            _adopt_node(session, value, rebuilt)
            done[id(original)] = done[id(value)] = rebuilt
            return rebuilt
        return value
    for key, child in _slots(value):
        inner = _private(session, child, done)
        if inner is not child:
            _store(value, key, child, inner)
    return value


def _adopted(session: Session, value: Any) -> Any:
    """Return the session's copy of the shared ``value``, moving its live proxy onto it."""
    copied = session.copies.get(id(value))
    if copied is None:
        if proxy_class_for(type(value)) is None:
            copied = copy.deepcopy(value)
            session.copies[id(value)] = copied
        else:
            copied = session._copy(value)
    _adopt_node(session, value, copied)
    return copied


def _adopt_node(session: Session, old: Any, new: Any) -> None:
    node = session.journal.nodes.get(id(old))
    if node is not None and node.target is old:
        session._repoint(node, old, new)
        proxy = node()
        if proxy is not None:
            become_private(proxy)
