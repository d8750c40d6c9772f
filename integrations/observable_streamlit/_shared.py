"""The process-wide pieces every session shares: one store, its scheduler, dispatcher and log."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from observable import Store, unwrap
from observable.readonly import ReadOnlyView

from ._changelog import ChangeLog
from ._dispatch import Dispatcher
from ._gc import Freezer
from ._runtime import RerunScheduler, install_json_unwrapper, on_session_end

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

    In a live Streamlit server the long-lived objects are frozen once the first runs
    are over, and again whenever sessions connect or leave (see ``_gc``), so
    Streamlit's ``gc.collect(2)`` after every run stays short.
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
                freezer = Freezer()
                _shared = Shared(
                    store=store,
                    scheduler=scheduler,
                    dispatcher=Dispatcher(store, scheduler, on_new_session=freezer.session_arrived),
                    changelog=ChangeLog(store.journal),
                )
                # In a real server: keep its post-run GC short (see ``_gc``).
                if on_session_end(lambda _session_id: freezer.session_left()):
                    freezer.session_arrived()
    return _shared


def shared_store() -> Store:
    """Return the one ``observable.Store`` behind ``server_state`` in this process."""
    return shared().store


def plain_value(value: Any) -> Any:
    """Return the plain value behind an observed proxy or read-only view, else ``value``."""
    if type(value) is ReadOnlyView:
        value = value.__wrapped__
    return unwrap(value)
