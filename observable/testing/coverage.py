"""Check that every observable change of a user's type produces a journal entry, and back."""

from __future__ import annotations

import collections
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..journal import Journal
from ..observe import observe, snapshot, unwrap
from ..patch import apply
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
            attributes = instance_attributes(value)
            if not attributes and not hasattr(value, "__dict__"):
                inner = ("opaque", repr(value))  # C-level state: seen only through repr
            else:
                inner = [
                    (name, _structure(item, active)) for name, item in sorted(attributes.items())
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


def _arguments(function: Callable[..., Any], values: st.SearchStrategy[Any]) -> Any:
    """A strategy of (args, kwargs) for ``function``: required ones always, optional ones often."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return st.tuples(st.tuples(values), st.just({}))
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(1 for p in positional if p.default is inspect.Parameter.empty)
    keyword_only = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
    args = st.integers(required, len(positional)).flatmap(
        lambda count: st.tuples(*[values] * count)
    )
    kwargs = st.fixed_dictionaries({}, optional={name: values for name in keyword_only})
    return st.tuples(args, kwargs)


def _describe(value: Any) -> str:
    plain = unwrap(value)
    if type(plain) in SCALAR_TYPES or isinstance(plain, Mapping | list | tuple | set):
        return repr(plain)
    return f"{type(plain).__name__}({instance_attributes(plain)!r})"


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
    or from ``values`` (optional and keyword-only parameters included), and writes of
    ``attributes``. After every call, replaying the journal's new entries onto a copy
    taken before the call must give the object as it is now: a change with no entry,
    or an entry that changed nothing, raises :class:`MutationNotTracked` with the
    object before and after (once Hypothesis has shrunk it). A method that raised on
    every call also fails the check: it was never exercised.
    """
    sample = factory()
    names = list(methods) if methods is not None else _public_methods(sample)
    writable = list(attributes) if attributes is not None else []
    value_strategy = scalars() if values is None else values
    given_arguments = dict(arguments or {})
    strategies = {
        name: (
            st.tuples(given_arguments[name], st.just({}))
            if name in given_arguments
            else _arguments(getattr(sample, name), value_strategy)
        )
        for name in names
    }
    calls = [st.tuples(st.just(("call", name)), strategies[name]) for name in names]
    calls += [
        st.tuples(st.just(("set", name)), st.tuples(st.tuples(value_strategy), st.just({})))
        for name in writable
    ]
    if not calls:
        raise ValueError("nothing to exercise: give methods= or attributes=")
    completed: set[str] = set()
    last_errors: dict[str, BaseException] = {}

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    @given(st.lists(st.one_of(calls), min_size=1, max_size=max_calls))
    def run(program: list[tuple[tuple[str, str], tuple[tuple[Any, ...], dict[str, Any]]]]) -> None:
        journal = Journal(maxlen=None)
        proxy = observe(factory(), journal)
        for step, ((action, name), (args, kwargs)) in enumerate(program, start=1):
            before = structure(proxy)
            copy_before = snapshot(proxy)
            version = journal.version
            error: BaseException | None = None
            try:
                if action == "call":
                    getattr(proxy, name)(*args, **kwargs)
                else:
                    setattr(proxy, name, args[0])
                completed.add(name)
            except Exception as raised:
                error = raised
                last_errors[name] = raised
            after = structure(proxy)
            recorded = journal.since(version)
            call = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
            where = f"step {step}: {action} {name}({call})" + (
                f" raised {error!r}" if error else ""
            )
            diff = f"\n  before: {_describe(copy_before)}\n  after:  {_describe(proxy)}"
            if after != before and not recorded:
                raise MutationNotTracked(f"{where} changed the object but recorded nothing{diff}")
            try:
                replayed = structure(apply(copy_before, recorded))
            except Exception as failure:
                raise MutationNotTracked(
                    f"{where}: its entries do not replay: {failure}{diff}"
                ) from failure
            if replayed != after:
                raise MutationNotTracked(
                    f"{where}: its entries {[c.op for c in recorded]} do not account for "
                    f"the change{diff}\n  replayed: {_describe(copy_before)}"
                )
            if len(recorded) == 1 and after == before:
                raise MutationNotTracked(f"{where} recorded {recorded[0].op!r} but changed nothing")

    run()
    never = [name for name in names + writable if name not in completed]
    if never:
        details = "; ".join(f"{name}: {last_errors.get(name)!r}" for name in never)
        raise MutationNotTracked(f"never completed a call, so never checked: {details}")
