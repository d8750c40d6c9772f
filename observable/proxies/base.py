"""The proxy base class, method tables, child creation, and the one path every mutation takes.

Every kind of proxy is generated from a *method table*: one row per mutator naming the
pure function that performs it on the raw container and computes its effect. The same
tables give the read-only views their refusals and the testing tools their operations.
A few hot rows are written out by hand on the class (``hot=True``); a test proves each
one records what the generic path records.
"""

from __future__ import annotations

import copy
import functools
import operator
import threading
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, NamedTuple

import wrapt

from ..change import MISSING
from ..effects import (
    Attr,
    EffectRecord,
    Item,
    Reorder,
    Sequence,
    combine,
    read_storage,
    write_storage,
)
from ..errors import Conflict
from ..journal import Journal
from ..registry import cached_proxy_class, proxy_class_for
from ..registry import runs_on_proxy as _runs_on_proxy
from ..values import SCALAR_TYPES, instance_attributes, snapshot_value
from .nodes import (
    AttributeNode,
    InstanceDictNode,
    MappingNode,
    MemberNode,
    Node,
    evict_child,
    resolve_path,
)

__all__ = [
    "PROXY_TYPES",
    "MethodTable",
    "Mutator",
    "ObservedProxy",
    "Perform",
    "adopt",
    "child_of",
    "commit",
    "make_proxy",
    "mutate",
    "node_of",
    "place",
    "reach",
    "roll_back",
    "unwrap",
    "unwrap_deep",
]

PROXY_TYPES: set[type] = set()
"""Every concrete proxy class; ``type(x) in PROXY_TYPES`` is the fastest proxy test."""

Outcome = tuple[Any, tuple[Any, ...], EffectRecord | None]
"""What performing a mutator returns: (result, recorded args, effect or None for no change)."""

Perform = Callable[..., Outcome]
"""Performs one mutator on the raw container: ``perform(target, *args, **kwargs)``.

It must raise before changing anything, or change exactly what its effect says.
"""


class Mutator(NamedTuple):
    """One row of a method table."""

    perform: Perform | None
    """The pure function that performs the operation; ``None`` for hand-inlined hot rows."""
    returns_child: bool = False
    """Whether the result is a value taken out of the container (observed on the way out)."""
    returns_pair: bool = False
    """Whether the result is a ``(key, value)`` pair whose value is observed on the way out."""
    doc: str = ""
    """The generated method's one-line docstring."""


MethodTable = dict[str, Mutator]
"""A kind's mutators by method name (special methods included)."""

IN_PLACE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "__iadd__": operator.add,
    "__isub__": operator.sub,
    "__imul__": operator.mul,
    "__imatmul__": operator.matmul,
    "__itruediv__": operator.truediv,
    "__ifloordiv__": operator.floordiv,
    "__imod__": operator.mod,
    "__ipow__": operator.pow,
    "__ilshift__": operator.lshift,
    "__irshift__": operator.rshift,
    "__iand__": operator.and_,
    "__ixor__": operator.xor,
    "__ior__": operator.or_,
}
"""Each in-place operator and the binary operator Python falls back to without it."""


