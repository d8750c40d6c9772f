"""Changes written for people: the statement that made a change, such as ``rows[3].text = 'hi'``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .change import Member

__all__ = ["place", "statement"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LONG = 60  # characters of one argument's repr before it is shortened with "…"


def _step(key: Any) -> str:
    if isinstance(key, Member):
        return f"{{{key.text}}}"
    if isinstance(key, str) and _IDENTIFIER.match(key):
        return f".{key}"
    return f"[{key!r}]"


def place(path: Sequence[Any]) -> str:
    """Return a path as code: ``messages[3].text``; the first key is written as it is."""
    if not path:
        return ""
    first, *rest = path
    head = first if isinstance(first, str) else f"[{first!r}]"
    return head + "".join(_step(key) for key in rest)


def _shown(value: Any, limit: int | None) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def statement(
    path: Sequence[Any], op: str, args: Sequence[Any], *, limit: int | None = _LONG
) -> str:
    """Return the change as the statement that made it.

    ``setitem``/``setattr`` read as assignments, ``delitem``/``delattr`` as ``del``, any
    other operation as a method call on its container: ``messages.append({...})``. Each
    argument's ``repr`` is cut to ``limit`` characters (``None``: never).
    """
    where = place(path)

    def _short(value: Any) -> str:
        return _shown(value, limit)

    if op in ("setitem", "setattr", "setdefault", "missing") and len(args) == 2:
        target = _step(args[0]) if where else str(args[0])
        return f"{where}{target} = {_short(args[1])}"
    if op in ("delitem", "delattr") and len(args) == 1:
        target = _step(args[0]) if where else str(args[0])
        return f"del {where}{target}"
    call = f"{op}({', '.join(_short(arg) for arg in args)})"
    return f"{where}.{call}" if where else call
