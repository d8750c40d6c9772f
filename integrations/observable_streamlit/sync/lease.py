"""Presence leases: each server renews its lease; members of a server whose lease ran out go.

A server that crashes (SIGKILL, power loss) never says goodbye, so on a shared store
(Redis) its members would stay in every room. Each server therefore renews a lease in
the store every third of ``OBSERVABLE_SYNC_LEASE`` seconds (default 30) from a daemon
thread, and the same thread removes, in every room, the members of servers whose lease
expired. Removing them is a presence change, so the sessions that show presence rerun.
The lease is kept under its own key, which no session draws: renewing it reruns nobody.
Wall clocks of servers sharing a store must agree to well within the lease.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from observable import unwrap

from .._shared import shared
from ._layout import NAMESPACE, PRESENCE, plain

__all__ = ["DEFAULT_LEASE", "LEASE_ENV", "SERVERS", "lease_seconds", "live_servers", "start_leases"]

_LOGGER = logging.getLogger(__name__)

LEASE_ENV = "OBSERVABLE_SYNC_LEASE"
"""Environment variable: seconds a server's members outlive its last renewal."""
DEFAULT_LEASE = 30.0
"""Lease length when ``OBSERVABLE_SYNC_LEASE`` is not set."""
SERVERS = "servers"
"""Key, beside the rooms, holding ``{server id: lease expiry (Unix time)}``."""

_started: set[str] = set()
_start_lock = threading.Lock()


def lease_seconds() -> float:
    """Return the lease length from ``OBSERVABLE_SYNC_LEASE``; a bad value is an error."""
    raw = os.environ.get(LEASE_ENV, "")
    if not raw:
        return DEFAULT_LEASE
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{LEASE_ENV} must be a number of seconds, not {raw!r}") from None
    if not seconds > 0:
        raise ValueError(f"{LEASE_ENV} must be positive, not {raw!r}")
    return seconds


def _expiry(value: object) -> float:
    """Return a stored lease expiry as a number; anything else counts as expired."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def live_servers(now: float | None = None) -> set[str]:
    """Return the ids of servers whose lease has not expired."""
    moment = time.time() if now is None else now
    leases = plain(shared().store.room(NAMESPACE).get(SERVERS))
    if not isinstance(leases, dict):
        return set()
    return {server for server, expiry in leases.items() if _expiry(expiry) >= moment}


def _renew(me: str, lease: float) -> None:
    """Extend this server's lease and drop expired leases of other servers."""
    namespace = shared().store.room(NAMESPACE)
    now = time.time()
    with namespace.lock(SERVERS):
        leases = namespace.setdefault(SERVERS, {})
        leases[me] = now + lease
        for server, expiry in list(unwrap(leases).items()):
            if server != me and _expiry(expiry) < now - lease:  # long gone: forget it
                leases.pop(server, None)


def _prune(me: str) -> None:
    """Remove, in every room, the members of servers whose lease expired."""
    namespace = shared().store.room(NAMESPACE)
    alive = live_servers() | {me}
    for encoded in namespace.rooms():
        members = namespace.room(encoded).get(PRESENCE)
        if members is None:
            continue
        for member, entry in list(plain(members).items()):
            if isinstance(entry, dict) and entry.get("server") not in alive:
                members.pop(member, None)


def start_leases(server: Callable[[], str]) -> None:
    """Renew this server's lease now and keep renewing and pruning (once per process)."""
    me = server()
    lease = lease_seconds()
    with _start_lock:
        if me in _started:
            return
        _started.add(me)
    _renew(me, lease)

    def heartbeat() -> None:
        """Renew and prune every third of the lease until the process ends."""
        stop = threading.Event()
        while not stop.wait(lease / 3):
            try:
                _renew(me, lease)
                _prune(me)
            except Exception:  # a store hiccup: try again next beat
                _LOGGER.exception("observable: presence lease renewal failed")

    threading.Thread(target=heartbeat, name="observable-sync-lease", daemon=True).start()
