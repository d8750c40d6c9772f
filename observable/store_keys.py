"""Which store keys a change touched, and how room keys are spelled in the store's root.

A key of the top-level store is kept as is. A key inside rooms is kept as one string that
no top-level key can spell: ``MARK``, then each room name prefixed by its length
(``"4:team"``), then ``MARK`` and the key. A top-level key that itself starts with
``MARK`` is kept with one more ``MARK`` in front. So every string is a valid key at every
level, room names and keys may contain any character (``/`` included), and two
different (rooms, key) pairs never share a spelling.
"""

from __future__ import annotations

from .change import Change
from .effects import as_effect

__all__ = ["MARK", "join_key", "keys_of", "room_prefix", "show_key", "split_key"]

MARK = "\x1f"
"""Starts every root key that belongs to a room (ASCII unit separator)."""


def room_prefix(rooms: tuple[str, ...]) -> str:
    """Return the root-key prefix shared by every key in the room path ``rooms``."""
    if not rooms:
        return ""
    return MARK + "".join(f"{len(name)}:{name}" for name in rooms) + MARK


def join_key(rooms: tuple[str, ...], key: str) -> str:
    """Return the root key of ``key`` inside the room path ``rooms`` (``()``: top level)."""
    if rooms:
        return room_prefix(rooms) + key
    return MARK + key if key.startswith(MARK) else key


def split_key(raw: str) -> tuple[tuple[str, ...], str] | None:
    """Return the room path and key a root key spells (the inverse of :func:`join_key`).

    Return None for a string :func:`join_key` never makes (for example, read from a
    backend written by another program).
    """
    if not raw.startswith(MARK):
        return (), raw
    if raw.startswith(MARK, 1):
        return (), raw[1:]
    rooms: list[str] = []
    at = 1
    while not raw.startswith(MARK, at):
        colon = raw.find(":", at)
        digits = raw[at:colon]
        if colon < 0 or not digits.isdigit() or not digits.isascii():
            return None
        end = colon + 1 + int(digits)
        if end > len(raw):
            return None
        rooms.append(raw[colon + 1 : end])
        at = end
    return tuple(rooms), raw[at + 1 :]


def show_key(raw: str) -> str:
    """Return a root key for people: ``room/.../key`` (for display only, not unique)."""
    parts = split_key(raw)
    if parts is None:
        return repr(raw)
    return "/".join((*parts[0], parts[1]))


def keys_of(change: Change) -> tuple[str, ...]:
    """Return the root keys a change touched: its path's first element, or the keys
    its effect adds, replaces or removes at the root."""
    if change.path:
        return (change.path[0],)
    return tuple(as_effect(change.effect).root_keys())
