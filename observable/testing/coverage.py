"""Check that every observable change of a user's type produces a journal entry, and back."""

from __future__ import annotations

import collections
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..journal import Journal
from ..observe import observe, unwrap
from ..values import SCALAR_TYPES, instance_attributes
from .strategies import scalars

__all__ = ["MutationNotTracked", "assert_mutations_tracked", "structure"]


class MutationNotTracked(AssertionError):
    """A change happened with no journal entry, or an entry was recorded with no change."""


def structure(value: Any) -> Any:
    """Return a comparable fingerprint of ``value``: its types and contents, scalars by type
    and ``repr``. Two fingerprints are equal exactly when nothing changed that anyone can
    tell apart (``-0.0`` from ``0.0``, ``1`` from ``True``), which is the journal's rule."""
    return _structure(unwrap(value), set())


def _structure(value: Any, active: set[int]) -> Any:
    kind = type(value)
    if kind in SCALAR_TYPES:
        return (kind, repr(value))
    identity = id(value)
    if identity in active:
        return ("cycle", identity)
    active.add(identity)
    try:
        if isinstance(value, Mapping):
            inner: Any = [(key, _structure(item, active)) for key, item in value.items()]
            if isinstance(value, collections.defaultdict):
                inner.append(("default_factory", value.default_factory))
        elif isinstance(value, list | tuple | collections.deque):
            inner = [_structure(item, active) for item in value]
            if isinstance(value, collections.deque):
                inner.append(("maxlen", value.maxlen))
        elif isinstance(value, bytearray):
            inner = bytes(value)
        elif isinstance(value, set | frozenset):
            inner = sorted(repr(_structure(item, active)) for item in value)
        else:
            inner = [
                (name, _structure(item, active))
                for name, item in sorted(instance_attributes(value).items())
            ]
        return (kind, inner)
    finally:
        active.discard(identity)


def _public_methods(instance: Any) -> list[str]:
    names = []
    for name, member in inspect.getmembers(type(instance)):
        if name.startswith("_") or isinstance(member, property):
            continue
        if callable(member) and not isinstance(member, type):
            names.append(name)
    return names


def _parameter_count(function: Callable[..., Any]) -> int:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return 1
    return sum(
        1
        for parameter in parameters
        if parameter.default is inspect.Parameter.empty
        and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    )


def assert_mutations_tracked(
    factory: Callable[[], Any],
    *,
    methods: list[str] | None = None,
    arguments: Mapping[str, st.SearchStrategy[tuple[Any, ...]]] | None = None,
    attributes: list[str] | None = None,
    values: st.SearchStrategy[Any] | None = None,
    max_examples: int = 200,
    max_calls: int = 12,
) -> None:
    """Fail with a minimal example when an object from ``factory`` changes untracked.

    Random sequences of calls run on an observed object: its public methods (or
    ``methods``), with arguments drawn from ``arguments[name]`` (a strategy of tuples)
    or from ``values``, and writes of ``attributes``. After every call the object's
    :func:`structure` is compared with the journal: a change with no entry, or an entry
    with no change, raises :class:`MutationNotTracked` (after Hypothesis shrinks it).
    """
    sample = factory()
    names = list(methods) if methods is not None else _public_methods(sample)
    writable = list(attributes) if attributes is not None else []
    value_strategy = scalars() if values is None else values
    argument_strategies = dict(arguments or {})
    for name in names:
        if name not in argument_strategies:
            count = _parameter_count(getattr(sample, name))
            argument_strategies[name] = st.tuples(*[value_strategy] * count)
    calls = [st.tuples(st.just(("call", name)), argument_strategies[name]) for name in names]
    calls += [st.tuples(st.just(("set", name)), st.tuples(value_strategy)) for name in writable]
    if not calls:
        raise ValueError("nothing to exercise: give methods= or attributes=")

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    @given(st.lists(st.one_of(calls), min_size=1, max_size=max_calls))
    def run(program: list[tuple[tuple[str, str], tuple[Any, ...]]]) -> None:
        journal = Journal(maxlen=None)
        proxy = observe(factory(), journal)
        for step, ((action, name), args) in enumerate(program, start=1):
            before = structure(proxy)
            version = journal.version
            error: BaseException | None = None
            try:
                if action == "call":
                    getattr(proxy, name)(*args)
                else:
                    setattr(proxy, name, args[0])
            except Exception as raised:
                error = raised
            changed = structure(proxy) != before
            recorded = journal.since(version)
            where = f"step {step}: {action} {name}{args!r}" + (
                f" raised {error!r}" if error else ""
            )
            if changed and not recorded:
                raise MutationNotTracked(f"{where} changed the object but recorded nothing")
            if recorded and not changed:
                ops = [change.op for change in recorded]
                raise MutationNotTracked(f"{where} recorded {ops} but changed nothing")

    run()
