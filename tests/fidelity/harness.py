"""The differential harness of the fidelity battery: plain Python is the oracle.

A *program* is a generator function ``program(root)``; each ``yield`` ends one step
(the yielded value, if any, is that step's result and is compared too). The same program
runs on a plain deep copy of the initial value and on an observed deep copy. After every
step the two values must be indistinguishable (:func:`exact`), the journal must have
moved exactly when the value changed, and the raw tree must hold no proxy. At the end the
journal must replay onto a copy of the initial value, undo back to it, and (for JSON
programs) agree with the ``jsonpatch`` library.
"""

from __future__ import annotations

import collections
import contextlib
import pathlib
import re
import sys
from collections.abc import Callable, Generator, Iterator
from typing import Any

import jsonpatch

import observable
from observable import Journal, SharedDefault, observe_shared
from observable.effects import Reorder, Sequence
from observable.proxies.base import unwrap as peek

__all__ = [
    "Program",
    "assert_well_formed",
    "differential",
    "exact",
    "no_proxy_inside",
    "proxies_inside",
    "run_plain",
    "sharing",
]


class _Sharing:
    """Whether :func:`differential` observes the root as a copy-on-write session of a shared
    default (``tests/fidelity/conftest.py`` runs each differential test both ways)."""

    on = False


sharing = _Sharing()

Program = Callable[[Any], Generator[Any, None, None] | Iterator[Any]]

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_SCALARS = (type(None), bool, int, float, complex, str, bytes)


_TESTS = str(pathlib.Path(__file__).resolve().parents[1])


def _is_user_class(kind: type) -> bool:
    """Tell whether ``kind`` was defined by the test suite (a user's class, not a library's)."""
    module = sys.modules.get(kind.__module__)
    where = getattr(module, "__file__", None) or ""
    return str(pathlib.Path(where).resolve()).startswith(_TESTS) if where else False


def exact(value: Any) -> Any:
    """Return a fingerprint of ``value`` that is equal only for indistinguishable values.

    Types count at every level; scalars compare by ``repr`` (so ``-0.0`` is not ``0.0``,
    ``Decimal("1.00")`` is not ``Decimal("1.0")``, and a datetime's zone and fold count);
    dict key order counts; set members compare as a set of fingerprints. Objects of the
    test suite's own classes compare by their attributes; anything else by type and
    ``repr`` (memory addresses removed). Proxies are unwrapped at every level.
    """
    versions: dict[int, Any] = {}
    if observable.is_observed(value):
        session = observable.journal_of(value).shared
        versions = {} if session is None else session.versions
    return _exact(value, set(), versions)


