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

import copy
import threading
from typing import Any

import wrapt

from .change import MISSING
from .effects import read_storage
from .journal import Journal
from .proxies.base import PROXY_TYPES, make_proxy, node_of, reach
from .proxies.nodes import Node
from .proxies.sharing import become_private, private_variant, shared_variant
from .registry import proxy_class_for
from .shared_copies import deep_or_same, holds, rebuilt, shallow, store
from .shared_default import SharedDefault, has_copy_hooks, slots_of
from .values import SCALAR_TYPES, snapshot_value

__all__ = ["SharedDefault", "observe_shared", "unwrap"]

_set_target: Any = wrapt.BaseObjectProxy.__dict__["__wrapped__"].__set__


def observe_shared(default: SharedDefault, journal: Journal | None = None) -> Any:
    """Return an observed value that reads ``default`` in place and copies what it writes.

    It behaves as ``observe(observable.snapshot(default.value), journal)`` does (a deep copy
    that runs none of the containers' own code), journal included, but costs O(1) to make:
    the first write to a part copies only that part and its path. ``default`` itself never
    changes. A journal serves at most one shared session. A default that copy-on-write
    cannot copy part by part exactly (see ``SharedDefault.unshareable``: aliases, container
    subclasses, mutable keys or set members, classes with their own attribute code) gets
    that deep copy instead.
    """
    if not isinstance(default, SharedDefault):
        raise TypeError(f"observe_shared() takes a SharedDefault, not {type(default).__name__}")
    journal = Journal() if journal is None else journal
    value = default.value
    if default.unshareable is not None:
        from .observe import observe

        return observe(snapshot_value(value), journal)
    proxy_class = proxy_class_for(type(value))
    if proxy_class is None:
        # A scalar, or a library object that passes through raw: the session's own copy.
        return value if type(value) in SCALAR_TYPES else copy.deepcopy(value)
    if journal.shared is not None:
        raise ValueError("this journal already records a shared session: give each its own")
    session = Session(default, journal)
    journal.shared = session
    proxy = make_proxy(shared_variant(proxy_class), value, journal)
    session.root = node_of(proxy)
    return proxy


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
    """One copy-on-write session: which objects it shares, and the versions it made of them.

    Invariant: wherever the session's value held a default object that the session has
    copied, it holds the copy, except at places reached by no proxy and recorded nowhere
    (a holder is recorded when the object has several); reaching such a place puts the copy
    there first (:meth:`reach`).
    """

    __slots__ = ("default", "ids", "journal", "lock", "origins", "root", "versions")

    def __init__(self, default: SharedDefault, journal: Journal) -> None:
        """Share ``default`` for the values of ``journal``."""
        self.default = default
        self.ids = default.ids
        self.journal = journal
        self.lock: threading.RLock = journal.lock
        self.versions: dict[int, Any] = {}
        """The session's version of each default object it copied, by the original's id."""
        self.origins: dict[int, tuple[Any, Any]] = {}
        """(version, the default object it was made from), by the version's id (the entry
        keeps the version alive, so its id cannot be reused by another object)."""
        self.root: Node | None = None

    # -- reading: which variant a child gets ---------------------------------------------
    def reach(self, parent: Node, key: Any, value: Any, kind: type) -> Any:
        """Return the child ``value`` of ``parent`` at ``key``, which has no live proxy yet."""
        version = self.versions.get(id(value))
        if version is not None and version is not value:
            # A place that still holds a default object this session copied: it holds the copy.
            with self.lock:
                where = parent.locate(key, value)
                if where is not MISSING:
                    self._put_node(parent, where, value, version)
            return reach(parent, key, version, type(version))
        proxy_class = proxy_class_for(kind)
        shared = id(value) in self.ids
        if proxy_class is None:
            if not shared:
                return value
            with self.lock:  # a library object: the session's own deep copy, as deepcopy gives
                own = self.take(value)
                where = parent.locate(key, value)
                if where is not MISSING:
                    self._put_node(parent, where, value, own)
            return own
        if shared and has_copy_hooks(kind):
            # Its class decides how it is copied: the session's own deep copy, made with its
            # hooks (as a deep copy of the default would), before any proxy reaches inside.
            with self.lock:
                own = self.take(value)
                where = parent.locate(key, value)
                if where is not MISSING:
                    self._put_node(parent, where, value, own)
            return self.reach(parent, key, own, type(own))
        variant = shared_variant(proxy_class) if shared else private_variant(proxy_class)
        return make_proxy(variant, value, self.journal, parent, key)

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
                target = self.take(target, node)
            proxy = node()
            if proxy is not None:
                become_private(proxy)
            return target

    def own_all(self, node: Node) -> Any:
        """Make everything under ``node`` the session's own (O(its size)); return its target."""
        with self.lock:
            target = self.own(node)
            return _private(self, target, {}, node)

    def placing(self, node: Node, effect: Any, pending: Any) -> None:
        """Before ``effect``'s new objects in ``node``'s container are placed: a default object
        put at a new place becomes the session's own, at every place that holds it."""
        container = node.target
        for key, value in effect.placed(container):
            if id(value) in self.ids:
                self._put_node(node, key, value, self.take(value))
        if pending is not None:
            result, found = pending
            for route, child in found:
                old = child.target
                if id(old) in self.ids:
                    new = self.take(old, child)
                    holder = result
                    for step in route[:-1]:
                        holder = (
                            holder[step]
                            if isinstance(holder, dict | list)
                            else (read_storage(holder, step))
                        )
                    if holds(holder, route[-1], old):
                        store(holder, route[-1], old, new)

    def take(self, original: Any, node: Node | None = None) -> Any:
        """Return the session's version of the default object ``original``, made on first
        call (a shallow copy; a deep copy for a library object) and put at each place known
        to hold it: its recorded holders, or where its proxy's node stands."""
        found = self.versions.get(id(original))
        if found is not None:
            return found
        if proxy_class_for(type(original)) is None or has_copy_hooks(type(original)):
            new = deep_or_same(original)
        else:
            new = shallow(original)
        if new is original:  # the empty tuple: one object, immutable, nothing to copy
            return new
        if node is None or node.target is not original:
            node = self._node_of(original)
        self._replace(original, original, new, node)
        return new

    def origin_of(self, version: Any) -> Any:
        """Return the default object ``version`` was made from (``version`` if none)."""
        entry = self.origins.get(id(version))
        return entry[1] if entry is not None and entry[0] is version else version

    def _node_of(self, value: Any) -> Node | None:
        if value is self.default.value:
            return self.root
        return self.journal.nodes.get(id(value))

    def _replace(self, original: Any, old: Any, new: Any, node: Node | None) -> None:
        """Make every known place that holds ``old`` (a version of ``original``) hold ``new``."""
        self.versions[id(original)] = new
        self.origins[id(new)] = (new, original)
        holders = self.default.holders.get(id(original))
        if holders is not None:
            for holder, key in holders:
                self._put_in(holder, key, old, new)
        elif node is not None and node.parent is not None:
            where = node.parent.locate(node.key, old)
            if where is not MISSING:
                node.key = where
                self._put_node(node.parent, where, old, new)
        # Every proxy of ``old`` now wraps ``new``: the one given, the one indexed, the root.
        for holder in (node, self.journal.nodes.get(id(old)), self.root):
            if holder is not None and holder.target is old:
                self._repoint(holder, old, new)

    def _put_in(self, holder: Any, key: Any, old: Any, new: Any) -> None:
        """Put ``new`` for ``old`` at ``key`` in the session's version of ``holder``."""
        current = self.take(holder) if id(holder) in self.ids else holder
        if isinstance(current, tuple | frozenset):
            if holds(current, key, old):
                self._replace(holder, current, rebuilt(current, key, old, new), None)
        elif holds(current, key, old):
            store(current, key, old, new)

    def _put_node(self, node: Node, key: Any, old: Any, new: Any) -> None:
        """Put ``new`` for ``old`` at ``key`` in ``node``'s container (made the session's own)."""
        current = self.own(node)
        if isinstance(current, tuple | frozenset):
            original = self.origin_of(current)
            self._replace(original, current, rebuilt(current, key, old, new), node)
        elif holds(current, key, old):
            store(current, key, old, new)

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
            become_private(proxy)
        journal.epoch += 1


def _private(session: Session, value: Any, done: dict[int, Any], node: Node | None) -> Any:
    """Return the session's own version of ``value``, with everything below it its own too."""
    if type(value) in SCALAR_TYPES:
        return value
    found = done.get(id(value))
    if found is not None:
        return found
    original = value
    if id(value) in session.ids:
        value = session.take(value)
    done[id(original)] = done[id(value)] = value
    if isinstance(value, tuple | frozenset):
        items = [_private(session, item, done, None) for item in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        rebuilt: Any = (
            tuple.__new__(type(value), items)
            if isinstance(value, tuple)
            else frozenset.__new__(type(value), items)
        )
        source = session.origin_of(value)
        session._replace(source, value, rebuilt, node or session._node_of(value))
        done[id(original)] = done[id(value)] = rebuilt
        return rebuilt
    for key, child in slots_of(value):
        inner = _private(session, child, done, None)
        if inner is not child and holds(value, key, child):
            store(value, key, child, inner)
    return value
