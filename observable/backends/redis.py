"""Scale-out across servers: every process shares one store through a Redis stream.

``Store("redis://127.0.0.1:6379/0?store=chat")``. Every key of one store lives under
one hash tag, ``{observable:NAME}``:

- ``:log``, a stream of changes. An entry holds one or more consecutive changes; its
  id is ``<seq of its last change>-0`` and it has fields ``n`` (how many), ``d`` (a JSON
  array of encoded changes) and ``i`` (the id of the commit that wrote it);
- ``:seq``, the sequence number of the newest change;
- ``:snap`` (a hash: store key -> encoded value), ``:snapver`` and ``:order``, the
  snapshot and the version it holds;
- ``:epoch``, a random id written when the store is first seeded and again whenever a
  process re-seeds it, plus ``:seed`` (``epoch:version`` of that seeding);
- ``:fence`` and ``:lock:<key>``, the shared locks.

A commit is one Lua script: it checks the epoch, that ``:seq`` is at the version the
writer's change was made against (fencing), and that the writer still holds the locks
it holds locally; then it appends the entries and moves ``:seq``. When ``:seq`` moved,
the script answers "behind" and the core rolls the change back, catches up and runs
the operation again. A retried commit whose first attempt did get through is
recognised by its commit id, so a retry never writes a change twice.

Each process runs one reader thread per store. It blocks in ``XREAD`` after its local
version, applies other processes' entries with ``StoreEngine.apply_remote`` (which
notifies local subscribers: Streamlit reruns, Gradio pushes) and skips its own. A gap
(entries trimmed away) or a new epoch makes it reload the snapshot and replay the
stream. The reader, a writer after a conflict and ``store.lock`` all read and decode
before they take the journal lock, and apply only if the local version did not move
meanwhile (see ``observable.backends.fetched``).

**Wipes.** When Redis lost data (no epoch at all, or a sequence behind the replicas'),
the store is re-seeded from the most advanced replica, never from one that is behind:
every replica that notices posts a claim (its version, and the highest sequence it ever
saw acknowledged) in ``:claims`` and waits ``reseed_wait`` seconds for the others; only
the claim with the highest version re-seeds, and only if no claim saw a higher sequence.
If one did (acknowledged changes that no live replica holds), nothing is reset: writes
raise :class:`~observable.backends.StateLost` and an error is logged until someone calls
``store.backend.accept_loss()``. A replica that comes back after the store was re-seeded
without it and holds changes the seed lacks re-seeds it if nobody wrote since, or else
raises ``StateLost`` and keeps its own value (nothing is silently dropped).

**Locks.** Fencing tokens are random (never reused, not even after a wipe). A commit
checks the tokens of every lock the writer holds, so a writer whose lock was lost learns
it at its next write (:class:`~observable.backends.LockLost`).

Options in the query string (others go to the ``redis`` client): ``store`` (name,
default ``default``), ``compact_every`` (default 10000), ``lock_lease`` (seconds, default
10), ``write_timeout`` (seconds a write retries during an outage before it raises
:class:`~observable.BackendUnavailable`, default 5), ``block`` (seconds per ``XREAD``, and
the longest wait between the reader's attempts to reach a lost server, default 1) and
``reseed_wait`` (seconds to collect claims after a wipe, default ``2 * block + 1``).
Pickle is never a URL option (build the backend in code with
``codec=Codec(allow_pickle=True)``).
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

try:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
except ModuleNotFoundError as error:  # pragma: no cover (the extra is installed in tests)
    raise ModuleNotFoundError(
        'the redis:// backend needs the redis package: pip install "observable-journal[redis]"',
        name=error.name,
    ) from error

from .base import BackendUnavailable, LockLost
from .codec import DEFAULT_CODEC, Codec
from .errors import StateLost
from .fetched import Fetched, Loaded, Stored
from .logged import DEFAULT_COMPACT_EVERY, Behind, LogBackend, Progress
from .sqlite import refuse_pickle_option

__all__ = ["RedisBackend", "SharedLock"]

logger = logging.getLogger("observable.backends")

T = TypeVar("T")

ENTRY_CHANGES = 512
"""Most changes per stream entry."""

ENTRY_BYTES = 1 << 20
"""Most encoded bytes per stream entry (a single bigger change gets its own entry)."""

PAGE = 512
"""Entries read per ``XRANGE`` / ``XREAD``."""

_COMMIT = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return {'epoch'} end
local head = redis.call('GET', KEYS[1]) or '0'
if head ~= ARGV[2] then
  local last = redis.call('XRANGE', KEYS[2], ARGV[3] .. '-0', ARGV[3] .. '-0')
  if #last == 1 and last[1][2][2] == ARGV[4] then
    return {'ok', redis.call('GET', KEYS[4]) or '0'}
  end
  return {'behind', head}
end
local turn = redis.call('GET', KEYS[5])
if turn and turn ~= string.match(ARGV[4], '^[^:]*') then return {'turn'} end
local entries = tonumber(ARGV[5])
local tokens = 5 + 3 * entries
for i = 6, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[tokens + i - 5] then return {'lock', KEYS[i]} end
end
for e = 0, entries - 1 do
  local j = 6 + 3 * e
  redis.call('XADD', KEYS[2], ARGV[j], 'i', ARGV[4], 'n', ARGV[j + 1], 'd', ARGV[j + 2])
end
redis.call('SET', KEYS[1], ARGV[3])
if turn then redis.call('DEL', KEYS[5]) end
return {'ok', redis.call('GET', KEYS[4]) or '0'}
"""
"""KEYS: seq, log, epoch, snapver, turn, lock keys... ARGV: epoch, expected seq, new seq,
commit id (``replica:n``), entry count, (entry id, n, data) per entry, one token per lock
key. While another replica holds the turn, a commit that would go in answers "turn"."""

