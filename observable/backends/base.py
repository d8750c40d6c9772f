"""The backend interface, and choosing a backend from a URL."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..engine import StoreEngine

__all__ = ["Backend", "BackendUnavailable", "backend_from_url", "register_backend"]

STORE_URL_VARIABLE = "OBSERVABLE_STORE_URL"
"""The environment variable a store reads its backend URL from."""


class BackendUnavailable(RuntimeError):
    """The backend cannot be reached; the change that needed it was rolled back."""


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


_schemes: dict[str, str | Callable[[str], Backend]] = {
    "memory": "observable.backends.memory:MemoryBackend.from_url",
    "sqlite": "observable.backends.sqlite:SQLiteBackend.from_url",
    "redis": "observable.backends.redis:RedisBackend.from_url",
    "rediss": "observable.backends.redis:RedisBackend.from_url",
}


def register_backend(scheme: str, factory: Callable[[str], Backend]) -> None:
    """Make ``backend_from_url`` build ``factory(url)`` for URLs of ``scheme``."""
    _schemes[scheme] = factory


def backend_from_url(url: str) -> Backend:
    """Return the backend a URL names: ``memory://``, ``sqlite:///path``, ``redis://host/0``."""
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
            raise ValueError(f"the {scheme}:// backend is not available: {error}") from error
        target: Any = module
        for part in attribute.split("."):
            target = getattr(target, part)
        factory = target
    return factory(url)
