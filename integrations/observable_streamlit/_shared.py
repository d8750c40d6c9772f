"""The process-wide pieces every session shares: one store, its scheduler, dispatcher and log."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from observable import Store, unwrap
from observable.readonly import ReadOnlyView

from ._changelog import ChangeLog
from ._dispatch import Dispatcher
from ._gc import freeze_long_lived, freeze_wanted
from ._runtime import RerunScheduler, call_when_idle, install_json_unwrapper

__all__ = ["Shared", "plain_value", "shared", "shared_store"]

# Delivery tuning: fold changes that arrive within 2 ms (a background thread's burst; a
# script's changes are held for its run anyway); poll a busy session or writer after 1 ms,
# backing off to 10 ms; wait at most 1 s for a writer's run to end.
COALESCE_WINDOW = 0.002
RETRY_INTERVAL = 0.001
MAX_RETRY_INTERVAL = 0.01
MAX_HOLD = 1.0


@dataclass(frozen=True)
class Shared:
    """The process-wide store and the machinery that reruns its readers."""

    store: Store
    scheduler: RerunScheduler
    dispatcher: Dispatcher
    changelog: ChangeLog


_lock = threading.Lock()
_shared: Shared | None = None


def shared() -> Shared:
    """Return the process-wide pieces, creating them on first use.

    In a live Streamlit server the first use also arranges to freeze the long-lived
    objects once the first runs are over (see ``_gc``), so Streamlit's
    ``gc.collect(2)`` after every run stays short.
    """
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                install_json_unwrapper(plain_value)
                store = Store()  # honours OBSERVABLE_STORE_URL
                scheduler = RerunScheduler(
                    coalesce_window=COALESCE_WINDOW,
                    retry_interval=RETRY_INTERVAL,
                    max_retry_interval=MAX_RETRY_INTERVAL,
                    max_hold=MAX_HOLD,
                )
                _shared = Shared(
                    store=store,
                    scheduler=scheduler,
                    dispatcher=Dispatcher(store, scheduler),
                    changelog=ChangeLog(store.journal),
                )
                if freeze_wanted():  # in a real server: keep its post-run GC short
                    call_when_idle(freeze_long_lived)
    return _shared


def shared_store() -> Store:
    """Return the one ``observable.Store`` behind ``server_state`` in this process."""
    return shared().store


def plain_value(value: Any) -> Any:
    """Return the plain value behind an observed proxy or read-only view, else ``value``."""
    if type(value) is ReadOnlyView:
        value = value.__wrapped__
    return unwrap(value)
