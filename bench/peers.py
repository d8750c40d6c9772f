"""Adapters that drive peer libraries the way their own docs and sources intend.

- Reflex: a ``rx.State`` subclass with one backend var ``_value: Any``, built without an app
  (``rx.State(_reflex_internal_init=True)``, then its substate). Reading the var returns a
  ``reflex.istate.proxy.MutableProxy``; mutations mark the var dirty in ``dirty_vars``.
- observ: ``reactive(value)`` plus a deep ``watch`` with a counting callback. The global
  scheduler gets a no-op flush request, and ``scheduler.flush()`` runs once per batch, inside
  the timed region.
- patchdiff: ``produce(value, recipe, in_place=True)``, one call per batch; the recipe is the
  workload body and the recorded patches are the changes.

Each peer is imported lazily, so a missing peer only turns its rows into "n/a".
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from bench.adapters import Step, Tracked
from bench.timing import NotApplicable


def _import(module: str) -> tuple[Any, str | None]:
    """Import a module, returning (module, None) or (None, reason)."""
    try:
        return importlib.import_module(module), None
    except Exception as exc:
        return None, f"{module} not importable ({type(exc).__name__}: {exc})"


_STATE_CLASSES: dict[str, Any] = {}


def _bench_state_class(rx: Any) -> Any:
    """Declare (once per process) the ``rx.State`` subclass that holds the benchmark value."""
    if "state" not in _STATE_CLASSES:

        class ObservableBenchState(rx.State):  # type: ignore[misc]
            """One backend var: reflex proxies it like a frontend var, with no type check."""

            _value: Any = None

        _STATE_CLASSES["state"] = ObservableBenchState
    return _STATE_CLASSES["state"]


class ReflexAdapter:
    """Reflex ``MutableProxy`` through a real ``rx.State`` instance, without an app."""

    name = "reflex"

    def __init__(self) -> None:
        """Import reflex and declare the benchmark state class once."""
        self._state_class: Any = None
        self._proxy_class: Any = None
        logging.getLogger("reflex").setLevel(logging.ERROR)
        rx, reason = _import("reflex")
        proxy_module, proxy_reason = _import("reflex.istate.proxy")
        self._reason = reason or proxy_reason
        if rx is None or proxy_module is None:
            return
        self._proxy_class = proxy_module.MutableProxy
        self._rx = rx
        self._state_class = _bench_state_class(rx)

    def unavailable(self) -> str | None:
        """Return why reflex cannot be used, or None."""
        return self._reason

    def track(self, value: Any) -> Tracked:
        """Store the value in a fresh state and return the var's MutableProxy."""
        if self._state_class is None:
            raise NotApplicable(self._reason or "reflex not importable")
        root_state = self._rx.State(_reflex_internal_init=True)
        state = root_state.substates[self._state_class.get_name()]
        state._value = value
        state.dirty_vars.clear()
        proxy = state._value
        if not isinstance(proxy, self._proxy_class):
            raise NotApplicable(
                f"MutableProxy does not wrap {type(value).__name__} (only list, dict, set, "
                "dataclasses and pydantic/SQLAlchemy models), so changes go unseen"
            )

        def run(step: Step) -> object:
            return step(proxy)

        def poll() -> int:
            noticed = len(state.dirty_vars)
            state.dirty_vars.clear()
            return noticed

        return Tracked(root=proxy, run=run, poll=poll, keep=[root_state])


class ObservAdapter:
    """observ ``reactive`` with a deep watcher; the scheduler is flushed once per batch."""

    name = "observ"

    def __init__(self) -> None:
        """Import observ and give its global scheduler a flush request that does nothing."""
        self._observ, self._reason = _import("observ")
        if self._observ is not None:
            # The default request handler raises; we flush by hand inside the timed region.
            self._observ.scheduler.register_request_flush(lambda: None)

    def unavailable(self) -> str | None:
        """Return why observ cannot be used, or None."""
        return self._reason

    def track(self, value: Any) -> Tracked:
        """Make the value reactive and deep-watch it with a counting callback."""
        observ = self._observ
        if observ is None:
            raise NotApplicable(self._reason or "observ not importable")
        proxy = observ.reactive(value)
        if proxy is value:
            raise NotApplicable(
                f"reactive() returns a {type(value).__name__} unproxied (observ proxies exact "
                "dict, list and set only), so changes go unseen"
            )
        count = 0

        def on_change() -> None:
            nonlocal count
            count += 1

        watcher = observ.watch(proxy, on_change, deep=True)
        flush: Callable[[], None] = observ.scheduler.flush

        def run(step: Step) -> object:
            result = step(proxy)
            flush()
            return result

        def poll() -> int:
            nonlocal count
            noticed, count = count, 0
            return noticed

        return Tracked(root=proxy, run=run, poll=poll, keep=[watcher])


class PatchdiffAdapter:
    """patchdiff ``produce(value, recipe, in_place=True)``: one produce call per batch."""

    name = "patchdiff"

    def __init__(self) -> None:
        """Import patchdiff."""
        self._patchdiff, self._reason = _import("patchdiff")

    def unavailable(self) -> str | None:
        """Return why patchdiff cannot be used, or None."""
        return self._reason

    def track(self, value: Any) -> Tracked:
        """Return a runner that wraps each batch in one ``produce`` call."""
        patchdiff = self._patchdiff
        if patchdiff is None:
            raise NotApplicable(self._reason or "patchdiff not importable")
        if not any(hasattr(value, name) for name in ("keys", "append", "add")):
            raise NotApplicable(
                f"produce() accepts dict-, list- or set-like roots only, not {type(value).__name__}"
            )
        produce = patchdiff.produce
        count = 0

        def run(step: Step) -> object:
            nonlocal count
            result: list[object] = []

            def recipe(draft: Any) -> None:
                result.append(step(draft))

            _, patches, _ = produce(value, recipe, in_place=True)
            count += len(patches)
            return result[0] if result else None

        def poll() -> int:
            nonlocal count
            noticed, count = count, 0
            return noticed

        return Tracked(root=value, run=run, poll=poll)


def peer_adapters() -> list[Any]:
    """Return one adapter per peer library (each may report itself unavailable)."""
    return [ReflexAdapter(), ObservAdapter(), PatchdiffAdapter()]
