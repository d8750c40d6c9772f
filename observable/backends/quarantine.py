"""Quarantine: a stored entry that cannot be decoded or applied harms only its own key.

The bad entry stays in the backend, untouched. This process keeps the key's last good
value, applies none of the key's later changes (they were made on a value it does not
have), refuses local writes to the key with :class:`~observable.backends.KeyQuarantined`,
and logs the problem once. Every other key keeps working.

A key is repaired by giving it a whole new value, ``store[key] = value``, or deleting
it, ``del store[key]``, in any process: that change does not depend on the key's
history, so every process applies it and lifts the quarantine. After deploying a missing
class (a process that had not imported a stored dataclass's module), ``store.backend
.reload()`` reads the key again. ``store.backend.quarantined()`` lists what is held.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..change import Change, Effect
from ..store_keys import keys_of
from .errors import CodecError, KeyQuarantined

__all__ = ["Quarantine", "Quarantined", "placeholder", "repaired_keys"]

logger = logging.getLogger("observable.backends")

NOTHING: Effect = ("sequence", ())
"""The effect of a held change: it stands in the journal for a change that was not applied."""


@dataclass
class Quarantined:
    """Why a store key is quarantined (``key`` is None for an entry naming no readable key)."""

    key: Any
    """The store key, or None when the entry could not be read far enough to tell."""
    seq: int | None
    """The seq of the first refused change (None for a snapshot value)."""
    entry: str
    """Where the refused data is stored, for inspection (a journal row, a stream entry...)."""
    error: str
    """The codec's error message."""
    text: str
    """The start of the refused data as stored."""
    since: float = field(default_factory=time.time)
    """When this process quarantined the key (``time.time()``)."""
    held: int = 0
    """How many later changes of the key were held back since."""


def placeholder(seq: int, key: Any) -> Change:
    """Return the journal entry that stands for a held change: it changes nothing."""
    return Change(seq, (key,) if isinstance(key, str) else (), "quarantined", (), NOTHING, None)


def repaired_keys(change: Change) -> set[str]:
    """Return the store keys a change replaces or deletes as a whole (a repair)."""
    if change.path:
        return set()
    effect = change.effect
    steps = effect[1] if effect[0] == "sequence" else (effect,)
    return {step[1] for step in steps if step[0] == "item" and isinstance(step[1], str)}


class Quarantine:
    """The quarantined keys of one backend."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.keys: dict[Any, Quarantined] = {}

    def __bool__(self) -> bool:
        return bool(self.keys)

    def add(self, key: Any, seq: int | None, error: CodecError, text: str) -> None:
        """Quarantine ``key`` (if not already) because of ``error``; log it."""
        if key in self.keys:
            self.keys[key].held += 1
            return
        entry = error.entry or (f"change {seq}" if seq is not None else "snapshot")
        self.keys[key] = Quarantined(key, seq, entry, str(error), text)
        logger.error(
            "observable: %s: store key %r is quarantined: %s. Its other changes are held "
            "back and writes to it refused until it is repaired (assign or delete the key); "
            "every other key keeps working",
            self.where,
            key,
            error,
        )

    def holds(self, change: Change) -> bool:
        """Tell whether ``change`` touches a quarantined key (and does not repair it)."""
        if not self.keys:
            return False
        touched = keys_of(change)
        repaired = repaired_keys(change)
        return any(key in self.keys and key not in repaired for key in touched)

    def hold(self, change: Change) -> Change:
        """Count ``change`` as held back and return its placeholder."""
        for key in keys_of(change):
            if key in self.keys:
                self.keys[key].held += 1
        return placeholder(change.seq, change.path[0] if change.path else None)

    def lift(self, keys: Iterable[str]) -> None:
        """Lift the quarantine of ``keys`` (they were given a whole new value)."""
        for key in keys:
            if self.keys.pop(key, None) is not None:
                logger.warning("observable: %s: store key %r was repaired", self.where, key)

    def refuse_local(self, change: Change) -> None:
        """Raise :class:`KeyQuarantined` when a local change writes into a quarantined key."""
        if self.holds(change):
            key = next(key for key in keys_of(change) if key in self.keys)
            raise KeyQuarantined(
                f"store key {key!r} is quarantined ({self.keys[key].error}); the write was "
                f"rolled back. Repair it with store[{key!r}] = value or del store[{key!r}]"
            )
