"""The real redis-server harness: it answers, and persistence survives restarts only when on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.support.redis_server import RedisServer, redis_server

pytestmark = [pytest.mark.server, pytest.mark.timeout(60)]


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """Yield a started, non-persistent server that is always cleaned up."""
    with redis_server() as started:
        yield started


def _client(server: RedisServer) -> redis.Redis:
    """Return a client for the server with short timeouts."""
    return redis.Redis.from_url(server.url, socket_timeout=5, socket_connect_timeout=5)


def test_server_answers_ping_on_loopback(server: RedisServer) -> None:
    """The server answers PING at its redis://127.0.0.1:PORT/0 URL."""
    assert server.url == f"redis://127.0.0.1:{server.port}/0"
    with _client(server) as client:
        assert client.ping() is True
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        assert client.config_get("appendonly")["appendonly"] == "no"
        assert client.config_get("save")["save"] == ""


def test_restart_with_persistence_keeps_a_key(server: RedisServer) -> None:
    """A persistent run's writes survive a graceful restart and a crash on the same port."""
    port = server.port
    server.restart(persist=True)
    with _client(server) as client:
        assert client.config_get("appendfsync")["appendfsync"] == "always"
        client.set("kept", "1")
    server.restart(persist=True)
    assert server.port == port
    with _client(server) as client:
        assert client.get("kept") == b"1"
        client.set("after-crash", "2")
    server.restart(persist=True, crash=True)
    with _client(server) as client:
        assert client.get("kept") == b"1"
        assert client.get("after-crash") == b"2"


def test_restart_without_persistence_wipes_keys(server: RedisServer) -> None:
    """Restarting without persistence loses every key, even ones a persistent run wrote."""
    with _client(server) as client:
        client.set("volatile", "1")
    server.restart(persist=False)
    with _client(server) as client:
        assert client.get("volatile") is None
    server.restart(persist=True)
    with _client(server) as client:
        client.set("was-persisted", "1")
    server.restart(persist=False)
    with _client(server) as client:
        assert client.dbsize() == 0


def test_stop_and_kill_end_the_process() -> None:
    """stop() and kill() end the child; close() removes its files; both are idempotent."""
    server = RedisServer().start()
    data_dir = server.data_dir
    try:
        assert server.running
        server.stop()
        assert not server.running
        server.stop()
        server.start()
        assert server.running
        server.kill()
        assert not server.running
        server.kill()
    finally:
        server.close()
    assert not data_dir.exists()
