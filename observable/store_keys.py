"""Which store keys a change touched."""

from __future__ import annotations

from .change import Change, Effect

__all__ = ["keys_of"]


def keys_of(change: Change) -> tuple[str, ...]:
    """Return the top-level keys a change touched: its path's first element, or the keys
    its effect adds, replaces or removes at the root."""
    if change.path:
        return (change.path[0],)
    return tuple(_effect_keys(change.effect))


def _effect_keys(effect: Effect) -> list[str]:
    kind = effect[0]
    if kind == "item":
        return [effect[1]]
    if kind == "sequence":
        return [key for step in effect[1] for key in _effect_keys(step)]
    return []