def _attributes(value: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind in type(value).__mro__:
        for name in vars(kind).get("__slots__", ()) if "__slots__" in vars(kind) else ():
            if isinstance(name, str) and name not in ("__dict__", "__weakref__"):
                with contextlib.suppress(AttributeError):
                    found[name] = object.__getattribute__(value, name)
    with contextlib.suppress(AttributeError):
        found.update(object.__getattribute__(value, "__dict__"))
    return {k: v for k, v in found.items() if not k.startswith("__pydantic")}


def _exact(value: Any, active: set[int], versions: dict[int, Any]) -> Any:
    # The raw tree as it is, so that a shared session's parts stay shared; a place that still
    # holds a default object the session copied reads as the copy, as the proxies read it.
    value = peek(value)
    value = versions.get(id(value), value)
    kind = type(value)
    if kind in _SCALARS or (not _is_container(value) and not _is_user_class(kind)):
        return (kind.__qualname__, _ADDRESS.sub("", repr(value)))
    if id(value) in active:
        return (kind.__qualname__, "<cycle>")
    active.add(id(value))
    try:
        if isinstance(value, dict):
            inner: Any = [
                (_exact(k, active, versions), _exact(v, active, versions)) for k, v in value.items()
            ]
            if isinstance(value, collections.defaultdict):
                inner.append(("default_factory", repr(value.default_factory)))
        elif isinstance(value, list | tuple | collections.deque):
            inner = [_exact(item, active, versions) for item in value]
            if isinstance(value, collections.deque):
                inner.append(("maxlen", value.maxlen))
        elif isinstance(value, set | frozenset):
            inner = sorted(repr(_exact(item, active, versions)) for item in value)
        elif isinstance(value, bytearray):
            inner = bytes(value)
        else:
            inner = []
        if _is_user_class(kind):
            inner = (
                inner,
                sorted(
                    (name, _exact(item, active, versions))
                    for name, item in _attributes(value).items()
                ),
            )
        return (kind.__module__, kind.__qualname__, inner)
    finally:
        active.discard(id(value))


def _is_container(value: Any) -> bool:
    return isinstance(value, dict | list | tuple | set | frozenset | bytearray | collections.deque)


def proxies_inside(value: Any) -> list[str]:
    """Return the places (as text) where the raw tree under ``value`` holds a proxy."""
    found: list[str] = []
    _walk(peek(value), "", found, set())
    return found


def _walk(value: Any, where: str, found: list[str], seen: set[int]) -> None:
    if observable.is_observed(value):
        found.append(where or "<root>")
        return
    if type(value) in _SCALARS or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in list(value.items()):
            if observable.is_observed(key):
                found.append(f"{where}<key {key!r}>")
            _walk(item, f"{where}[{key!r}]", found, seen)
    elif isinstance(value, list | tuple | collections.deque | set | frozenset):
        for index, item in enumerate(list(value)):
            _walk(item, f"{where}[{index}]", found, seen)
    elif _is_user_class(type(value)):
        for name, item in _attributes(value).items():
            _walk(item, f"{where}.{name}", found, seen)


def no_proxy_inside(value: Any) -> None:
    """Assert that the raw tree under ``value`` holds no proxy of any journal."""
    found = proxies_inside(value)
    assert not found, f"the raw value holds proxies at {found}"


def _reorders(effect: Any) -> list[Reorder]:
    if isinstance(effect, Sequence):
        return [found for step in effect.steps for found in _reorders(step)]
    return [effect] if isinstance(effect, Reorder) else []


def assert_well_formed(changes: tuple[observable.Change, ...]) -> None:
    """Assert that every recorded key reorder names each key once, before and after."""
    for change in changes:
        for reorder in _reorders(change.effect):
            old, new = reorder.old_keys, reorder.new_keys
            assert len(set(old)) == len(old) == len(new) == len(set(new)), (change, reorder)
            assert set(old) == set(new), (change, reorder)


def _steps(program: Program, root: Any) -> Iterator[tuple[Any, BaseException | None]]:
    """Run ``program`` step by step; yield each step's (result, error)."""
    iterator = iter(program(root))
    while True:
        try:
            result = next(iterator)
        except StopIteration:
            return
        except Exception as error:
            yield None, error
            return
        yield result, None


def run_plain(initial: Any, program: Program) -> Any:
    """Run ``program`` on a plain deep copy of ``initial`` and return the value."""
    plain = observable.snapshot(initial)
    for _ in _steps(program, plain):
        pass
    return plain


def differential(
    initial: Any,
    program: Program,
    *,
    json: bool = False,
    json_document: bool = False,
    copyable: bool = True,
    strict_noop: bool = True,
    aliases: bool = False,
) -> tuple[Any, tuple[observable.Change, ...]]:
    """Run ``program`` on plain and observed copies of ``initial`` and check every promise.

    ``json``: the program keeps the value JSON, so ``jsonpatch`` must agree with our
    patch applied to the initial value. ``json_document``: compare through
    :func:`observable.to_json_document` instead (non-JSON values). ``copyable=False``: the
    final value holds members that cannot be deep-copied, so undo runs through the proxy.
    ``strict_noop=False``: an entry for a write that changed nothing visible is tolerated
    (the issue lets the core choose, for some containers, and document its choice).
    ``aliases=True``: the program puts one object at two places; replay and undo are not
    compared, because a journal replays an alias as two equal copies (a documented limit).
    Initial values are copied with :func:`observable.snapshot`, which runs no container
    subclass's own code (``copy.deepcopy`` would run an overridden ``append``).
    Return the observed proxy and its journal's changes.
    """
    plain = observable.snapshot(initial)
    journal = Journal(maxlen=None)
    if sharing.on:
        # The root reads a default that a second session shares too: neither the default nor
        # the other session may ever see this session's edits.
        default = SharedDefault(observable.snapshot(initial))
        pristine = exact(default.value)
        proxy = observe_shared(default, journal)
        other = observe_shared(default, Journal(maxlen=None))
    else:
        proxy = observable.observe(observable.snapshot(initial), journal)
    plain_steps = _steps(program, plain)
    observed_steps = _steps(program, proxy)
    step = 0
    while True:
        before = exact(plain)
        snapshot_before = observable.snapshot(proxy)
        version = journal.version
        plain_step = next(plain_steps, None)
        observed_step = next(observed_steps, None)
        step += 1
        if plain_step is None or observed_step is None:
            assert plain_step is None and observed_step is None, (
                f"step {step}: one run ended early (plain {plain_step}, observed {observed_step})"
            )
            break
        (plain_result, plain_error), (observed_result, observed_error) = plain_step, observed_step
        assert type(observed_error) is type(plain_error), (
            f"step {step}: raised {observed_error!r}, plain Python {plain_error!r}"
        )
        if plain_error is not None and exact(proxy) == before != exact(plain):
            # Plain Python kept part of an operation that raised; observable's rule is that a
            # raising operation leaves the value untouched (docs/observed.md). The runs part
            # here: the journal must hold nothing for the step, then the final checks run on
            # the observed value.
            assert not journal.since(version), f"step {step}: raised, yet recorded changes"
            plain = observable.snapshot(proxy)
            break
        assert exact(observed_result) == exact(plain_result), f"step {step}: different result"
        assert exact(proxy) == exact(plain), (
            f"step {step}: observed value {observable.unwrap(proxy)!r} differs from plain {plain!r}"
        )
        no_proxy_inside(proxy)
        if sharing.on:
            assert exact(default.value) == pristine, f"step {step}: the shared default changed"
            assert exact(other) == pristine, f"step {step}: another session sees the edits"
        changed = exact(plain) != before
        recorded = journal.since(version)
        if recorded and not changed:
            # Several operations in one step may undo each other (pop, then put back): the
            # entries are right if, replayed, they change nothing either.
            net = observable.apply(observable.snapshot(snapshot_before), recorded)
            recorded = recorded if exact(net) != before else ()
        assert changed == bool(recorded) or (not strict_noop and not changed), (
            f"step {step}: value {'changed' if changed else 'did not change'} "
            f"but the journal recorded {[change.op for change in recorded]}"
        )
        if recorded and copyable and not aliases:
            undone = observable.apply(observable.snapshot(proxy), observable.invert(recorded))
            assert exact(undone) == before, f"step {step}: its undo gives {undone!r}"
    changes = journal.since(0)
    assert_well_formed(changes)
    if not aliases:
        replayed = observable.apply(observable.snapshot(initial), changes)
        assert exact(replayed) == exact(plain), f"replay gives {replayed!r}, plain {plain!r}"
    if copyable and not aliases:
        restored = observable.apply(observable.snapshot(proxy), observable.invert(changes))
        assert exact(restored) == exact(initial), f"undo gives {restored!r}, not {initial!r}"
    elif not aliases:
        observable.apply(proxy, observable.invert(changes))
        assert exact(proxy) == exact(initial), f"undo gives {proxy!r}, not {initial!r}"
    if json and not aliases:
        patched = jsonpatch.apply_patch(
            observable.snapshot(initial), observable.to_json_patch(changes)
        )
        assert exact(patched) == exact(plain), f"jsonpatch gives {patched!r}, plain {plain!r}"
    if json_document and not aliases:
        document = observable.to_json_document(initial)
        patched = jsonpatch.apply_patch(document, observable.to_json_patch(changes))
        assert patched == observable.to_json_document(plain), f"jsonpatch gives {patched!r}"
    return proxy, changes


def assert_replays_and_undoes(
    initial: Any, proxy: Any, changes: tuple[observable.Change, ...]
) -> None:
    """Replaying ``changes`` on a copy of ``initial`` gives the value; inverting them on a copy
    of the value gives ``initial`` back."""
    replayed = observable.apply(observable.snapshot(initial), changes)
    assert exact(replayed) == exact(proxy), f"replay gives {replayed!r}"
    restored = observable.apply(observable.snapshot(proxy), observable.invert(changes))
    assert exact(restored) == exact(initial), f"undo gives {restored!r}, not {initial!r}"


def isolated(check: Callable[[], None]) -> None:
    """Run ``check`` in a forked child, so that a crash (a segfault in a C extension handed
    a proxy) fails this test instead of killing the whole run; re-raise its failure here."""
    import os
    import signal
    import traceback

    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(reader)
        code = 0
        try:
            check()
        except BaseException:
            os.write(writer, traceback.format_exc().encode()[-4000:])
            code = 1
        os.close(writer)
        os._exit(code)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        report = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        raise AssertionError(f"the process crashed with {name}")
    assert os.WEXITSTATUS(status) == 0, report
