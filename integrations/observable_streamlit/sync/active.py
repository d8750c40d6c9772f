"""The ``sync`` block active on the current script thread, if any."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._runtime import FormActivity, WidgetRegistration
from ._sessions import SessionRecord

if TYPE_CHECKING:
    from .rooms import Room

__all__ = ["ActiveBlock", "active_block", "reset_active_block", "set_active_block"]


@dataclass
class ActiveBlock:
    """One ``with sync(room):`` in progress: its room, mode, private keys and refusals.

    ``widgets`` maps each synced widget's id to its room key and registration;
    ``forms`` records the forms the block draws.
    """

    room: Room
    readonly: bool
    record: SessionRecord
    private: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)
    widgets: dict[str, tuple[str, WidgetRegistration]] = field(default_factory=dict)
    forms: FormActivity | None = None


_active: contextvars.ContextVar[ActiveBlock | None] = contextvars.ContextVar(
    "observable_sync_block", default=None
)


def active_block() -> ActiveBlock | None:
    """Return the block active here, or None."""
    return _active.get()


def set_active_block(block: ActiveBlock | None) -> contextvars.Token[ActiveBlock | None]:
    """Make ``block`` the active one; return the token that restores the previous one."""
    return _active.set(block)


def reset_active_block(token: contextvars.Token[ActiveBlock | None]) -> None:
    """Restore the block that was active before :func:`set_active_block` returned ``token``."""
    _active.reset(token)