_TURN = """
local turn = redis.call('GET', KEYS[1])
if turn and turn ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
"""KEYS: turn. ARGV: replica id, lease (ms). Take or renew the next turn, unless another
replica holds it."""

TURN_LEASE_MS = 200
"""How long a turn lasts without a commit (a writer that died, or whose retry wrote
nothing, holds the others back this long at most)."""

_LOAD = """
return {redis.call('GET', KEYS[1]) or false, redis.call('GET', KEYS[2]) or '0',
        redis.call('GET', KEYS[3]) or '0', redis.call('HGETALL', KEYS[4]),
        redis.call('GET', KEYS[5]) or '[]'}
"""
"""KEYS: epoch, snapver, seq, snap, order."""

_RESEED = """
local epoch = redis.call('GET', KEYS[1]) or ''
local seq = redis.call('GET', KEYS[2]) or ''
if epoch ~= ARGV[1] or seq ~= ARGV[2] then return {'moved'} end
if ARGV[7] == '1' then
  local now = redis.call('TIME')
  local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  local claims = redis.call('HGETALL', KEYS[8])
  local mine = tonumber(ARGV[4])
  local seen = mine
  for i = 1, #claims, 2 do
    local v, s, until_ms = string.match(claims[i + 1], '^(%d+):(%d+):(%d+)$')
    if v and tonumber(until_ms) >= ms then
      v = tonumber(v)
      if v > mine or (v == mine and claims[i] < ARGV[8]) then return {'wait'} end
      seen = math.max(seen, tonumber(s))
    end
  end
  if seen > mine and ARGV[9] ~= '1' then return {'lost', tostring(seen)} end
end
redis.call('DEL', KEYS[4], KEYS[5], KEYS[8])
for i = 10, #ARGV, 2 do redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[2], ARGV[4])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('SET', KEYS[7], ARGV[5])
redis.call('SET', KEYS[6], ARGV[3] .. ':' .. ARGV[4] .. ':' .. ARGV[6])
redis.call('SET', KEYS[1], ARGV[3])
return {'ok'}
"""
"""KEYS: epoch, seq, snapver, snap, log, seed, order, claims. ARGV: expected epoch ('' for
none), expected seq ('' for none), new epoch, version, order, lineage epoch, check
claims ('1'), replica id, accept a loss ('1'), then key/value pairs from ARGV[10]."""

_CLAIM = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. tostring(ms + tonumber(ARGV[3])))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 4)
return 1
"""
"""KEYS: claims. ARGV: replica id, 'version:seen', time to live (ms)."""

_COMPACT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local version = tonumber(ARGV[2])
if version <= tonumber(redis.call('GET', KEYS[3]) or '0') then return 0 end
if version > tonumber(redis.call('GET', KEYS[2]) or '0') then return 0 end
if ARGV[4] == '1' then redis.call('DEL', KEYS[4]) end
local deletes = tonumber(ARGV[6])
for i = 7, 6 + deletes do redis.call('HDEL', KEYS[4], ARGV[i]) end
for i = 7 + deletes, #ARGV, 2 do redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[6], ARGV[5])
redis.call('XTRIM', KEYS[5], 'MINID', ARGV[3])
return 1
"""
"""KEYS: epoch, seq, snapver, snap, log, order. ARGV: epoch, version, trim id, full,
order, delete count, deleted keys..., key/value pairs."""

_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
return {1, ARGV[2]}
"""
"""KEYS: lock. ARGV: lease (ms), a random token (never reused, not even after a wipe)."""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_CONNECTION_ERRORS = (redis.ConnectionError, redis.TimeoutError, ConnectionError, TimeoutError)
_OWN_OPTIONS = ("store", "compact_every", "lock_lease", "write_timeout", "block", "reseed_wait")


