"""The proxy base class, child creation, and the one code path every mutation goes through."""

from __future__ import annotations

import copy
import types
from collections.abc import Callable
from typing import Any, ClassVar

import wrapt

from ..change import Effect
from ..journal import Conflict, Journal
from ..registry import proxy_class_for
from ..values import SCALAR_TYPES
from .nodes import MappingNode, Node, new_node, resolve_path

__all__ = [
    "PROXY_TYPES",
    "ObservedProxy",
    "child_of",
    "handle_refusal",
    "make_proxy",
    "mutate",
    "node_of",
    "roll_back",
    "unwrap",
]

PROXY_TYPES: set[type] = set()
"""Every concrete proxy class; ``type(x) in PROXY_TYPES`` is the fastest proxy test."""


class ObservedProxy(wrapt.ObjectProxy[Any]):
    """Base of every observable proxy: transparent, and plain again under copy and pickle.

    All proxy-private state lives in one ``_self_node`` slot (wrapt's reserved prefix),
    because every attribute read on a Python subclass of a wrapt proxy is costly.
    """

    __slots__ = ("_self_node",)

    node_class: ClassVar[type[Node]] = MappingNode
    """The node class that finds this proxy's children in its container."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        PROXY_TYPES.add(cls)

    def __wrapped_setattr_fixups__(self) -> None:
        """Called by wrapt after ``__wrapped__`` is set; nothing to fix up."""

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
        # Methods that user subclasses define in Python run with ``self`` bound to the
        # proxy, so that the mutations they make are seen.
        node = _node(self)
        value = getattr(node.target, name)
        if type(value) is types.MethodType and value.__self__ is node.target:
            return types.MethodType(value.__func__, self)
        return value


_node: Callable[[Any], Node] = ObservedProxy.__dict__["_self_node"].__get__
_set_node: Callable[[Any, Node], None] = ObservedProxy.__dict__["_self_node"].__set__
_set_wrapped: Callable[[Any, Any], None] = wrapt.BaseObjectProxy.__dict__["__wrapped__"].__set__


def _new_proxy(proxy_class: type[ObservedProxy], target: Any) -> ObservedProxy:
    # wrapt's __init__ copies the target's __doc__ and __module__ into a per-proxy dict
    # (its getattro forwards both anyway); setting __wrapped__ directly skips that cost.
    proxy: ObservedProxy = proxy_class.__new__(proxy_class)
    _set_wrapped(proxy, target)
    return proxy


node_of = _node
"""Return the node behind a proxy (internal)."""


def unwrap(value: Any) -> Any:
    """Return the object behind a proxy, or ``value`` itself when it is not a proxy."""
    if type(value) in PROXY_TYPES:
        return _node(value).target
    return value


def make_proxy(
    proxy_class: type[ObservedProxy],
    target: Any,
    journal: Journal,
    parent: Node | None = None,
    key: Any = None,
) -> ObservedProxy:
    """Create a proxy of ``proxy_class`` around ``target`` with a fresh node."""
    proxy = _new_proxy(proxy_class, target)
    _set_node(proxy, new_node(proxy_class.node_class, proxy, target, journal, parent, key))
    return proxy


def child_of(parent: Node, key: Any, value: Any) -> Any:
    """Return ``value`` as reached from ``parent`` at ``key``: a cached child proxy, or raw."""
    kind = type(value)
    if kind in SCALAR_TYPES:
        return value
    if kind in PROXY_TYPES:
        # A proxy stored inside a plain container: observe its target here instead.
        value = _node(value).target
        kind = type(value)
    children = parent.children
    if children is not None:
        # Cached children are found before the registry is asked: a hit is the common case.
        node = children.get(id(value))
        if node is not None:
            proxy = node()
            if proxy is not None:
                node.key = key
                parent.recent = proxy
                return proxy
    proxy_class = proxy_class_for(kind)
    if proxy_class is None:
        return value
    if children is None:
        children = parent.children = {}
    proxy = _new_proxy(proxy_class, value)
    node = new_node(proxy_class.node_class, proxy, value, parent.journal, parent, key)
    _set_node(proxy, node)
    children[id(value)] = node
    parent.recent = proxy
    return proxy


Mutation = Callable[[Any], tuple[Any, tuple[Any, ...], Effect | None]]
"""Performs an operation on the raw container; returns (result, args, effect or None)."""


def mutate(proxy: ObservedProxy, op: str, perform: Mutation) -> Any:
    """Run ``perform`` on the proxy's target under the journal lock and record its effect.

    ``perform`` must raise before changing anything, or change exactly what its
    effect says. A ``None`` effect (nothing changed) and a detached proxy record nothing.
    When the journal's commit hook refuses the change, the operation is rolled back;
    after a :class:`~observable.journal.Conflict` it runs again on the caught-up value.

    The hottest operations (``append`` of lists and deques, dict item assignment, ``set.add``
    and attribute assignment) inline these steps: a closure and two calls per operation
    are a measurable share of their cost (see ``bench/README.md``).
    """
    node = _node(proxy)
    journal = node.journal
    lock = journal.lock
    while True:
        lock.acquire()
        try:
            path = resolve_path(node)
            result, args, effect = perform(node.target)
            if effect is None or path is None:
                return result
            try:
                change = journal.record(path, op, args, effect)
            except Conflict:
                roll_back(node.target, effect)
                journal.catch_up()
                continue
            except BaseException:
                roll_back(node.target, effect)
                raise
        finally:
            lock.release()
        if journal.subscribed:
            journal.deliver(change)
        return result


def handle_refusal(journal: Journal, target: Any, effect: Effect, error: BaseException) -> None:
    """Roll back an inline change whose recording raised; return only after a conflict.

    After a :class:`~observable.journal.Conflict` the journal has caught up and the
    caller runs its operation again; any other error is re-raised.
    """
    roll_back(target, effect)
    if not isinstance(error, Conflict):
        raise error
    journal.catch_up()


def roll_back(target: Any, effect: Effect) -> None:
    """Undo ``effect`` on the raw container it was made on."""
    from ..patch import apply_effect, invert_effect

    apply_effect(target, invert_effect(effect))
