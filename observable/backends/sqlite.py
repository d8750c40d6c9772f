"""Durable state on one machine: a SQLite file holding a snapshot plus the journal.

``Store("sqlite:///var/lib/app/state.db")`` (three slashes, then an absolute path;
``sqlite:state.db`` is relative to the working directory). Options go in the query
string: ``compact_every`` (default 10000, ``0`` never compacts), ``synchronous``
(``full``, the default, or ``normal``, ``extra``, ``off``), ``timeout`` (seconds to wait
for another process's write lock, default 5). Pickle is never a URL option: pass
``SQLiteBackend(path, codec=Codec(allow_pickle=True))`` in code (see the codec).

The file is in WAL mode. Each change is one row, appended in its own transaction (or one
transaction per ``store.batch()``) before the write returns, so a process that is killed
at any moment leaves the last committed state. Compaction rewrites the snapshot rows of
the keys that changed and deletes the journal rows it covers, in one transaction.

With ``synchronous=full`` a committed change also survives a power cut; ``normal`` is
much faster and still survives the process being killed, but may lose the last
transactions if the machine itself goes down.

Several processes may open the same file: each append checks that the journal is where
the writer thinks it is, so a writer that is behind catches up before its change goes
in. A process does not see another's changes until it writes (or calls
``store.backend.reload()``); use the Redis backend for live sharing. When the other
process compacted meanwhile, catching up means reloading the whole state: a write made
through a proxy of a key whose value changed then raises
:class:`~observable.backends.StateReloaded` (rolled back; read the key from the store
again and retry).

Catching up reads through a second connection (WAL: it reads while the first one
writes), guarded by its own mutex, and decodes before it takes the journal lock (see
``observable.backends.fetched``). A row that cannot be decoded or applied quarantines its
key only (see ``observable.backends.quarantine``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .base import BackendUnavailable
from .codec import DEFAULT_CODEC, Codec
from .fetched import Fetched, Loaded, Stored
from .logged import DEFAULT_COMPACT_EVERY, Behind, LogBackend, Progress

__all__ = ["SQLiteBackend"]

FORMAT = "1"
"""The on-disk format this module writes."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS observable_meta(
    name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS observable_snapshot(
    key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS observable_journal(
    seq INTEGER PRIMARY KEY, change TEXT NOT NULL);
INSERT OR IGNORE INTO observable_meta(name, value) VALUES ('format', '1');
INSERT OR IGNORE INTO observable_meta(name, value) VALUES ('snapshot_version', '0');
"""

_HEAD = """SELECT max(
    (SELECT COALESCE(MAX(seq), 0) FROM observable_journal),
    (SELECT CAST(value AS INTEGER) FROM observable_meta WHERE name = 'snapshot_version'))"""

_APPEND_AT_HEAD = f"""INSERT INTO observable_journal(seq, change)
    SELECT ?1, ?2 WHERE ({_HEAD}) = ?3"""

_SNAPSHOT_VERSION = "SELECT value FROM observable_meta WHERE name = 'snapshot_version'"

_SYNCHRONOUS = ("off", "normal", "full", "extra")

_Snapshot = tuple[list[Any], str | None]
"""Snapshot rows (key, encoded value) and the key order (a JSON list) as read."""


class SQLiteBackend(LogBackend):
    """Keeps a store's state in a SQLite file: snapshot plus journal, in WAL mode."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        codec: Codec = DEFAULT_CODEC,
        compact_every: int = DEFAULT_COMPACT_EVERY,
        synchronous: str = "full",
        timeout: float = 5.0,
    ) -> None:
        super().__init__(codec=codec, compact_every=compact_every)
        if synchronous.lower() not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(_SYNCHRONOUS)}")
        self.path = Path(path)
        """The database file."""
        self.synchronous = synchronous.lower()
        """SQLite's ``synchronous`` setting: ``full`` survives power loss."""
        self.timeout = timeout
        """Seconds to wait for another process's write lock."""
        self._conn: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None  # reads without the journal lock
        self._read_guard = threading.Lock()  # one read transaction at a time on it
        self._snapshot_version = 0

    @classmethod
    def from_url(cls, url: str, *, codec: Codec = DEFAULT_CODEC) -> SQLiteBackend:
        """Build from ``sqlite:///absolute/path.db?option=value`` or ``sqlite:relative.db``."""
        parts = urlsplit(url)
        if parts.scheme != "sqlite":
            raise ValueError(f"not a sqlite:// URL: {url!r}")
        if parts.netloc not in ("", "localhost"):
            raise ValueError(
                f"sqlite URL {url!r} names a host; use sqlite:///absolute/path.db "
                "(three slashes) or sqlite:relative/path.db"
            )
        path = unquote(parts.path)
        if not path or path == "/":
            raise ValueError(f"sqlite URL {url!r} has no file path")
        options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        known = {"compact_every", "synchronous", "timeout"}
        refuse_pickle_option(options)
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"unknown sqlite:// option(s) {unknown}; known: {sorted(known)}")
        return cls(
            path,
            codec=codec,
            compact_every=int(options.get("compact_every", DEFAULT_COMPACT_EVERY)),
            synchronous=options.get("synchronous", "full"),
            timeout=float(options.get("timeout", 5.0)),
        )

    def __repr__(self) -> str:
        return f"<SQLiteBackend {str(self.path)!r}>"

    # -- storage -------------------------------------------------------------------------
    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise BackendUnavailable(f"the SQLite backend for {self.path} is closed")
        return self._conn

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
        except (sqlite3.Error, OSError) as error:
            raise BackendUnavailable(f"cannot open SQLite file {self.path}: {error}") from error
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise BackendUnavailable(f"{self.path} cannot use WAL mode (got {mode!r})")
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("COMMIT")
            found = conn.execute(
                "SELECT value FROM observable_meta WHERE name = 'format'"
            ).fetchone()[0]
            if found != FORMAT:
                raise BackendUnavailable(
                    f"{self.path} holds observable format {found!r}; this version reads {FORMAT!r}"
                )
        except sqlite3.Error as error:
            conn.close()
            raise BackendUnavailable(f"cannot prepare SQLite file {self.path}: {error}") from error
        except BaseException:
            conn.close()
            raise
        try:
            reader = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            conn.close()
            raise BackendUnavailable(f"cannot open SQLite file {self.path}: {error}") from error
        self._conn, self._reader = conn, reader
        try:
            self._reload()
        except BaseException:
            self._shutdown()
            raise

    def _shutdown(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        with self._read_guard:
            reader, self._reader = self._reader, None
            if reader is not None:
                reader.close()

    def _read_rows(self, since: int | None) -> tuple[int, _Snapshot | None, list[Any]]:
        """Read, in one read transaction on the read connection (no journal lock needed):
        the snapshot version, the snapshot when ``since`` is None or older than it, and
        the journal rows after ``since`` (after the snapshot when it is read)."""
        with self._read_guard:
            conn = self._reader
            if conn is None:
                raise BackendUnavailable(f"the SQLite backend for {self.path} is closed")
            try:
                conn.execute("BEGIN")
                try:
                    snapshot_version = int(conn.execute(_SNAPSHOT_VERSION).fetchone()[0])
                    snapshot: _Snapshot | None = None
                    if since is None or since < snapshot_version:
                        rows = conn.execute("SELECT key, value FROM observable_snapshot").fetchall()
                        order = conn.execute(
                            "SELECT value FROM observable_meta WHERE name = 'key_order'"
                        ).fetchone()
                        snapshot = (rows, order[0] if order is not None else None)
                        since = snapshot_version
                    journal = conn.execute(
                        "SELECT seq, change FROM observable_journal WHERE seq > ? ORDER BY seq",
                        (since,),
                    ).fetchall()
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as error:
                raise BackendUnavailable(f"cannot read SQLite file {self.path}: {error}") from error
        return snapshot_version, snapshot, journal

    def _load_whole(self) -> Loaded:
        """Read and decode the stored state: snapshot plus replayed journal (no lock needed)."""
        snapshot_version, snapshot, rows = self._read_rows(None)
        assert snapshot is not None
        items = self._decode_rows(rows, snapshot_version)
        if items is None:
            raise BackendUnavailable(f"{self.path}: the journal has a gap after {snapshot_version}")
        pairs, order = snapshot
        where = f"{self.path} snapshot row"
        return self._decoded_state(pairs, where, order, items, snapshot_version, snapshot_version)

    def _prefetch(self, base: int, whole: bool) -> Fetched:
        if not whole:
            _, snapshot, rows = self._read_rows(base)
            if snapshot is None:
                items = self._decode_rows(rows, base)
                if items is not None:
                    return Fetched(base, items=items)
        return Fetched(base, state=self._load_whole())

    def _loaded(self, state: Loaded) -> None:
        self._snapshot_version = state.mark

    def _decode_rows(self, rows: list[Any], version: int) -> list[Stored] | None:
        """Decode journal rows after ``version``; None when they do not follow it."""
        items: list[Stored] = []
        for seq, text in rows:
            if seq != version + 1 + len(items):
                return None
            entry = f"{self.path} journal row {seq}"
            items.extend(self.codec.decode_entry(f"[{text}]", seq, 1, entry))
        return items

    def _stored_snapshot_version(self) -> int:
        return int(self._db.execute(_SNAPSHOT_VERSION).fetchone()[0])

    def _reload(self) -> Progress:
        return self._install_state(self._load_whole())

    def _append(self, expected: int, parts: Sequence[str]) -> int:
        conn = self._db
        try:
            if len(parts) == 1:
                cursor = conn.execute(_APPEND_AT_HEAD, (expected + 1, parts[0], expected))
                if cursor.rowcount != 1:
                    raise Behind
            else:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if conn.execute(_HEAD).fetchone()[0] != expected:
                        raise Behind
                    conn.executemany(
                        "INSERT INTO observable_journal(seq, change) VALUES (?, ?)",
                        [(expected + 1 + i, text) for i, text in enumerate(parts)],
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except sqlite3.IntegrityError:
            raise Behind from None
        except sqlite3.Error as error:
            raise BackendUnavailable(
                f"cannot write to SQLite file {self.path}: {error}; the change was rolled back"
            ) from error
        return expected + len(parts) - self._snapshot_version

    def _fetch_since(self, version: int) -> list[Stored] | None:
        _, snapshot, rows = self._read_rows(version)
        return None if snapshot is not None else self._decode_rows(rows, version)

    def _catch_up(self) -> Progress:
        changes = self._fetch_since(self.journal.version)
        if changes is None:
            return self._reload()
        if not changes:
            return Progress.NOTHING
        self._apply_remote(changes)
        return Progress.APPLIED

    def _write_snapshot(
        self,
        version: int,
        upserts: dict[str, str],
        deletes: list[str],
        order: list[str],
        full: bool,
    ) -> None:
        conn = self._db
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                stored = self._stored_snapshot_version()
                if version <= stored:
                    conn.execute("ROLLBACK")
                    self._snapshot_version = stored
                    return
                if full:
                    conn.execute("DELETE FROM observable_snapshot")
                conn.executemany(
                    "INSERT INTO observable_snapshot(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    list(upserts.items()),
                )
                conn.executemany(
                    "DELETE FROM observable_snapshot WHERE key = ?", [(key,) for key in deletes]
                )
                conn.execute(
                    "UPDATE observable_meta SET value = ? WHERE name = 'snapshot_version'",
                    (str(version),),
                )
                conn.execute(
                    "INSERT OR REPLACE INTO observable_meta(name, value) VALUES ('key_order', ?)",
                    (json.dumps(order),),
                )
                conn.execute("DELETE FROM observable_journal WHERE seq <= ?", (version,))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise BackendUnavailable(f"cannot compact SQLite file {self.path}: {error}") from error
        self._snapshot_version = version


def refuse_pickle_option(options: dict[str, str]) -> None:
    """Refuse a ``pickle`` URL option: only code may enable pickle, per store."""
    if "pickle" in options:
        raise ValueError(
            "pickle cannot be enabled from a store URL (a URL may come from configuration "
            "an attacker controls). Build the backend in code with "
            "codec=observable.backends.Codec(allow_pickle=True) if every writer is trusted"
        )
