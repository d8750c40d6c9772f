"""Which store keys a change touched."""

from __future__ import annotations

from .change import Change
from .effects import as_effect

__all__ = ["keys_of"]


def keys_of(change: Change) -> tuple[str, ...]:
    """Return the top-level keys a change touched: its path's first element, or the keys
    its effect adds, replaces or removes at the root."""
    if change.path:
        return (change.path[0],)
    return tuple(as_effect(change.effect).root_keys())
