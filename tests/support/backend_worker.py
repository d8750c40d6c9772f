"""Child processes for the backend tests: writers and replicas that talk over stdin/stdout.

Run as ``python -m tests.support.backend_worker ROLE ...``. Every role prints one line per
event (``ready``, ``acked N``, ``done N``, ``digest VERSION SHA``) and flushes it, so the
parent can follow along and kill the child at any moment.

Roles:

``redis URL WRITER TOTAL BATCH``
    Attach to the Redis store, write ``TOTAL`` changes, then answer ``converge SEQ``
    commands (wait until the local version reaches ``SEQ``, print the digest of the
    value) until ``exit``. Most changes are appends of ``[WRITER, i]`` to ``log`` in
    batches of ``BATCH`` under ``store.lock("log")``; every fifth round also appends
    three ``i`` to ``solo<WRITER>`` one by one, with neither lock nor batch, which races
    the other writers' commits (conflict, catch-up, retry). ``TOTAL`` 0 makes a passive
    replica.

``replica URL``
    Answer ``append N`` (print ``acked NAME`` per acknowledged append, then
    ``appended``), ``dump`` (print ``acks JSON``) and ``exit``.

``probe URL``
    Open a store holding hostile data, print ``quarantined [KEYS]`` and ``other VALUE``.

``sqlite PATH``
    Write to a SQLite store forever: each step appends ``i`` to ``items`` and sets
    ``last`` to ``i`` in one batch; every third step also appends ``i`` to ``single``
    on its own. Prints ``acked i`` after each step.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from typing import Any

from observable import Store, to_json_document
from observable.backends import StateReloaded


def say(text: str) -> None:
    """Print one protocol line and flush it."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def digest(store: Store) -> tuple[int, str]:
    """Return the store's version and a hash of its value that ignores set order."""
    journal = store.journal
    with journal.lock:
        version = journal.version
        document = to_json_document({key: store[key] for key in store})
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return version, hashlib.sha256(text.encode()).hexdigest()


def redis_role(url: str, writer: int, total: int, batch: int) -> None:
    """Write ``total`` changes to a shared Redis store, then answer convergence checks."""
    store = Store(url)
    say(f"ready {store.journal.version}")
    solo = f"solo{writer}"
    if total:
        with store.lock("log"):
            store.setdefault("log", [])
        store.setdefault(solo, [])
    acked = 0
    rounds = 0
    while acked < total:
        rounds += 1
        if rounds % 5 == 0 and total - acked >= 3:
            for _ in range(3):
                store[solo].append(acked)
                acked += 1
            say(f"acked {acked}")
            continue
        size = min(batch, total - acked)
        with store.lock("log"), store.batch():
            log = store["log"]
            for number in range(acked, acked + size):
                log.append([writer, number])
        acked += size
        say(f"acked {acked}")
    say(f"done {acked}")
    for line in sys.stdin:
        command, *rest = line.split()
        if command == "exit":
            break
        if command == "converge":
            target = int(rest[0])
            deadline = time.monotonic() + 60
            while store.journal.version < target and time.monotonic() < deadline:
                time.sleep(0.01)
            version, sha = digest(store)
            say(f"digest {version} {sha}")
    store.backend.close()


def sqlite_role(path: str) -> None:
    """Write to a SQLite store until killed."""
    store = Store(f"sqlite:///{path}?compact_every=50&synchronous=normal")
    store.setdefault("items", [])
    store.setdefault("single", [])
    start = int(store.get("last", 0))
    say(f"ready {start}")
    step = start
    while True:
        step += 1
        with store.batch():
            store["items"].append(step)
            store["last"] = step
        if step % 3 == 0:
            store["single"].append(step)
        say(f"acked {step}")


def probe_role(url: str) -> None:
    """Open a store that holds hostile data; report its quarantine and key ``other``."""
    store = Store(url)
    say(f"quarantined {sorted(map(repr, store.backend.quarantined()))}")
    say(f"other {store['other']}")
    for line in sys.stdin:
        if line.split()[:1] == ["exit"]:
            break
    store.backend.close()


def replica_role(url: str) -> None:
    """A replica driven over stdin: ``append N`` (acknowledged appends to ``acks``),
    ``dump`` (print ``acks`` as JSON), ``exit``."""
    store = Store(url)
    name = f"w{os.getpid()}"
    written = 0
    say("ready")
    for line in sys.stdin:
        command, *rest = line.split()
        if command == "exit":
            break
        if command == "append":
            for number in range(written, written + int(rest[0])):
                while True:
                    try:
                        store.setdefault("acks", [])
                        store["acks"].append(f"{name}-{number}")
                        break
                    except StateReloaded:  # rolled back: read the key again and retry
                        continue
                say(f"acked {name}-{number}")
            written += int(rest[0])
            say("appended")
        elif command == "dump":
            say("acks " + json.dumps(list(store.get("acks", []))))
    store.backend.close()


def main(argv: list[str]) -> None:
    """Dispatch on the role name."""
    role, *args = argv
    handlers: dict[str, Any] = {
        "redis": lambda: redis_role(args[0], int(args[1]), int(args[2]), int(args[3])),
        "sqlite": lambda: sqlite_role(args[0]),
        "probe": lambda: probe_role(args[0]),
        "replica": lambda: replica_role(args[0]),
    }
    handlers[role]()


if __name__ == "__main__":
    main(sys.argv[1:])