def _lost_connection(error: BaseException) -> bool:
    # Redis could not be reached: the client's error itself, or the BackendUnavailable of a
    # command whose retries (``write_timeout``) ran out while the server stayed down.
    return isinstance(error, _CONNECTION_ERRORS) or isinstance(error.__cause__, _CONNECTION_ERRORS)


def reconnect_delay(failures: int, block: float) -> float:
    """Seconds the reader waits after its ``failures``-th failed attempt in a row to reach Redis.

    It doubles from 40 ms but never exceeds ``block`` (nor 1 s): a replica then notices a
    server that came back within about ``block`` seconds, as the claim window after a wipe
    (``reseed_wait``, by default ``2 * block + 1``) assumes of every live replica.
    """
    return min(0.02 * 2.0 ** min(failures, 16), block, 1.0)  # a long outage: no overflow


@dataclass
class _Held:
    """A shared lock this process holds."""

    key: str
    redis_key: str
    token: str
    owner: int
    expires: float
    lost: bool = False
    released: bool = False


class SharedLock(AbstractContextManager["SharedLock"]):
    """``store.lock(key)`` on Redis: re-entrant, shared by every process, with a lease.

    Entering takes the local lock of the key, then the Redis lock (waiting while another
    process holds it), then catches up, so the block sees every change committed by
    earlier holders. A background thread renews the lease. Every commit made while the
    lock is held checks, inside the commit script, that this process still holds it
    (fencing); if the lease was lost the change is refused with :class:`LockLost` and
    leaving the block raises it too.
    """

    def __init__(self, backend: RedisBackend, key: str) -> None:
        self._backend = backend
        self._key = key
        self._local = backend.engine.lock(key)
        self._depth = 0

    def __repr__(self) -> str:
        return f"<SharedLock {self._key!r} depth={self._depth}>"

    def __enter__(self) -> SharedLock:
        backend = self._backend
        if backend.in_batch():
            raise RuntimeError(
                "take store.lock() before opening store.batch(), not inside it: "
                "the batch holds the store while it is open"
            )
        self._local.acquire()
        try:
            if self._depth == 0:
                backend._acquire_shared(self._key)
            self._depth += 1
        except BaseException:
            self._local.release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._depth -= 1
            if self._depth == 0:
                held = self._backend._release_shared(self._key)
                if held is not None and held.lost and exc_type is None:
                    raise LockLost(
                        f"the lease of store.lock({self._key!r}) was lost while the block ran "
                        "(it did not run alone); changes after the loss were refused"
                    )
        finally:
            self._local.release()


