"""The backend interface, and choosing a backend from a URL."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ObservableError

if TYPE_CHECKING:
    from ..engine import StoreEngine

__all__ = [
    "Backend",
    "BackendUnavailable",
    "BatchConflict",
    "LockLost",
    "StateReloaded",
    "backend_from_url",
    "register_backend",
]

STORE_URL_VARIABLE = "OBSERVABLE_STORE_URL"
"""The environment variable a store reads its backend URL from."""


class BackendUnavailable(ObservableError, RuntimeError):
    """The backend cannot be reached; the change that needed it was rolled back."""


class StateReloaded(BackendUnavailable):
    """The store reloaded its whole state from the backend while a write waited.

    The write was rolled back (the proxy it went through may now be detached): read the
    value from the store again and retry.
    """


class LockLost(ObservableError, RuntimeError):
    """The lease of a shared ``store.lock(key)`` expired or was taken over.

    A change made while the lease was lost is refused (and rolled back); leaving the
    ``with`` block raises it, because the block did not run alone.
    """


class BatchConflict(ObservableError, RuntimeError):
    """Another process changed the same keys while a ``store.batch()`` was open.

    The whole batch was rolled back and the other process's changes applied. Hold
    ``store.lock(key)`` around batches on keys that other processes also write.
    """


class Backend:
    """Keeps a store's state somewhere: loads it on attach, then keeps it in sync.

    A backend sees every local change through the journal's commit hook (it may refuse
    one, which rolls it back), and feeds changes made elsewhere to
    :meth:`StoreEngine.apply_remote`.
    """

    def attach(self, engine: StoreEngine) -> None:
        """Load the stored state into ``engine`` and start keeping it in sync."""

    def close(self) -> None:
        """Stop syncing and release connections."""

    def lock(self, key: str) -> AbstractContextManager[Any] | None:
        """Return a lock for ``key`` shared by every process, or ``None`` for a local lock."""
        return None

    def quarantined(self) -> dict[Any, Any]:
        """Return the store keys held back because a stored entry was refused (none here).

        See ``observable.backends.quarantine`` and ``docs/backends.md``.
        """
        return {}

    def batch(self) -> AbstractContextManager[None] | None:
        """Return a context that commits the changes made in it together, or ``None``.

        ``None`` means the backend has nothing to group, and the store just groups
        notifications (:meth:`Journal.batch`).
        """
        return None


_schemes: dict[str, str | Callable[..., Backend]] = {
    "memory": "observable.backends.memory:MemoryBackend.from_url",
    "sqlite": "observable.backends.sqlite:SQLiteBackend.from_url",
    "redis": "observable.backends.redis:RedisBackend.from_url",
    "rediss": "observable.backends.redis:RedisBackend.from_url",
}


def register_backend(scheme: str, factory: Callable[[str], Backend]) -> None:
    """Make ``backend_from_url`` build ``factory(url)`` for URLs of ``scheme``."""
    _schemes[scheme] = factory


def backend_from_url(url: str, **options: Any) -> Backend:
    """Return the backend a URL names: ``memory://``, ``sqlite:///path``, ``redis://host/0``.

    ``options`` (``codec=``) go to the backend's ``from_url``; a URL itself can never turn
    on pickle, which is a choice made in code.
    """
    scheme = urlsplit(url).scheme
    factory = _schemes.get(scheme)
    if factory is None:
        known = ", ".join(f"{name}://" for name in sorted(_schemes))
        raise ValueError(f"unknown store URL scheme {scheme!r} in {url!r}; known: {known}")
    if isinstance(factory, str):
        module_name, _, attribute = factory.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            hint = ': pip install "observable-journal[redis]"' if scheme.startswith("redis") else ""
            raise ValueError(f"the {scheme}:// backend is not available ({error}){hint}") from error
        target: Any = module
        for part in attribute.split("."):
            target = getattr(target, part)
        factory = target
    return factory(url, **options)
