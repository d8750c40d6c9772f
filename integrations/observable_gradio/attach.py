"""Attach a SharedState to a ``gr.Blocks``: a per-session token whose ``.change`` fires on change.

Every tab holds a :class:`SharedToken` in a :class:`SharedView` (a ``gr.State``). The token's
hash is the shared revision that tab was last told about, and only the code here moves it, so
Gradio reports the token changed exactly once per revision the tab sees:

* ``mode="push"``: ``demo.load`` starts one async generator per tab (``concurrency_limit=None``).
  It waits for the shared value to change, then yields the token with the new revision, and
  the browser fires ``.change`` mid-stream. Bursts coalesce: the generator waits ``coalesce``
  seconds after a wake-up and reports the latest revision once. When nothing changes it yields
  ``gr.skip()`` every ``keepalive`` seconds, which is when Gradio notices a closed tab and
  closes the generator; its ``finally`` unregisters the tab. Each running generator occupies
  one of Gradio's worker slots (``launch(max_threads=...)``, 40 by default) while the tab is open.
  So that open tabs can never take every slot (which would freeze every other event of the
  app), at most ``push_slots`` tabs are pushed to at once (default: half the worker slots); a
  tab that opens when they are all taken draws the value once, releases its slot and switches
  to polling: its generator ends after activating a ``gr.Timer`` (every ``interval`` seconds)
  that was added, inactive, for this purpose.
* ``mode="poll"``: a ``gr.Timer`` ticks every ``interval`` seconds in the browser; each tick is
  an O(1) comparison of two integers. No slot is held and nothing is registered per tab, but a
  change shows up to ``interval`` seconds late, and hidden tabs do not tick.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, Literal

from ._gradio import current_root_block, gr
from .components import SharedView
from .shared import SharedState
from .slots import PushSlots
from .slots import push_slots as _app_slots
from .tokens import SharedToken
from .wakeup import Wakeup

__all__ = ["attach"]


def _push_handler(
    shared: SharedState, keepalive: float, coalesce: float, slots: PushSlots
) -> Any:  # an async generator function; Gradio inspects its kind
    async def observable_push(token: SharedToken) -> AsyncIterator[Any]:
        if not slots.take():  # every push slot is taken: this tab polls instead
            token.advance()
            yield token, gr.Timer(active=True)
            return
        try:
            waiter = Wakeup()
            shared.register(waiter)
            try:
                first = True
                while True:
                    waiter.rearm()
                    if token.seen == shared.revision:
                        if not await waiter.wait(keepalive):
                            yield gr.skip(), gr.skip()  # lets Gradio notice a closed tab
                        continue
                    if not first and coalesce > 0:
                        await asyncio.sleep(coalesce)
                        waiter.rearm()
                    first = False
                    token.advance()
                    yield token, gr.skip()
            finally:
                shared.unregister(waiter)
        finally:
            slots.release()

    return observable_push


def _poll_handler() -> Any:
    async def observable_poll(token: SharedToken) -> Any:
        return token if token.advance() else gr.skip()

    return observable_poll


@contextmanager
def _building(demo: gr.Blocks | None) -> Iterator[gr.Blocks]:
    """Yield the Blocks to add to, entering its context when we are not already inside it."""
    current = current_root_block()
    if demo is None:
        if current is None:
            raise RuntimeError(
                "attach() needs a gr.Blocks: call it inside `with gr.Blocks() as demo:` "
                "or pass demo"
            )
        demo = current
    with nullcontext() if current is demo else demo:
        yield demo


def attach(
    shared: SharedState,
    demo: gr.Blocks | None = None,
    *,
    mode: Literal["push", "poll"] = "push",
    interval: float = 1.0,
    keepalive: float = 1.0,
    coalesce: float = 0.01,
    push_slots: int | None = None,
) -> SharedView:
    """Add ``shared`` to ``demo`` (default: the Blocks being built) and return its SharedView.

    ``.change`` listeners on the returned component run in every tab when ``shared`` changes,
    and once when a tab opens (to draw the current value). ``mode="push"`` pushes within
    milliseconds and holds one worker slot per open tab, for at most ``push_slots`` tabs of
    the app at once (default: half of ``launch(max_threads=...)``); further tabs poll.
    ``mode="poll"`` checks every ``interval`` seconds from the browser at O(1) per tick.
    ``keepalive`` bounds how long a closed tab's generator lingers; ``coalesce`` is how long a
    push waits to gather a burst.
    """
    if mode not in ("push", "poll"):
        raise ValueError(f"mode must be 'push' or 'poll', not {mode!r}")
    for name, seconds in (("interval", interval), ("keepalive", keepalive)):
        if not seconds > 0:
            raise ValueError(f"{name} must be a positive number of seconds, not {seconds!r}")
    if coalesce < 0:
        raise ValueError(f"coalesce must not be negative, not {coalesce!r}")
    with _building(demo) as blocks:
        view = SharedView(shared)
        listener: dict[str, Any] = {
            "inputs": view,
            "outputs": view,
            "concurrency_limit": None,
            "show_progress": "hidden",
            "api_visibility": "private",
        }
        poll = _poll_handler()
        if mode == "push":
            timer = gr.Timer(interval, active=False)  # the fallback when no push slot is free
            slots = _app_slots(blocks, push_slots)
            push = _push_handler(shared, keepalive, coalesce, slots)
            blocks.load(push, **{**listener, "outputs": [view, timer]})
        else:
            blocks.load(poll, **listener)
            timer = gr.Timer(interval)
        timer.tick(poll, trigger_mode="once", **listener)
    return view