def _fallback_in_place(binary: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    # ``x op= y`` on a value without the in-place method is ``x = x op y``: a new value.
    def method(self: Any, other: Any) -> Any:
        return binary(_node(self).target, unwrap(other))

    return method


def runs_on_proxy(kind: type, name: str) -> bool:
    """Tell whether method ``name`` of ``kind`` runs bound to the proxy (see the registry)."""
    return _runs_on_proxy(kind, name)


class _ForwardedDoc(str):
    """A proxy class's own ``__doc__``, which its instances read from their target.

    The class reads a plain string (``type.__doc__`` calls ``__get__`` with no instance);
    a proxy reads its target's ``__doc__`` through this data descriptor, as wrapt forwards it.
    """

    __slots__ = ()
    name = "__doc__"

    def __get__(self, proxy: Any, owner: Any = None) -> Any:
        if proxy is None:
            return str(self) or None
        return getattr(_node(proxy).target, self.name)

    def __set__(self, proxy: Any, value: Any) -> None:
        setattr(_node(proxy).target, self.name, value)


class _ForwardedModule(_ForwardedDoc):
    """A proxy class's ``__module__`` (a ``str`` for the class), read from the target."""

    __slots__ = ()
    name = "__module__"


class ObservedProxy(wrapt.ObjectProxy[Any]):
    """Base of every observable proxy: transparent, and plain again under copy and pickle.

    All proxy-private state lives in one ``_self_node`` slot (wrapt's reserved prefix).
    Calling a proxy class, as ``type(proxy)(...)`` does, builds a plain value of the
    proxied type.
    """

    __slots__ = ("_self_node",)
    _self_node: Node

    # Attribute lookup takes CPython's generic path (no Python-level ``__getattribute__``
    # between a proxy and its class's methods); misses go to ``__getattr__``, the target.
    __getattribute__ = object.__getattribute__

    node_class: ClassVar[type[Node]] = MappingNode
    """The node class that finds this proxy's children in its container."""
    target_type: ClassVar[type] = object
    """The type this class proxies (a specialized class names the exact type)."""
    mutators: ClassVar[MethodTable] = {}
    """This kind's method table."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        PROXY_TYPES.add(cls)
        own = cls.__dict__
        type.__setattr__(cls, "__doc__", _ForwardedDoc(own.get("__doc__") or ""))
        type.__setattr__(cls, "__module__", _ForwardedModule(own["__module__"]))
        table = cls.__dict__.get("mutators")
        if table:
            install_table(cls, table)

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.target_type(*args, **kwargs)

    @classmethod
    def specialize(cls, kind: type) -> type[ObservedProxy]:
        """Return the proxy class for values of exactly ``kind`` (a subclass of this kind's type).

        Mutators that ``kind`` overrides run its own code on the raw value and record the
        difference they made, so that ``super()`` works inside them and the record says
        what happened.
        """
        if kind is cls.target_type:
            return cls
        namespace: dict[str, Any] = {"__slots__": (), "target_type": kind}
        base = cls.target_type
        for name in cls.mutators:
            own = getattr(kind, name, None)
            if own is not None and own is not getattr(base, name, None):
                namespace[name] = diff_method(name)
        for klass in kind.__mro__:
            if klass in base.__mro__:
                break
            for name, member in vars(klass).items():
                # The subclass's own version of a reader the proxy defines (``copy``,
                # ``get``, ``__getitem__``) is what users call: run it, recording any change.
                overrides_reader = name == "__getitem__" or not name.startswith("__")
                if (
                    overrides_reader
                    and name not in namespace
                    and isinstance(member, types.FunctionType)
                    and hasattr(cls, name)
                ):
                    namespace[name] = diff_method(name)
        return type(f"Observed{kind.__name__}", (cls,), namespace)

    # wrapt calls this after ``__wrapped__`` is set. Nothing needs fixing up, and a C
    # built-in that returns at once costs no Python frame on every new proxy.
    __wrapped_setattr_fixups__ = staticmethod(tuple)

    def __repr__(self) -> str:
        return repr(_node(self).target)

    def __copy__(self) -> Any:
        return copy.copy(_node(self).target)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return copy.deepcopy(_node(self).target, memo)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return _node(self).target.__reduce_ex__(protocol)

    def __reduce__(self) -> Any:
        return _node(self).target.__reduce__()

    def __getattr__(self, name: str) -> Any:
        # Methods that users write run with ``self`` bound to the proxy, so that the
        # mutations they make are seen; library methods run on the value itself.
        node = _node(self)
        value = getattr(node.target, name)
        if (
            type(value) is types.MethodType
            and value.__self__ is node.target
            and runs_on_proxy(type(node.target), name)
        ):
            if type(self).mutators and hasattr(type(self), "capture"):
                # A method of a dict, list or set subclass: run on the value itself, so
                # that ``super()`` and ``type(self)`` work, and record the difference.
                return functools.partial(_call_recorded, self, name)
            return types.MethodType(value.__func__, self)
        return value


for _name, _binary in IN_PLACE_OPERATORS.items():
    setattr(ObservedProxy, _name, _fallback_in_place(_binary))

_node: Callable[[Any], Node] = ObservedProxy.__dict__["_self_node"].__get__
_set_node: Callable[[Any, Node], None] = ObservedProxy.__dict__["_self_node"].__set__
_set_wrapped: Callable[[Any, Any], None] = wrapt.BaseObjectProxy.__dict__["__wrapped__"].__set__
_allocate: Callable[[type], Any] = wrapt.ObjectProxy.__new__

node_of = _node
"""Return the node behind a proxy (internal)."""


def unwrap(value: Any) -> Any:
    """Return the object behind a proxy, or ``value`` itself when it is not a proxy."""
    if type(value) in PROXY_TYPES:
        return _node(value).target
    return value


def unwrap_deep(value: Any) -> Any:
    """Return ``value`` with no proxy anywhere inside it, so it can enter a raw tree.

    Proxies are replaced by their targets in place inside plain lists, dicts, sets and
    objects (which changes nothing anyone can see: a proxy reads as its target); tuples and
    frozensets that held one are rebuilt.
    """
    kind = type(value)
    if kind in SCALAR_TYPES:
        return value
    if kind in PROXY_TYPES:
        return _node(value).target
    found: list[tuple[tuple[Any, ...], Node]] = []
    result = _unwrap_inside(value, set(), (), found)
    if found:
        # Remembered until the value is placed: then these children's nodes move inside it.
        _embedded.pending = (result, found)
    return result


class _Embedded(threading.local):
    pending: tuple[Any, list[tuple[tuple[Any, ...], Node]]] | None = None


_embedded = _Embedded()


def _unwrap_inside(
    value: Any, seen: set[int], route: tuple[Any, ...], found: list[tuple[tuple[Any, ...], Node]]
) -> Any:
    kind = type(value)
    if kind in SCALAR_TYPES:
        return value
    if kind in PROXY_TYPES:
        node = _node(value)
        if route:
            found.append((route, node))
        return node.target
    if id(value) in seen:
        return value
    seen.add(id(value))
    if isinstance(value, list):
        for index, item in enumerate(value):
            if type(item) not in SCALAR_TYPES:
                inner = _unwrap_inside(item, seen, (*route, index), found)
                if inner is not item:
                    list.__setitem__(value, index, inner)
    elif isinstance(value, dict):
        for key, item in list(dict.items(value)):
            if type(item) not in SCALAR_TYPES:
                inner = _unwrap_inside(item, seen, (*route, key), found)
                if inner is not item:
                    dict.__setitem__(value, key, inner)
    elif isinstance(value, tuple | frozenset | set):
        items = list(value)
        inner_items = [_unwrap_inside(item, seen, (), []) for item in items]
        if any(a is not b for a, b in zip(items, inner_items, strict=True)):
            if isinstance(value, set):
                set.clear(value)
                set.update(value, inner_items)
            elif hasattr(value, "_fields"):
                return type(value)(*inner_items)
            else:
                return type(value)(inner_items)
    else:
        for name, item in instance_attributes(value).items():
            if type(item) not in SCALAR_TYPES:
                inner = _unwrap_inside(item, seen, (*route, name), found)
                if inner is not item and read_storage(value, name) is item:
                    write_storage(value, name, inner)
    return value


def make_proxy(
    proxy_class: type[ObservedProxy],
    target: Any,
    journal: Journal,
    parent: Node | None = None,
    key: Any = None,
) -> ObservedProxy:
    """Create a proxy of ``proxy_class`` around ``target`` with a fresh node.

    A child's node is indexed in the journal, which it leaves when its proxy dies. (One
    frame, written out: reading a new child is the hot part of every traversal.)
    """
    # wrapt's __init__ copies the target's __doc__ and __module__ into a per-proxy dict
    # (its getattro forwards both anyway); setting __wrapped__ directly skips that cost.
    proxy: ObservedProxy = _allocate(proxy_class)
    _set_wrapped(proxy, target)
    node = proxy_class.node_class(proxy, None if parent is None else evict_child)
    node.target = target
    node.journal = journal
    node.parent = parent
    node.key = key
    node.recent = None
    node.stamp = -1
    _set_node(proxy, node)
    if parent is not None:
        journal.nodes[id(target)] = node
        parent.recent = (proxy, node)
    return proxy


def child_of(parent: Node, key: Any, value: Any) -> Any:
    """Return ``value`` as reached from ``parent`` at ``key``: its tracked proxy, or raw.

    One object has at most one proxy per journal. Reaching it moves that proxy's node to
    where it was reached, so a child keeps being tracked wherever it moves.
    """
    kind = type(value)
    if kind in SCALAR_TYPES:
        return value
    if kind in PROXY_TYPES:
        value = _node(value).target
        kind = type(value)
    recent = parent.recent
    if recent is not None:
        proxy, last = recent
        if last.target is value and last.parent is parent and last.key == key:
            return proxy
    return reach(parent, key, value, kind)


def reach(parent: Node, key: Any, value: Any, kind: type) -> Any:
    """:func:`child_of` for a raw non-scalar ``value`` of type ``kind``, when the parent's
    most recent child is known not to be it (readers check that first, inline)."""
    journal = parent.journal
    nodes = journal.nodes
    identity = id(value)
    node = nodes.get(identity)
    if node is not None:
        proxy = node()
        if proxy is not None:
            moved = node.parent is not parent or node.key != key
            if moved and node.parent is not None and node is not parent:
                with journal.lock:  # writers resolve paths under it: they see both or neither
                    node.parent = parent
                    node.key = key
                    journal.epoch += 1
            parent.recent = (proxy, node)
            return proxy
    if journal.shared is not None:  # a copy-on-write session picks the child's variant
        return journal.shared.reach(parent, key, value, kind)
    proxy_class = cached_proxy_class(kind)
    if proxy_class is None:
        return value
    return make_proxy(proxy_class, value, journal, parent, key)


def adopt(node: Node, values: Iterable[Any]) -> None:
    """After a write that recorded nothing, move the nodes of ``values`` it stored to ``node``.

    An equal but different object written over another is no change to record, yet it now
    lives in ``node``'s container: its node must follow it there, or its later edits would
    resolve against the place it came from.
    """
    _embedded.pending = None  # the write put nothing new that needs a recorded place
    if type(node) is MemberNode:
        return  # a set keeps the member it had: the equal newcomer was not stored
    nodes = node.journal.nodes
    for value in values:
        if type(value) in PROXY_TYPES:
            value = _node(value).target
        if type(value) in SCALAR_TYPES:
            continue
        child = nodes.get(id(value))
        if child is None or child is node or child.parent is None:
            continue
        key = node.locate(child.key, value)
        if key is MISSING and type(node) is AttributeNode:
            key = next(
                (name for name, item in instance_attributes(node.target).items() if item is value),
                MISSING,
            )
        if key is not MISSING:
            child.parent = node
            child.key = key
            node.journal.epoch += 1


def place(node: Node, effect: EffectRecord) -> None:
    """Move the nodes of objects that ``effect`` put into ``node``'s container to there.

    That covers proxies passed in directly and proxies that were inside plain values.
    """
    nodes = node.journal.nodes
    pending = _embedded.pending
    if node.journal.shared is not None:  # an object of a shared default placed anew is copied
        node.journal.shared.placing(node, effect, pending)
    if pending is not None:
        _embedded.pending = None
    elif not nodes:
        return
    for key, value in effect.placed(node.target):
        if type(value) in SCALAR_TYPES:
            continue
        child = nodes.get(id(value))
        if child is not None and child.parent is not None and child is not node:
            child.parent = node
            child.key = key
            node.journal.epoch += 1
        if pending is not None and pending[0] is value:
            for route, embedded in pending[1]:
                _place_embedded(node, key, value, route, embedded)


def _place_embedded(node: Node, key: Any, value: Any, route: tuple[Any, ...], child: Node) -> None:
    if child.parent is None or child.journal is not node.journal:
        return
    parent, current_key = node, key
    for step in route[:-1]:
        proxy = child_of(parent, current_key, value)
        if type(proxy) not in PROXY_TYPES:
            return
        parent = _node(proxy)
        value = _step_into(value, step)
        current_key = step
    proxy = child_of(parent, current_key, value)
    if type(proxy) in PROXY_TYPES:
        child.parent = _node(proxy)
        child.key = route[-1]
        child.journal.epoch += 1


def _step_into(value: Any, step: Any) -> Any:
    if isinstance(value, dict | list):
        return value[step]
    return read_storage(value, step)


def commit(node: Node, path: Any, op: str, args: tuple[Any, ...], effect: EffectRecord) -> Any:
    """Record a change already made on ``node``'s target; the journal lock must be held.

    Returns the change, or raises after rolling the change back when the journal refuses
    it (:class:`~observable.errors.Conflict` included: the caller catches up and retries).
    """
    recorded = effect if type(node) is not InstanceDictNode else as_attributes(effect)
    try:
        change = node.journal.record(path, op, args, recorded)
    except BaseException:
        roll_back(node.target, effect)
        node.journal.epoch += 1
        raise
    place(node, effect)
    return change


def as_attributes(effect: EffectRecord) -> EffectRecord:
    """Return an effect on an object's ``__dict__`` as the attribute changes it made."""
    if isinstance(effect, Item):
        return Attr("attr", effect.key, effect.old, effect.new)
    if isinstance(effect, Sequence):
        steps = [as_attributes(step) for step in effect.steps if not isinstance(step, Reorder)]
        return combine(steps) or Sequence("sequence", ())
    return effect


def mutate(
    proxy: ObservedProxy, op: str, perform: Perform, args: Iterable[Any], kwargs: dict[str, Any]
) -> Any:
    """Run ``perform(target, *args, **kwargs)`` under the journal lock and record its effect.

    A ``None`` effect (nothing changed) and a detached proxy record nothing. When the
    journal refuses the change, the operation is rolled back; after a
    :class:`~observable.errors.Conflict` the journal catches up (outside the lock) and the
    operation runs again on the caught-up value.
    """
    node = _node(proxy)
    journal = node.journal
    if journal.shared is not None:  # a part of a shared default is copied before it changes
        journal.shared.before_write(node)
    lock = journal.lock
    args = tuple(args)
    while True:
        lock.acquire()
        try:
            path = resolve_path(node)
            try:
                result, recorded, effect = perform(node.target, *args, **kwargs)
            finally:
                journal.epoch += 1  # anything may have moved: paths are found afresh
            if effect is None or path is None:
                if effect is None:
                    adopt(node, args)
                return result
            try:
                change = commit(node, path, op, recorded, effect)
            except Conflict:
                change = None
        finally:
            lock.release()
        if change is None:
            journal.catch_up()
            continue
        if journal.subscribed:
            journal.deliver(change)
        return result


def roll_back(target: Any, effect: EffectRecord) -> None:
    """Undo ``effect`` on the raw container it was made on (paths are found afresh after)."""
    effect.inverted().apply_to(target)


def install_table(cls: type[ObservedProxy], table: MethodTable) -> None:
    """Give ``cls`` a method for every row of ``table`` that is not written out by hand."""
    for name, row in table.items():
        if row.perform is not None:
            setattr(cls, name, table_method(name, row))


def table_method(name: str, row: Mutator) -> Callable[..., Any]:
    """Return the proxy method that performs ``row`` and records it as ``name``."""
    perform = row.perform
    assert perform is not None
    op = name.strip("_") if name.startswith("__") else name
    if row.returns_child:

        def method(self: ObservedProxy, *args: Any, **kwargs: Any) -> Any:
            result = mutate(self, op, perform, args, kwargs)
            return child_of(_node(self), None, result)

    elif row.returns_pair:

        def method(self: ObservedProxy, *args: Any, **kwargs: Any) -> Any:
            key, value = mutate(self, op, perform, args, kwargs)
            return key, child_of(_node(self), None, value)

    elif name in IN_PLACE_OPERATORS:

        def method(self: ObservedProxy, *args: Any, **kwargs: Any) -> Any:
            result = mutate(self, op, perform, args, kwargs)
            return self if result is None else result

    else:

        def method(self: ObservedProxy, *args: Any, **kwargs: Any) -> Any:
            return mutate(self, op, perform, args, kwargs)

    method.__name__ = name
    method.__qualname__ = name
    method.__doc__ = row.doc or f"Perform ``{name}`` and record what it changed."
    return method


# -- overridden mutators: run the user's own code, record the difference ----------------------
State = Any
Capture = Callable[[Any], State]
Diff = Callable[[Any, State], EffectRecord | None]


def diff_method(name: str) -> Callable[..., Any]:
    """Return a method that runs the value's own ``name`` and records the difference it made."""
    op = name.strip("_") if name.startswith("__") else name

    def perform(target: Any, *args: Any, **kwargs: Any) -> Outcome:
        proxy_class = _kind_of(target)
        args = tuple(unwrap_deep(arg) for arg in args)
        kwargs = {key: unwrap_deep(value) for key, value in kwargs.items()}
        before = proxy_class.capture(target)
        attributes = _storage(target)
        try:
            result = getattr(type(target), name)(target, *args, **kwargs)
        except BaseException:
            proxy_class.restore(target, before)
            raise
        steps = [proxy_class.diff(target, before)]
        steps += _storage_diff(attributes, _storage(target))
        recorded = tuple(snapshot_value(arg) for arg in args)
        return result, recorded, combine(step for step in steps if step is not None)

    def method(self: ObservedProxy, *args: Any, **kwargs: Any) -> Any:
        result = mutate(self, op, perform, args, kwargs)
        node = _node(self)
        if result is node.target:
            return self
        if name in type(self).mutators:
            return child_of(node, None, result)  # taken out of the container: tracked if moved
        found = node.journal.nodes.get(id(result))
        proxy = None if found is None else found()
        return result if proxy is None else proxy

    method.__name__ = name
    method.__qualname__ = name
    method.__doc__ = f"Run the value's own ``{name}`` and record what it changed."
    return method


def _call_recorded(proxy: ObservedProxy, name: str, *args: Any, **kwargs: Any) -> Any:
    return diff_method(name)(proxy, *args, **kwargs)


def _kind_of(target: Any) -> Any:
    return proxy_class_for(type(target))


def _storage(target: Any) -> dict[str, Any]:
    own = getattr(target, "__dict__", None)
    return {} if own is None else {k: v for k, v in own.items() if not _is_dunder(k)}


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _storage_diff(before: dict[str, Any], after: dict[str, Any]) -> list[EffectRecord]:
    steps: list[EffectRecord] = []
    for name, old in before.items():
        new = after.get(name, MISSING)
        if new is not old:
            steps.append(Attr("attr", name, snapshot_value(old), snapshot_value(new)))
    for name, new in after.items():
        if name not in before:
            steps.append(Attr("attr", name, MISSING, snapshot_value(new)))
    return steps


def storage_diff(before: dict[str, Any], target: Any) -> list[EffectRecord]:
    """Return attribute effects for what changed in ``target``'s own storage since ``before``."""
    return _storage_diff(before, _storage(target))


def storage_of(target: Any) -> dict[str, Any]:
    """Return a shallow copy of what ``target`` stores in its ``__dict__`` (dunders left out)."""
    return _storage(target)


def observed_items(node: Node, pairs: Iterable[tuple[Any, Any]]) -> Iterator[Any]:
    """Yield each value of ``(key, value)`` pairs as reached from ``node``."""
    for key, value in pairs:
        yield value if type(value) in SCALAR_TYPES else child_of(node, key, value)