class RedisBackend(LogBackend):
    """Shares a store between processes and servers through Redis (see the module docs)."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        store: str = "default",
        codec: Codec = DEFAULT_CODEC,
        compact_every: int = DEFAULT_COMPACT_EVERY,
        lock_lease: float = 10.0,
        write_timeout: float = 5.0,
        block: float = 1.0,
        reseed_wait: float | None = None,
    ) -> None:
        super().__init__(codec=codec, compact_every=compact_every)
        if not store or any(ch in store for ch in "{}"):
            raise ValueError(f"store name must be non-empty and free of braces, not {store!r}")
        if lock_lease <= 0 or write_timeout <= 0 or block <= 0:
            raise ValueError("lock_lease, write_timeout and block must be positive")
        self.url = url
        """The Redis URL (without this backend's own options)."""
        self.store_name = store
        """The store's name; its keys live under the hash tag ``{observable:NAME}``."""
        self.lock_lease = lock_lease
        """Seconds a shared lock is held without renewal before it expires."""
        self.write_timeout = write_timeout
        """Seconds a write retries while Redis is unreachable before it raises."""
        self.block = block
        """Seconds the reader blocks in one ``XREAD``, and at most waits to retry a lost server."""
        self.reseed_wait = 2 * block + 1 if reseed_wait is None else reseed_wait
        """Seconds a replica collects claims after a wipe before the most advanced re-seeds."""
        if self.reseed_wait < 0:
            raise ValueError("reseed_wait must not be negative")
        tag = "{observable:" + store + "}"
        self.prefix = tag
        """The hash tag every key of this store starts with."""
        self._k_seq = tag + ":seq"
        self._k_log = tag + ":log"
        self._k_epoch = tag + ":epoch"
        self._k_snapver = tag + ":snapver"
        self._k_snap = tag + ":snap"
        self._k_order = tag + ":order"
        self._k_seed = tag + ":seed"
        self._k_claims = tag + ":claims"
        self._k_turn = tag + ":turn"
        self._turn_lease_ms = TURN_LEASE_MS
        self._epoch: bytes | None = None
        self._client: redis.Redis | None = None
        self._reader_client: redis.Redis | None = None
        self._reader_id: int | None = None
        self._scripts: dict[str, Any] = {}
        self._commit_prefix = uuid.uuid4().hex[:16] + ":"
        self._commit_ids = (f"{self._commit_prefix}{n}" for n in itertools.count())
        self._unsure = 0  # commits whose outcome is unknown (the reply was lost)
        self._replica = self._commit_prefix[:-1]
        self._seen = 0  # the highest acknowledged seq seen in this epoch
        self._claimed_at: float | None = None  # when this replica claimed a re-seed
        self._accept_loss = False
        self._held: dict[str, _Held] = {}
        self._locks: dict[str, SharedLock] = {}
        self._locks_guard = threading.Lock()
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        self._keeper: threading.Thread | None = None

    @classmethod
    def from_url(cls, url: str, *, codec: Codec = DEFAULT_CODEC) -> RedisBackend:
        """Build from ``redis://host:port/db?store=NAME&...`` (or ``rediss://``)."""
        parts = urlsplit(url)
        own: dict[str, str] = {}
        rest: list[tuple[str, str]] = []
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name in _OWN_OPTIONS:
                own[name] = value
            else:
                rest.append((name, value))
        refuse_pickle_option(dict(rest))
        client_url = urlunsplit(parts._replace(query=urlencode(rest)))
        reseed_wait = own.get("reseed_wait")
        return cls(
            client_url,
            codec=codec,
            store=own.get("store", "default"),
            compact_every=int(own.get("compact_every", DEFAULT_COMPACT_EVERY)),
            lock_lease=float(own.get("lock_lease", 10.0)),
            write_timeout=float(own.get("write_timeout", 5.0)),
            block=float(own.get("block", 1.0)),
            reseed_wait=None if reseed_wait is None else float(reseed_wait),
        )

    def __repr__(self) -> str:
        return f"<RedisBackend {self._where()} store={self.store_name!r}>"

    def _where(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"

    # -- connections ---------------------------------------------------------------------
    def _make_client(self, socket_timeout: float, single: bool) -> redis.Redis:
        options: dict[str, Any] = {"retry": Retry(NoBackoff(), 0)}
        query = dict(parse_qsl(urlsplit(self.url).query))
        if "socket_timeout" not in query:
            options["socket_timeout"] = socket_timeout
        if "socket_connect_timeout" not in query:
            options["socket_connect_timeout"] = min(2.0, max(self.write_timeout, 0.1))
        return redis.Redis.from_url(self.url, single_connection_client=single, **options)

    @property
    def client(self) -> redis.Redis:
        """The Redis client for commands (not the reader's)."""
        if self._client is None:
            raise BackendUnavailable(f"the Redis backend for {self._where()} is closed")
        return self._client

    def _call(self, command: Callable[[], T]) -> T:
        """Run ``command``, retrying connection errors until ``write_timeout``."""
        deadline = time.monotonic() + self.write_timeout
        delay = 0.02
        while True:
            try:
                return command()
            except _CONNECTION_ERRORS as error:
                if self._closed or time.monotonic() + delay > deadline:
                    raise BackendUnavailable(
                        f"Redis at {self._where()} is unreachable ({error}); "
                        "the change was rolled back"
                    ) from error
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except redis.RedisError as error:
                raise BackendUnavailable(
                    f"Redis at {self._where()} refused: {error}; the change was rolled back"
                ) from error

    def _script(self, name: str, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        script = self._scripts[name]
        return self._call(lambda: script(keys=list(keys), args=list(args), client=self.client))

    def _open(self) -> None:
        self._client = self._make_client(max(self.write_timeout, 1.0), single=False)
        for name, source in (
            ("commit", _COMMIT),
            ("load", _LOAD),
            ("reseed", _RESEED),
            ("claim", _CLAIM),
            ("compact", _COMPACT),
            ("acquire", _ACQUIRE),
            ("release", _RELEASE),
            ("renew", _RENEW),
            ("turn", _TURN),
        ):
            self._scripts[name] = self._client.register_script(source)
        try:
            self._client.ping()
            self._reader_client = self._make_client(self.block + 5.0, single=True)
        except redis.RedisError as error:
            self._client.close()
            self._client = None
            raise BackendUnavailable(f"cannot reach Redis at {self._where()}: {error}") from error
        try:
            self._catch_up()
        except BaseException:
            self._shutdown()
            raise

    def _started(self) -> None:
        self._reader = threading.Thread(
            target=self._read_forever, name=f"observable-redis-{self.store_name}", daemon=True
        )
        self._reader.start()
        self._keeper = threading.Thread(
            target=self._keep_leases, name=f"observable-leases-{self.store_name}", daemon=True
        )
        self._keeper.start()

    def _shutdown_threads(self) -> None:
        self._stop.set()
        reader_id, client = self._reader_id, self._client
        if reader_id is not None and client is not None:
            with suppress(redis.RedisError):
                client.client_unblock(reader_id)
        for thread in (self._reader, self._keeper):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=self.block + 5.0)

    def _shutdown(self) -> None:
        for held in list(self._held.values()):
            with suppress(redis.RedisError):
                self._scripts["release"](
                    keys=[held.redis_key], args=[held.token], client=self._client
                )
        self._held.clear()
        for client in (self._client, self._reader_client):
            if client is not None:
                client.close()
        self._client = self._reader_client = None

    # -- committing ----------------------------------------------------------------------
    def _entries(self, expected: int, parts: Sequence[str]) -> Iterator[tuple[str, int, str]]:
        """Split encoded changes into stream entries: (id, count, JSON array)."""
        seq = expected
        group: list[str] = []
        size = 0
        for part in parts:
            if group and (len(group) >= ENTRY_CHANGES or size + len(part) > ENTRY_BYTES):
                seq += len(group)
                yield f"{seq}-0", len(group), "[" + ",".join(group) + "]"
                group, size = [], 0
            group.append(part)
            size += len(part)
        if group:
            seq += len(group)
            yield f"{seq}-0", len(group), "[" + ",".join(group) + "]"

    def _take_turn(self) -> bool:
        try:
            taken = self._script("turn", [self._k_turn], [self._replica, self._turn_lease_ms])
        except BackendUnavailable:
            return False
        return bool(taken)

    def _lock_fences(self) -> list[tuple[str, str]]:
        me = threading.get_ident()
        fences = []
        for held in list(self._held.values()):
            if held.owner != me:
                continue
            if held.lost:
                raise LockLost(
                    f"the lease of store.lock({held.key!r}) was lost; the change was rolled back"
                )
            fences.append((held.redis_key, held.token))
        return fences

    def _append(self, expected: int, parts: Sequence[str]) -> int:
        if self._epoch is None:
            raise Behind
        fences = self._lock_fences()
        entries = list(self._entries(expected, parts))
        head = expected + len(parts)
        args: list[Any] = [self._epoch, str(expected), str(head), next(self._commit_ids)]
        args.append(len(entries))
        for entry in entries:
            args.extend(entry)
        args.extend(token for _, token in fences)
        keys = [self._k_seq, self._k_log, self._k_epoch, self._k_snapver, self._k_turn]
        keys.extend(key for key, _ in fences)
        try:
            result = self._script("commit", keys, args)
        except BackendUnavailable:
            # It may have gone in before the connection failed: if so it comes back
            # through the stream and must be applied like another process's change.
            self._unsure += 1
            raise
        kind = result[0]
        if kind == b"ok":
            self._seen = max(self._seen, head)
            return head - int(result[1])
        if kind in (b"behind", b"epoch"):
            raise Behind
        if kind == b"turn":
            self._conflicts.yielded = True  # nothing newer: another writer's turn
            raise Behind
        if kind == b"lock":
            lost = result[1].decode()
            for held in self._held.values():
                if held.redis_key == lost:
                    held.lost = True
            raise LockLost(
                f"the lease of shared lock {lost} was lost (expired or taken over); "
                "the change was rolled back"
            )
        raise BackendUnavailable(f"unexpected commit reply from Redis: {result!r}")

    # -- reading -------------------------------------------------------------------------
    def _entry_name(self, entry_id: bytes) -> str:
        return (
            f"Redis {self._where()} stream {self._k_log} entry {entry_id.decode(errors='replace')}"
        )

    def _decode_entries(
        self, entries: Sequence[Any], version: int
    ) -> tuple[list[Stored], int] | None:
        """Decode stream entries after ``version``; None when there is a gap.

        A change that cannot be decoded comes back as an ``UndecodableChange``.
        """
        changes: list[Stored] = []
        for entry_id, fields in entries:
            try:
                last = int(entry_id.split(b"-", 1)[0])
                count = int(fields.get(b"n", b"0"))
            except ValueError:
                return None
            if last <= version:
                continue
            if not 0 < count <= ENTRY_CHANGES:
                count = last - version  # a bad count: the entry covers what follows
            first = last - count + 1
            if first > version + 1 or not 0 < count <= ENTRY_CHANGES:
                return None
            decoded = self.codec.decode_entry(
                fields.get(b"d", b""), first, count, self._entry_name(entry_id)
            )
            changes.extend(decoded[version + 1 - first :])
            version = last
        return changes, version

    def _fetch_since(self, version: int, epoch: bytes | None = None) -> list[Stored] | None:
        expected_epoch = self._epoch if epoch is None else epoch
        changes: list[Stored] = []
        start = version
        while True:

            def read(start: int = start) -> list[Any]:
                pipe = self.client.pipeline(transaction=True)
                pipe.get(self._k_epoch)
                pipe.get(self._k_seq)
                pipe.xrange(self._k_log, min=f"{start + 1}-0", max="+", count=PAGE)
                return pipe.execute()

            found_epoch, head, entries = self._call(read)
            if found_epoch != expected_epoch:
                return None
            head = int(head or 0)
            if head < version:
                return None
            if start >= head:
                return changes
            decoded = self._decode_entries(entries, start)
            if decoded is None or not entries:
                return None
            page, start = decoded
            changes.extend(page)

    def _probe(self) -> tuple[bytes | None, bytes | None, bytes | None]:
        found: Any = self._call(
            lambda: self.client.mget([self._k_epoch, self._k_seq, self._k_seed])
        )
        if found[0] is not None and found[0] == self._epoch:
            self._seen = max(self._seen, int(found[1] or 0))
        return found[0], found[1], found[2]

    def accept_loss(self) -> None:
        """Accept that acknowledged changes were lost (see :class:`StateLost`) and go on.

        The most advanced replica left re-seeds the store; a replica that holds changes
        the store lost reloads the store's state instead. Call it in one process.
        """
        self._accept_loss = True
        with self.journal.batch():
            self._sync()

    def _prefetch(self, base: int, whole: bool) -> Fetched:
        epoch, head_text, _ = self._probe()
        head = int(head_text or 0)
        fetched = Fetched(base, mark=self._epoch)
        if epoch is None or (epoch == self._epoch and head < base):
            fetched.locked = True  # wiped or rewound: settled under the lock (no decoding)
            return fetched
        if epoch == self._epoch and not whole:
            if head == base:
                fetched.items = []
                return fetched
            fetched.items = self._fetch_since(base)
            if fetched.items is not None:
                return fetched
        fetched.state = self._load_state()  # None: Redis changed while it was read
        return fetched

    def _use(self, fetched: Fetched) -> Progress | None:
        journal = self.journal
        if journal.version != fetched.base or self._epoch != fetched.mark:
            return None
        if fetched.locked or (fetched.state is not None and fetched.state.mark != self._epoch):
            # A wipe or another epoch: settle it on what Redis holds now (no decoding).
            epoch, head_text, seed = self._probe()
            head, version = int(head_text or 0), fetched.base
            if epoch is None or (epoch == self._epoch and head < version):
                return self._claim_reseed(epoch, head_text, version)
            moved = self._epoch is not None and epoch != self._epoch
            if moved and self._holds_more(seed, epoch, head, version):
                reseeded = self._reseed(epoch, head_text, version, claims=False)
                return Progress.RESEEDED if reseeded else None
            if fetched.state is None or fetched.state.mark != epoch:
                return None  # read again
        self._claimed_at = None
        progress = super()._use(fetched)
        if progress is not None:
            self._seen = max(self._seen, journal.version)
        return progress

    def _catch_up(self) -> Progress:
        journal = self.journal
        for _ in range(1000):
            epoch, head_text, seed = self._probe()
            head = int(head_text or 0)
            version = journal.version
            if epoch is None or (epoch == self._epoch and head < version):
                progress = self._claim_reseed(epoch, head_text, version)
                if progress is not None:
                    return progress
                continue
            self._claimed_at = None
            if epoch != self._epoch:
                if self._epoch is not None and self._holds_more(seed, epoch, head, version):
                    if self._reseed(epoch, head_text, version, claims=False):
                        return Progress.RESEEDED
                    continue
                progress = self._try_reload()
                if progress is not None:
                    return progress
                continue
            if head == version:
                return Progress.NOTHING
            changes = self._fetch_since(version)
            if changes is None:  # trimmed past this version, or changed meanwhile
                progress = self._try_reload()
                if progress is not None:
                    return progress
                continue
            self._apply_remote(changes)
            self._seen = max(self._seen, journal.version)
            return Progress.APPLIED
        raise BackendUnavailable(
            f"the Redis store {self.store_name!r} kept changing while this process caught up"
        )

    def _holds_more(self, seed: bytes | None, epoch: bytes, head: int, version: int) -> bool:
        """Tell whether the store was re-seeded from less than this replica holds.

        True when this replica should re-seed it (nobody wrote since); raise
        :class:`StateLost` when others wrote since (unless the loss was accepted).
        """
        parts = (seed or b"").split(b":")
        if len(parts) != 3 or parts[0] != epoch or parts[2] != self._epoch:
            return False
        seeded = int(parts[1])
        if version <= seeded:
            return False
        if head == seeded:
            return True
        if self._accept_loss:
            self._accept_loss = False
            return False
        message = (
            f"the Redis store {self.store_name!r} at {self._where()} was re-seeded from "
            f"version {seeded} while this replica was away, and written since; this "
            f"replica's acknowledged changes {seeded + 1}..{version} are not in it. Nothing "
            "was reset: this replica keeps its value (read it to salvage them) and refuses "
            "writes; call store.backend.accept_loss() to drop them and follow the store"
        )
        logger.error("observable: %s", message)
        raise StateLost(message)

    def _claim_reseed(
        self, epoch: bytes | None, head_text: bytes | None, version: int
    ) -> Progress | None:
        """Take part in choosing the replica that re-seeds a wiped or rewound store."""
        now = time.monotonic()
        if self._claimed_at is None:
            self._claimed_at = now
            logger.warning(
                "observable: Redis store %r at %s %s; collecting the replicas' "
                "versions for %.1f s to seed it from the most advanced",
                self.store_name,
                self._where(),
                "has no epoch (it is new, or it lost its data)"
                if epoch is None
                else f"lost data (sequence {int(head_text or 0)} < {version})",
                self.reseed_wait,
            )
        ttl = max(int(self.reseed_wait * 2000), 1000)
        claim = f"{version}:{max(self._seen, version)}"
        self._script("claim", [self._k_claims], [self._replica, claim, ttl])
        remaining = self._claimed_at + self.reseed_wait - now
        if remaining > 0:
            time.sleep(min(remaining, 0.25))
            return None
        if self._reseed(epoch, head_text, version, claims=True):
            self._claimed_at = None
            return Progress.RESEEDED
        time.sleep(0.05)
        return None

    def _reseed(
        self, epoch: bytes | None, head_text: bytes | None, version: int, *, claims: bool
    ) -> bool:
        raw = self.engine.raw_root
        pairs: list[str] = []
        for key, value in raw.items():
            if key not in self._quarantine.keys:
                pairs += [key, self.codec.encode(value)]
        new_epoch = uuid.uuid4().hex.encode()
        keys = [
            self._k_epoch,
            self._k_seq,
            self._k_snapver,
            self._k_snap,
            self._k_log,
            self._k_seed,
            self._k_order,
            self._k_claims,
        ]
        lineage = self._epoch or new_epoch
        args: list[Any] = [epoch or b"", head_text or b"", new_epoch, str(version)]
        args += [json.dumps(list(raw)), lineage, "1" if claims else "0", self._replica]
        args.append("1" if self._accept_loss else "0")
        result = self._script("reseed", keys, [*args, *pairs])
        if result[0] == b"lost":
            seen = int(result[1])
            message = (
                f"the Redis store {self.store_name!r} at {self._where()} lost its data, and "
                f"the most advanced live replica holds version {version} while sequence "
                f"{seen} was acknowledged: changes {version + 1}..{seen} cannot be "
                "recovered. Nothing was reset; writes are refused until "
                "store.backend.accept_loss() is called"
            )
            logger.error("observable: %s", message)
            raise StateLost(message)
        if result[0] != b"ok":
            return False
        if self._epoch is not None or version:
            logger.warning(
                "observable: Redis store %r at %s had %s; re-seeded it from this process "
                "(version %d, %d keys)",
                self.store_name,
                self._where(),
                "no data" if epoch is None else "less than this process",
                version,
                len(raw),
            )
        self._accept_loss = False
        self._epoch = new_epoch
        self._rebases += 1
        self._seen = version
        self._dirty.clear()
        self._all_dirty = False
        return True

    def _reload(self) -> Progress:
        progress = self._try_reload()
        return progress if progress is not None else self._catch_up()

    def _try_reload(self) -> Progress | None:
        """Load the snapshot and replay the stream; None when Redis changed meanwhile."""
        state = self._load_state()
        return None if state is None else self._install_state(state)

    def _load_state(self) -> Loaded | None:
        """Read and decode the snapshot and the stream after it; None when Redis changed
        meanwhile (no journal lock needed: this changes no local state)."""
        keys = [self._k_epoch, self._k_snapver, self._k_seq, self._k_snap, self._k_order]
        epoch, snapver_text, _, flat, order = self._script("load", keys, [])
        if epoch is None:
            return None  # wiped meanwhile: the caller re-seeds
        snapver = int(snapver_text)
        pairs = [(flat[i].decode(errors="replace"), flat[i + 1]) for i in range(0, len(flat), 2)]
        changes = self._fetch_since(snapver, epoch)
        if changes is None:
            return None
        where = f"Redis {self._where()} {self._k_snap}"
        return self._decoded_state(pairs, where, order, changes, snapver, epoch)

    def _loaded(self, state: Loaded) -> None:
        self._epoch = state.mark
        self._seen = state.version

    def _read_forever(self) -> None:
        journal = self.journal
        client = self._reader_client
        assert client is not None
        own = self._commit_prefix.encode()
        need = "id"
        failures = 0
        checked = 0.0
        cursor = 0  # newest entry read; may run ahead of the version by own commits
        unsure = 0
        while not self._stop.is_set():
            try:
                if self._unsure != unsure:
                    unsure, need = self._unsure, "sync"
                if need in ("sync", "reload"):
                    # Read and decode without the lock; subscribers hear of the changes
                    # after it is released.
                    with journal.batch():
                        if need == "reload":
                            self._sync(whole=True)
                        self._sync()
                    checked = time.monotonic()
                    cursor = journal.version
                if need != "":
                    self._reader_id = int(client.client_id())  # type: ignore[arg-type]
                    need = ""
                version = journal.version
                cursor = max(cursor, version)
                if time.monotonic() - checked >= self.block:
                    # A wiped or rewound Redis sends nothing: look for it when idle.
                    found: Any = client.mget([self._k_epoch, self._k_seq])
                    checked = time.monotonic()
                    if found[0] != self._epoch or int(found[1] or 0) < version:
                        need = "sync"
                        continue
                response: Any = client.xread(
                    {self._k_log: f"{cursor}-0"}, count=PAGE, block=int(self.block * 1000)
                )
                failures = 0
                if not response:
                    checked = 0.0
                    continue
                entries = response[0][1]
                last = int(entries[-1][0].split(b"-", 1)[0])
                if all(fields[b"i"].startswith(own) for _, fields in entries):
                    # This process's own commits: its writer applies them (and a commit
                    # whose reply was lost makes the next round catch up instead).
                    cursor = last
                    continue
                if not self._stop.is_set():
                    # Decode before taking the journal lock: decoding never runs under it.
                    decoded = self._decode_entries(entries, cursor)
                    with journal.batch(), journal.lock:
                        if decoded is None or journal.version != cursor:
                            need = "sync"
                        elif decoded[0]:
                            self._apply_remote(decoded[0])
                            self._seen = max(self._seen, journal.version)
                    cursor = journal.version
            except Exception as error:
                if self._stop.is_set():
                    break
                failures += 1
                if _lost_connection(error):
                    if failures == 1:
                        reason = error.__cause__ or error  # not a writer's "rolled back"
                        logger.warning(
                            "observable: lost Redis at %s (%s); retrying", self._where(), reason
                        )
                    need = "sync"
                    self._stop.wait(reconnect_delay(failures, self.block))
                    continue
                if failures <= 3 or failures % 100 == 0:
                    logger.exception("observable: the Redis reader failed; reloading the state")
                need = "reload"
                self._stop.wait(min(0.05 * 2**failures, 2.0))

    # -- compaction ------------------------------------------------------------------------
    def _write_snapshot(
        self,
        version: int,
        upserts: dict[str, str],
        deletes: list[str],
        order: list[str],
        full: bool,
    ) -> None:
        if self._epoch is None:
            return
        keep = max(self.compact_every, 1)
        args: list[Any] = [self._epoch, str(version), f"{max(version + 1 - keep, 0)}-0"]
        args += ["1" if full else "0", json.dumps(order), len(deletes), *deletes]
        for key, text in upserts.items():
            args += [key, text]
        keys = [
            self._k_epoch,
            self._k_seq,
            self._k_snapver,
            self._k_snap,
            self._k_log,
            self._k_order,
        ]
        self._script("compact", keys, args)

    # -- locks -------------------------------------------------------------------------------
    def lock(self, key: str) -> SharedLock:
        """Return the shared, leased lock of ``key`` (the same object for the same key)."""
        with self._locks_guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = SharedLock(self, key)
            return lock

    def _acquire_shared(self, key: str) -> None:
        redis_key = f"{self.prefix}:lock:{key}"
        lease_ms = max(int(self.lock_lease * 1000), 1)
        delay = 0.001
        while True:
            token = uuid.uuid4().hex
            granted, value = self._script("acquire", [redis_key], [lease_ms, token])
            if granted:
                break
            wait = min(delay, max(int(value), 1) / 1000)
            time.sleep(wait * (0.5 + random.random()))
            delay = min(delay * 2, 0.05)
        held = _Held(
            key, redis_key, token, threading.get_ident(), time.monotonic() + self.lock_lease
        )
        self._held[key] = held
        try:
            with self.journal.deferring():
                self._sync()  # reads and decodes before it takes the journal lock
        except BaseException:
            self._release_shared(key)
            raise

    def _release_shared(self, key: str) -> _Held | None:
        held = self._held.pop(key, None)
        if held is None:
            return None
        held.released = True  # before the release: the keeper ignores it from now on
        try:
            released = self._script("release", [held.redis_key], [held.token])
            if not released:
                held.lost = True
        except BackendUnavailable:
            logger.warning("observable: could not release shared lock %r; it expires", key)
        return held

    def _keep_leases(self) -> None:
        interval = self.lock_lease / 3
        lease_ms = max(int(self.lock_lease * 1000), 1)
        while not self._stop.wait(interval):
            for held in list(self._held.values()):
                if held.lost or held.released:
                    continue
                try:
                    renewed = self._scripts["renew"](
                        keys=[held.redis_key], args=[held.token, lease_ms], client=self.client
                    )
                except (redis.RedisError, BackendUnavailable):
                    if time.monotonic() > held.expires and not held.released:
                        held.lost = True
                    continue
                if held.released:
                    continue  # released while renewing: its answer means nothing
                if renewed:
                    held.expires = time.monotonic() + self.lock_lease
                else:
                    held.lost = True
                    logger.warning("observable: the lease of store.lock(%r) was lost", held.key)
