"""Backend benchmarks: Redis propagation latency and throughput, SQLite commits and restart.

- **Redis propagation** (loopback): this process writes to a Redis store, a replica in a
  second process (``python -m bench.backends replica URL``) has a subscriber on it. Each
  change carries ``time.monotonic()`` taken just before the write; the replica subtracts
  it when its subscriber runs (Linux's monotonic clock is shared by every process). The
  writer paces itself (one change every 2 ms), so this is latency, not queueing.
- **Redis throughput**, one writer: changes per second acknowledged by Redis, in batches
  (``store.batch()`` of 1,000 appends: one commit script each) and one commit per change;
  plus the rate at which the replica process had applied them all.
- **Redis contention**: 4 writer processes append ``[writer, i]`` to one shared list, one
  commit per change, with ``store.lock`` around each append and without (conflicts,
  catch-up and jittered, bounded retries). Reported: lost and duplicated writes (both
  must be 0), throughput, p99 and maximum single-operation latency, and the longest
  single back-off a writer waited.
- **SQLite**: commits per second (one transaction per change with ``synchronous=full``
  and ``normal``, and batches of 1,000), and the time ``Store(url)`` takes to open a file
  whose journal holds 10^5 changes (no compaction), replaying them.

``redis-server`` comes from PATH (Debian's package); without it the Redis rows are n/a.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.report import table
from bench.targets import MISS, NA, PASS, TargetResult

SECTION = "backends"
"""The section name for ``--only``."""

TARGET_P50_MS = 10.0
TARGET_RATE = 20_000.0
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Plan:
    """How much each measurement does."""

    latency_changes: int
    batched_changes: int
    single_changes: int
    sqlite_single: int
    sqlite_batched: int
    restart_entries: int
    contended: int = 20_000


FULL_PLAN = Plan(2_000, 100_000, 10_000, 2_000, 100_000, 100_000)
SMOKE_PLAN = Plan(200, 10_000, 1_000, 200, 10_000, 10_000, contended=200)
WRITERS = 4
BATCH = 1_000


@dataclass
class Section:
    """What the section reports: the table, the JSON block and the target verdicts."""

    text: str
    json: dict[str, Any]
    targets: list[TargetResult]


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.2f}"


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# -- the replica process ---------------------------------------------------------------
def replica_main(url: str) -> None:
    """Run a replica: record propagation latencies and when throughput changes arrived."""
    from observable import Change, Store

    latencies: list[float] = []
    counts = {"tp": 0}
    last = {"tp": 0.0}

    def heard(keys: frozenset[str], changes: tuple[Change, ...]) -> None:
        now = time.monotonic()
        for change in changes:
            if change.path == ("lat",):
                latencies.append(now - change.args[0])
            elif change.path == ("tp",):
                counts["tp"] += 1
                last["tp"] = now

    store = Store(url)
    store.subscribe_all(heard)
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "report":
            report = {"latencies": latencies, "tp_count": counts["tp"], "tp_last": last["tp"]}
            print(json.dumps(report), flush=True)
        elif command == "exit":
            break
    store.backend.close()


class _Replica:
    """The replica subprocess and its line protocol."""

    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.backends", "replica", url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._line()

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the replica process exited")
        return line

    def report(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write("report\n")
        self.process.stdin.flush()
        return json.loads(self._line())  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.write("exit\n")
                self.process.stdin.flush()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


# -- measurements ----------------------------------------------------------------------
def contend_main(url: str, writer: int, count: int, locked: bool) -> None:
    """One contending writer: append ``[writer, i]`` to ``c``; print a JSON summary."""
    from observable import Store
    from observable.backends import StateReloaded

    store = Store(url)
    latencies: list[float] = []
    started = time.monotonic()
    reloaded = 0
    for number in range(count):
        before = time.monotonic()
        while True:
            try:
                if locked:
                    with store.lock("c"):
                        store["c"].append([writer, number])
                else:
                    store["c"].append([writer, number])
                break
            except StateReloaded:  # SQLite: another process compacted; read the key again
                reloaded += 1
        latencies.append(time.monotonic() - before)
    elapsed = time.monotonic() - started
    backend: Any = store.backend
    store.backend.close()
    latencies.sort()
    summary = {
        "elapsed": elapsed,
        "p50": _percentile(latencies, 50),
        "p99": _percentile(latencies, 99),
        "max": latencies[-1] if latencies else None,
        "worst_retry_wait": backend.worst_retry_wait,
        "reloaded": reloaded,
    }
    print(json.dumps(summary), flush=True)


def _contention(url: str, plan: Plan, locked: bool) -> dict[str, Any]:
    """Run the contending writers on the store at ``url`` (Redis or SQLite) and check it."""
    from observable import Store

    setup = Store(url)
    setup["c"] = []
    setup.backend.close()
    argv = [sys.executable, "-m", "bench.backends", "contend", url]
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [*argv, str(writer), str(plan.contended), str(int(locked))],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for writer in range(WRITERS)
    ]
    summaries = []
    for process in processes:
        out, _ = process.communicate(timeout=1800)
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.monotonic() - started
    check = Store(url)
    items = [tuple(item) for item in check["c"]]
    check.backend.close()
    expected = {(writer, number) for writer in range(WRITERS) for number in range(plan.contended)}
    present = set(items)
    return {
        "writers": WRITERS,
        "changes_each": plan.contended,
        "lost": len(expected - present),
        "duplicated": len(items) - len(present),
        "per_s": _rate(WRITERS * plan.contended, elapsed),
        "elapsed_s": elapsed,
        "p50_s": statistics.median(s["p50"] for s in summaries),
        "p99_s": max(s["p99"] for s in summaries),
        "max_s": max(s["max"] for s in summaries),
        "worst_retry_wait_s": max(s["worst_retry_wait"] for s in summaries),
        "state_reloaded_retries": sum(s["reloaded"] for s in summaries),
    }


def _contention_rows(
    kind: str,
    url_of: Callable[[bool], str],
    plan: Plan,
    say: Callable[[str], None],
    results: dict[str, Any],
) -> list[list[str]]:
    """Measure contention with and without ``store.lock`` on stores ``url_of(locked)``."""
    rows = []
    for locked in (True, False):
        found = _contention(url_of(locked), plan, locked)
        label = "with store.lock" if locked else "no lock"
        results["contention_locked" if locked else "contention_unlocked"] = found
        sound = found["lost"] == 0 and found["duplicated"] == 0
        rows.append(
            [
                f"{kind}, {WRITERS} writers x {plan.contended:,}, {label}",
                f"{found['per_s']:,.0f} changes/s; p50 {_ms(found['p50_s'])} ms, "
                f"p99 {_ms(found['p99_s'])} ms, max {_ms(found['max_s'])} ms",
                f"lost {found['lost']}, duplicated {found['duplicated']}; longest back-off "
                f"{_ms(found['worst_retry_wait_s'])} ms; StateReloaded retries "
                f"{found['state_reloaded_retries']}",
                f"lost = duplicated = 0: {PASS if sound else MISS}",
            ]
        )
        say(f"  {kind} contention ({label}): {rows[-1][1]}; {rows[-1][2]}")
    return rows


def _sqlite_contention(
    plan: Plan, say: Callable[[str], None], results: dict[str, Any]
) -> list[list[str]]:
    """Contention on one SQLite file (``synchronous=normal``: commits, not fsyncs, count)."""
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-contend-") as folder:

        def url_of(locked: bool) -> str:
            return f"sqlite:///{folder}/contend{int(locked)}.db?synchronous=normal"

        return _contention_rows("sqlite", url_of, plan, say, results)


def _redis_rows(plan: Plan, say: Callable[[str], None]) -> tuple[list[list[str]], dict[str, Any]]:
    from observable import Store
    from tests.support.redis_server import RedisServer

    results: dict[str, Any] = {}
    rows: list[list[str]] = []
    executable = shutil.which("redis-server")
    if executable is None:
        results["reason"] = "redis-server is not on PATH"
        return [["redis", "n/a: redis-server is not on PATH", "", ""]], results
    with RedisServer(executable) as server:
        url = f"{server.url}?store=bench"
        writer = Store(url)
        replica = _Replica(url)
        try:
            writer["lat"] = []
            writer["tp"] = []
            lat = writer["lat"]
            for _ in range(plan.latency_changes):
                lat.append(time.monotonic())
                time.sleep(0.002)
            _wait_for(lambda: len(replica.report()["latencies"]) >= plan.latency_changes, 30)
            latencies = replica.report()["latencies"]
            p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
            results["latency_s"] = {"p50": p50, "p99": p99, "samples": len(latencies)}
            target = NA if p50 is None else (PASS if p50 * 1000 <= TARGET_P50_MS else MISS)
            rows.append(
                [
                    "redis propagation, 2 processes",
                    f"p50 {_ms(p50)} ms, p99 {_ms(p99)} ms",
                    f"{len(latencies):,} changes",
                    f"p50 <= {TARGET_P50_MS:g} ms: {target}",
                ]
            )
            say(f"  redis propagation: p50 {_ms(p50)} ms, p99 {_ms(p99)} ms")

            tp = writer["tp"]
            started = time.monotonic()
            for start in range(0, plan.batched_changes, BATCH):
                with writer.batch():
                    for number in range(start, min(start + BATCH, plan.batched_changes)):
                        tp.append(number)
            committed = time.monotonic() - started
            _wait_for(lambda: replica.report()["tp_count"] >= plan.batched_changes, 60)
            report = replica.report()
            replicated = report["tp_last"] - started
            batched_rate = _rate(plan.batched_changes, committed)
            results["batched"] = {
                "changes": plan.batched_changes,
                "committed_per_s": batched_rate,
                "replicated_per_s": _rate(report["tp_count"], replicated),
            }
            verdict = PASS if batched_rate >= TARGET_RATE else MISS
            rows.append(
                [
                    f"redis, one writer, batches of {BATCH:,}",
                    f"{batched_rate:,.0f} changes/s",
                    f"replica applied all at {_rate(report['tp_count'], replicated):,.0f}/s",
                    f">= {TARGET_RATE:,.0f}/s: {verdict}",
                ]
            )
            say(f"  redis batched: {batched_rate:,.0f} changes/s")

            started = time.monotonic()
            for number in range(plan.single_changes):
                tp.append(number)
            single = time.monotonic() - started
            results["single"] = {
                "changes": plan.single_changes,
                "committed_per_s": _rate(plan.single_changes, single),
            }
            rows.append(
                [
                    "redis, one writer, one commit per change",
                    f"{_rate(plan.single_changes, single):,.0f} changes/s",
                    f"{plan.single_changes:,} changes",
                    "",
                ]
            )
            say(f"  redis single: {_rate(plan.single_changes, single):,.0f} changes/s")
            rows += _contention_rows(
                "redis",
                lambda locked: f"{server.url}?store=contend{int(locked)}",
                plan,
                say,
                results,
            )
        finally:
            replica.close()
            writer.backend.close()
    return rows, results


def _sqlite_rows(plan: Plan, say: Callable[[str], None]) -> tuple[list[list[str]], dict[str, Any]]:
    from observable import Store

    results: dict[str, Any] = {}
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        for synchronous in ("full", "normal"):
            store = Store(f"sqlite:///{folder}/single-{synchronous}.db?synchronous={synchronous}")
            store["log"] = []
            log = store["log"]
            started = time.monotonic()
            for number in range(plan.sqlite_single):
                log.append(number)
            rate = _rate(plan.sqlite_single, time.monotonic() - started)
            store.backend.close()
            results[f"single_{synchronous}_per_s"] = rate
            rows.append(
                [
                    f"sqlite, one commit per change, synchronous={synchronous}",
                    f"{rate:,.0f} changes/s",
                    f"{plan.sqlite_single:,} changes",
                    "",
                ]
            )
            say(f"  sqlite single ({synchronous}): {rate:,.0f} changes/s")

        url = f"sqlite:///{folder}/restart.db?compact_every=0"
        store = Store(url)
        store["log"] = []
        log = store["log"]
        started = time.monotonic()
        for start in range(0, plan.restart_entries, BATCH):
            with store.batch():
                for number in range(start, min(start + BATCH, plan.restart_entries)):
                    log.append({"n": number, "text": f"message {number}"})
        rate = _rate(plan.restart_entries, time.monotonic() - started)
        store.backend.close()
        results["batched_per_s"] = rate
        rows.append(
            [
                f"sqlite, batches of {BATCH:,}, synchronous=full",
                f"{rate:,.0f} changes/s",
                f"{plan.restart_entries:,} changes",
                "",
            ]
        )
        say(f"  sqlite batched: {rate:,.0f} changes/s")
        timings = []
        for _ in range(3):
            started = time.monotonic()
            reopened = Store(url)
            timings.append(time.monotonic() - started)
            assert len(reopened["log"]) == plan.restart_entries
            reopened.backend.close()
        restart = statistics.median(timings)
        results["restart_s"] = restart
        results["restart_entries"] = plan.restart_entries
        rows.append(
            [
                f"sqlite restart, {plan.restart_entries:,} journal entries",
                f"{restart * 1000:,.0f} ms",
                "median of 3 opens (replays the journal)",
                "",
            ]
        )
        say(f"  sqlite restart: {restart * 1000:,.0f} ms")
    rows += _sqlite_contention(plan, say, results)
    return rows, results


def _contention_targets(kind: str, results: dict[str, Any]) -> list[TargetResult]:
    targets = []
    for mode in ("contention_locked", "contention_unlocked"):
        found = results.get(mode)
        if found is not None:
            targets.append(
                TargetResult(
                    f"{kind} {mode.replace('_', ', ')}: no lost or duplicated writes",
                    f"lost {found['lost']}, duplicated {found['duplicated']}",
                    PASS if found["lost"] == found["duplicated"] == 0 else MISS,
                )
            )
    return targets


def contention_main(argv: Sequence[str]) -> None:
    """``python -m bench.backends contention [CHANGES] [redis|sqlite ...]``: only the
    contended writers (default: the full size, both backends), as a table and JSON."""
    from tests.support.redis_server import RedisServer

    changes = int(argv[0]) if argv else FULL_PLAN.contended
    kinds = list(argv[1:]) or ["redis", "sqlite"]
    plan = replace(SMOKE_PLAN, contended=changes)
    rows: list[list[str]] = []
    results: dict[str, Any] = {}
    if "redis" in kinds:
        executable = shutil.which("redis-server")
        if executable is None:
            rows.append(["redis", "n/a: redis-server is not on PATH", "", ""])
        else:
            with RedisServer(executable) as server:
                results["redis"] = {}
                rows += _contention_rows(
                    "redis",
                    lambda locked: f"{server.url}?store=contend{int(locked)}",
                    plan,
                    print,
                    results["redis"],
                )
    if "sqlite" in kinds:
        results["sqlite"] = {}
        rows += _sqlite_contention(plan, print, results["sqlite"])
    print(table(["measurement", "result", "detail", "target"], rows, ()))
    print(json.dumps(results, indent=2))


def run_section(*, smoke: bool, say: Callable[[str], None]) -> Section:
    """Measure the backends and return the table, JSON and targets."""
    plan = SMOKE_PLAN if smoke else FULL_PLAN
    say(f"== backends ({'smoke' if smoke else 'full'}) ==")
    redis_rows, redis_json = _redis_rows(plan, say)
    sqlite_rows, sqlite_json = _sqlite_rows(plan, say)
    targets: list[TargetResult] = []
    text = "\n".join(
        [
            "== backends: Redis on loopback, SQLite on local disk ==",
            table(["measurement", "result", "detail", "target"], redis_rows + sqlite_rows, ()),
            "",
        ]
    )
    for kind, found_json in (("redis", redis_json), ("sqlite", sqlite_json)):
        targets += _contention_targets(kind, found_json)
    latency = redis_json.get("latency_s", {}).get("p50")
    rate = redis_json.get("batched", {}).get("committed_per_s")
    targets += [
        TargetResult(
            f"redis propagation p50 <= {TARGET_P50_MS:g} ms",
            f"{_ms(latency)} ms",
            NA if latency is None else (PASS if latency * 1000 <= TARGET_P50_MS else MISS),
        ),
        TargetResult(
            f"redis one writer, batched >= {TARGET_RATE:,.0f} changes/s",
            "n/a" if rate is None else f"{rate:,.0f}/s",
            NA if rate is None else (PASS if rate >= TARGET_RATE else MISS),
        ),
    ]
    return Section(text, {"redis": redis_json, "sqlite": sqlite_json}, targets)


if __name__ == "__main__":
    if sys.argv[1:2] == ["replica"]:
        replica_main(sys.argv[2])
    elif sys.argv[1:2] == ["contend"]:
        contend_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1")
    elif sys.argv[1:2] == ["contention"]:
        contention_main(sys.argv[2:])
    else:
        result = run_section(smoke="--smoke" in sys.argv, say=print)
        print(result.text)
        for verdict in result.targets:
            print(verdict.status, verdict.target, verdict.measured)
