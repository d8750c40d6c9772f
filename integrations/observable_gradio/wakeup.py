"""Wakeup: wake one asyncio task from any thread, at most once per arming, never lost."""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["Wakeup"]


class Wakeup:
    """An ``asyncio.Event`` that any thread may set cheaply; bursts schedule one callback.

    The waiting task calls :meth:`rearm` *before* it reads the state it waits on; a writer
    changes that state *before* it calls :meth:`notify`. So a change made after the read
    always wakes the task, and a burst of changes costs the event loop one callback.
    """

    __slots__ = ("_armed", "_event", "_loop")

    def __init__(self) -> None:
        """Bind to the running event loop (call it from a coroutine or async generator)."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        self._armed = True

    def notify(self) -> None:
        """Wake the task (thread-safe; a no-op until it re-arms, or once its loop has closed)."""
        if self._armed:
            self._armed = False
            with contextlib.suppress(RuntimeError):  # a closed loop has nobody waiting
                self._loop.call_soon_threadsafe(self._event.set)

    def rearm(self) -> None:
        """Forget earlier wake-ups; call it before reading the state being waited on."""
        self._armed = True
        self._event.clear()

    async def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds; return True if woken, False on time-out."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        return True
