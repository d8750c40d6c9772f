"""The common shape of an approach under test, plus the two references: raw Python and observable.

An adapter turns a plain value into a :class:`Tracked` value. The workload's body then runs
through ``Tracked.run(body)``, which hands the body the object to use (the raw value, a proxy,
or a draft) and does whatever the approach needs once per batch (for example a scheduler
flush). ``Tracked.poll()`` returns how many changes the approach noticed since the last poll.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench.timing import NotApplicable

Step = Callable[[Any], object]
"""A workload body: receives the tracked root and performs operations on it."""


@dataclass
class Tracked:
    """A value made observable by one approach, with its per-batch runner and change counter."""

    root: Any
    run: Callable[[Step], object]
    poll: Callable[[], int] | None = None
    keep: list[Any] = field(default_factory=list)  # objects that must stay alive (watchers)


class Adapter(Protocol):
    """An approach under test: raw Python, observable, or a peer library."""

    name: str

    def unavailable(self) -> str | None:
        """Return why the approach cannot run at all, or None when it can."""
        ...

    def track(self, value: Any) -> Tracked:
        """Make the value observable (untimed); raise NotApplicable when unsupported."""
        ...


def version_of(distribution: str) -> str:
    """Return the installed version of a distribution, or 'not installed'."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


class RawAdapter:
    """Plain Python objects: the floor every other approach is compared with."""

    name = "raw Python"

    def unavailable(self) -> str | None:
        """Raw Python is always available."""
        return None

    def track(self, value: Any) -> Tracked:
        """Return the value itself; nothing is noticed."""

        def run(step: Step) -> object:
            return step(value)

        return Tracked(root=value, run=run)


class ObservableAdapter:
    """This project: ``observe(value, journal=Journal(maxlen=None))``; the journal counts."""

    name = "observable"

    def __init__(self) -> None:
        """Import the core lazily so the bench runs before the core exists."""
        self._observe: Callable[..., Any] | None = None
        self._journal_class: Callable[..., Any] | None = None
        self._reason: str | None = None
        try:
            module = importlib.import_module("observable")
            self._observe = module.observe
            self._journal_class = module.Journal
        except Exception as exc:
            self._reason = f"core not importable yet ({type(exc).__name__}: {exc})"

    def unavailable(self) -> str | None:
        """Return why the core cannot be used, or None."""
        return self._reason

    def track(self, value: Any) -> Tracked:
        """Observe the value with a fresh unbounded journal."""
        if self._observe is None or self._journal_class is None:
            raise NotApplicable(self._reason or "core not importable yet")
        journal = self._journal_class(maxlen=None)
        proxy = self._observe(value, journal=journal)
        if proxy is value:
            raise NotApplicable(f"observe() returned a raw {type(value).__name__}")
        last: int = journal.version

        def run(step: Step) -> object:
            return step(proxy)

        def poll() -> int:
            nonlocal last
            current: int = journal.version
            noticed, last = current - last, current
            return noticed

        return Tracked(root=proxy, run=run, poll=poll, keep=[journal])

    def track_store(self, value: dict[str, Any]) -> Tracked:
        """Put the value's keys in a fresh ``Store`` with one no-op subscriber per key."""
        module = importlib.import_module("observable")
        store = module.Store(retention=None)
        for key, item in value.items():
            store[key] = item
            store.subscribe(key, lambda key, changes: None)
        journal = store.journal
        last: int = journal.version

        def run(step: Step) -> object:
            return step(store)

        def poll() -> int:
            nonlocal last
            current: int = journal.version
            noticed, last = current - last, current
            return noticed

        return Tracked(root=store, run=run, poll=poll, keep=[journal])
