"""Redis restarts that lose every key: nothing acknowledged is lost, tokens never repeat.

Real writer processes (``tests/support/backend_worker.py``) and a real ``redis-server``.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Iterator

import pytest
import redis

from observable import Store
from observable.backends import LockLost, StateLost
from observable.backends.redis import reconnect_delay
from tests.support.redis_server import RedisServer, redis_server
from tests.support.stores import wait_for
from tests.support.workers import Worker, workers

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A non-persistent redis-server on a free loopback port."""
    with redis_server() as started:
        yield started


def _acks(worker: Worker) -> list[str]:
    worker.send("dump")
    return json.loads(worker.expect("acks ").split(" ", 1)[1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("options", "down"),
    [
        ("reseed_wait=2", 0.0),
        # Down longer than a write retries, with the default claim window (2 * block + 1).
        ("write_timeout=1", 9.0),
    ],
    ids=["restart", "long outage"],
)
def test_a_paused_replica_that_resumes_first_after_a_wipe_loses_nothing(
    server: RedisServer, options: str, down: float
) -> None:
    url = f"{server.url}?store=wipe&block=0.2&{options}"
    with workers() as started:
        behind, ahead = Worker("replica", url), Worker("replica", url)
        started += [behind, ahead]
        behind.expect("ready")
        ahead.expect("ready")
        behind.send("append 10")
        behind.expect("appended")
        wait_for(lambda: len(_acks(ahead)) == 10, "the second replica to catch up")
        behind.process.send_signal(signal.SIGSTOP)  # paused: it misses what follows
        try:
            ahead.send("append 100")
            ahead.expect("appended")
            acknowledged = _acks(ahead)
            assert len(acknowledged) == 110
            server.restart(persist=False, down=down)  # every key gone
        finally:
            behind.process.send_signal(signal.SIGCONT)  # resumes first, and writes at once
        behind.send("append 5")
        behind.expect("appended", timeout=90)
        for replica in (behind, ahead):
            try:
                wait_for(lambda r=replica: len(_acks(r)) == 115, "both replicas to converge")  # type: ignore[misc]
            except AssertionError as exc:
                logs = "\n".join(
                    f"{name}:\n{w.stderr()}" for name, w in [("behind", behind), ("ahead", ahead)]
                )
                raise AssertionError(f"{exc}; the replicas logged:\n{logs}") from None
            final = _acks(replica)
            assert final[:110] == acknowledged  # every acknowledged append is kept, in order
            assert len(set(final)) == 115


@pytest.mark.parametrize("block", [0.05, 0.2, 1.0, 5.0])
def test_a_lost_server_is_retried_at_least_every_block_seconds(block: float) -> None:
    """A replica's reader notices a server that came back within about ``block`` seconds, as
    the claim window after a wipe (``2 * block + 1`` by default) assumes: the wait between its
    attempts doubles from 40 ms but never grows past ``block`` (nor 1 s)."""
    delays = [reconnect_delay(failures, block) for failures in range(1, 5000)]  # hours down
    assert delays == sorted(delays)
    assert delays[0] == min(0.04, block)
    assert delays[-1] == min(block, 1.0)


def test_a_loss_nobody_can_recover_is_reported_not_reset(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{server.url}?store=lost&block=0.2&reseed_wait=0.5"
    store = Store(url)
    try:
        store["log"] = list(range(10))
        client = redis.Redis.from_url(server.url)
        # In one step: the wipe, and the claim of a replica that held nothing more than
        # this one but saw sequence 200 acknowledged before it died.
        until = int(time.time() * 1000) + 60_000
        wipe = client.pipeline(transaction=True)
        wipe.flushall()
        wipe.hset("{observable:lost}:claims", "ghost", f"0:200:{until}")
        wipe.execute()
        with (
            caplog.at_level(logging.ERROR, logger="observable.backends"),
            pytest.raises(StateLost, match="cannot be recovered"),
        ):
            store["log"].append(10)
        assert "cannot be recovered" in caplog.text
        assert store["log"] == list(range(10))  # nothing was reset
        assert client.get("{observable:lost}:epoch") is None
        store.backend.accept_loss()  # an operator accepts the loss: this replica re-seeds
        store["log"].append(10)
        assert Store(url)["log"] == list(range(11))
    finally:
        store.backend.close()


def test_lock_tokens_never_repeat_after_a_wipe(server: RedisServer) -> None:
    url = f"{server.url}?store=locks&block=0.2&reseed_wait=0.3"
    first, second = Store(url), Store(url)
    try:
        first["k"] = 0
        with pytest.raises(LockLost), first.lock("k"):
            redis.Redis.from_url(server.url).flushall()  # the lease vanishes with the wipe
            with second.lock("k"):  # the other replica takes the lock...
                second["k"] = 1
            first["k"] = 2  # ...and the first learns it at its very next write
        wait_for(lambda: first["k"] == 1, "the refused write to give way to the holder's")
    finally:
        first.backend.close()
        second.backend.close()
