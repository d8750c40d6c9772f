"""Gradio sections: event round trip versus state size, and cross-session push latency.

Both run against a real server (``bench/gradio_app.py``, launched on 127.0.0.1 with the test
suite's launcher) and a lean client that speaks Gradio's queue protocol as the browser does
(join the queue, then read the session's event stream), over one persistent HTTP client.

* ``gradio.events``: one event appends a record in place to a per-session list of N records and
  has the state as an output with a ``.change`` listener. Plain ``gr.State`` against
  ``ObservableState`` wired the same way (the straight swap) and wired with ``on``, interleaved
  as in every other section; a sample is one round trip, from joining the queue to
  ``process_completed``. The first call of each (untimed) also pays the session's copy.
* ``gradio.first``: the same append as the *first* event of a new session, whose state's
  default is a list of N records: ``gr.State`` deep-copies the default for the session;
  ``ObservableState`` shares it and copies what the append touches (see ``docs/gradio.md``,
  "The first event of a session"). Each sample is a new session.
* ``gradio.push``: S sessions each run the push generator of a ``SharedState``; a separate
  session changes the value R times. A latency is the time from that session's request to a
  watcher's ``process_generating`` message for the change (the moment the browser would fire
  ``.change``); p50 and p99 over all S x R arrivals.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import table
from bench.targets import MISS, NA, PASS, TargetResult
from bench.timing import Measurement, Subject, measure

__all__ = ["GradioScale", "gradio_sections", "run_gradio"]

APP = Path(__file__).with_name("gradio_app.py")
ROUND_TRIP_LIMIT = 2.0
"""ObservableState's round trip at the largest size may be at most this multiple of the smallest."""
PUSH_P50_LIMIT_MS = 100.0
"""The median cross-session push latency may be at most this many milliseconds."""
WAIT_S = 60.0
"""Bound on any single wait for the server (a plain gr.State event at 10^6 takes seconds)."""


@dataclass(frozen=True)
class GradioScale:
    """How big the Gradio sections are."""

    sizes: tuple[int, ...]
    first_sizes: tuple[int, ...]
    sessions: int
    rounds: int


FULL = GradioScale(
    sizes=(1_000, 10_000, 100_000, 1_000_000),
    first_sizes=(1_000, 100_000, 1_000_000),
    sessions=10,
    rounds=30,
)
SMOKE = GradioScale(sizes=(100, 1_000), first_sizes=(100, 1_000), sessions=3, rounds=5)
APPROACHES = {"plain": "gr.State", "wired": "ObservableState", "observed": "on()"}
"""Event-name prefix -> column label: gr.State, the straight swap, and ``on``."""


def gradio_sections() -> list[str]:
    """Return the section names, for ``--list`` and ``--only``."""
    return ["gradio.events", "gradio.first", "gradio.push"]


def _unavailable() -> str | None:
    """Return why the Gradio sections cannot run here, or None."""
    try:
        import gradio  # noqa: F401
        import httpx  # noqa: F401
        import observable_gradio  # noqa: F401

        from tests.support import gradio_server  # noqa: F401
    except ImportError as error:
        return f"cannot import {error.name}"
    return None


@contextmanager
def _server(sizes: Sequence[int], first_sizes: Sequence[int]) -> Iterator[str]:
    """Serve the benchmark app (a copy in a temporary directory, with its log) and yield its URL."""
    from tests.support.gradio_server import run_gradio_app

    with tempfile.TemporaryDirectory(prefix="bench-gradio-") as directory:
        app = Path(directory) / APP.name
        shutil.copyfile(APP, app)
        env = {
            "BENCH_GRADIO_SIZES": ",".join(str(size) for size in sizes),
            "BENCH_GRADIO_FIRST": ",".join(str(size) for size in first_sizes),
        }
        with run_gradio_app(app, env=env, startup_timeout=300.0) as server:
            yield server.url


# -- a lean client -----------------------------------------------------------------------------
class _Tab:
    """One session of the app, speaking the queue protocol over one persistent HTTP client.

    The test suite's ``GradioSession`` opens a new HTTP client (and so a new TLS context, tens
    of milliseconds) each time it reopens the event stream; a benchmark must not time that.
    """

    def __init__(self, url: str) -> None:
        import httpx

        self.url = url
        self.session_hash = uuid.uuid4().hex[:11]
        self.http = httpx.Client(timeout=httpx.Timeout(WAIT_S), trust_env=False)
        config = self.http.get(f"{url}/config").raise_for_status().json()
        self.dependencies: list[dict[str, Any]] = config["dependencies"]

    def fn_index(self, api_name: str) -> int:
        """Return the fn_index of a named event."""
        return next(int(d["id"]) for d in self.dependencies if d.get("api_name") == api_name)

    def join(self, fn_index: int) -> str:
        """Join the queue with an event that has no inputs but states; return its event id."""
        dependency = next(d for d in self.dependencies if d["id"] == fn_index)
        body = {
            "data": [None] * len(dependency["inputs"]),
            "fn_index": fn_index,
            "trigger_id": None,
            "event_data": None,
            "session_hash": self.session_hash,
        }
        response = self.http.post(f"{self.url}/gradio_api/queue/join", json=body)
        return str(response.raise_for_status().json()["event_id"])

    def messages(self) -> Iterator[dict[str, Any]]:
        """Yield this session's stream messages until the server closes the stream."""
        params = {"session_hash": self.session_hash}
        with self.http.stream("GET", f"{self.url}/gradio_api/queue/data", params=params) as r:
            for line in r.iter_lines():
                if line.startswith("data:"):
                    message: dict[str, Any] = json.loads(line[len("data:") :])
                    yield message
                    if message.get("msg") in ("close_stream", "unexpected_error"):
                        return

    def call(self, api_name: str) -> dict[str, Any]:
        """Run an event to completion and return its ``process_completed`` message."""
        event_id = self.join(self.fn_index(api_name))
        completed: dict[str, Any] | None = None
        for message in self.messages():
            if message.get("msg") == "process_completed" and message.get("event_id") == event_id:
                completed = message
        if completed is None or not completed.get("success"):
            raise RuntimeError(f"event {api_name} failed: {completed}")
        return completed

    def close(self) -> None:
        """Close the HTTP client (and with it any open stream)."""
        self.http.close()


# -- event round trip ----------------------------------------------------------------------
def _round_trips(url: str, sizes: Sequence[int], repeats: int) -> list[Measurement]:
    """Time one in-place append per approach and size, interleaved; ns per round trip."""
    tab = _Tab(url)
    try:

        def subject(kind: str, size: int) -> Subject:
            def prepare() -> Callable[[], object]:
                return lambda: tab.call(f"{kind}_{size}")

            return Subject(label=f"{APPROACHES[kind]}@{size}", ops=1, prepare=prepare)

        subjects = [subject(kind, size) for size in sizes for kind in APPROACHES]
        return measure(subjects, repeats)
    finally:
        tab.close()


def _first_events(url: str, sizes: Sequence[int], repeats: int) -> list[Measurement]:
    """Time the first event of a new session per approach and size; ns per round trip."""
    tabs: list[_Tab] = []
    try:

        def subject(kind: str, size: int) -> Subject:
            def prepare() -> Callable[[], object]:
                tab = _Tab(url)  # a new session, opened untimed
                tabs.append(tab)
                return lambda: tab.call(f"first_{kind}_{size}")

            label = APPROACHES[kind]
            return Subject(label=f"{label}@{size}", ops=1, prepare=prepare, warmup=False)

        subjects = [subject(kind, size) for size in sizes for kind in ("plain", "wired")]
        return measure(subjects, repeats)
    finally:
        for tab in tabs:
            tab.close()


def _round_trip_table(title: str, sizes: Sequence[int], measurements: Sequence[Measurement]) -> str:
    """Return a round-trip table: one row per size, each approach measured in milliseconds."""
    rows = {m.label: m for m in measurements}
    labels = [label for label in APPROACHES.values() if f"{label}@{sizes[0]}" in rows]
    body = []
    for size in sizes:
        measured = [rows[f"{label}@{size}"] for label in labels]
        plain = measured[0]
        cells = [f"{size:,}"]
        for m in measured:
            cells.append(_ms(m))
        for m in measured[1:]:
            cells.append(_spread(m))
            cells.append(_times(plain, m))
        body.append(cells)
    headers = ["records", *(f"{label} ms" for label in labels)]
    for label in labels[1:]:
        headers += [f"{label} spread", f"gr.State / {label}"]
    notes = [f"  n/a {m.label}: {m.reason}" for m in measurements if not m.ok]
    return "\n".join([title, table(headers, body, right=tuple(range(len(headers)))), *notes, ""])


def _ms(m: Measurement) -> str:
    """Format a measurement's median in milliseconds."""
    return "n/a" if m.median_ns is None else f"{m.median_ns / 1e6:,.1f}"


def _spread(m: Measurement) -> str:
    """Format a measurement's spread as a percentage."""
    return "-" if m.spread is None else f"{m.spread * 100:.0f}%"


def _times(top: Measurement, bottom: Measurement) -> str:
    """Format the ratio of two medians."""
    if top.median_ns is None or bottom.median_ns is None or bottom.median_ns == 0:
        return "-"
    return f"{top.median_ns / bottom.median_ns:,.1f}x"


def _round_trip_targets(
    sizes: Sequence[int], measurements: Sequence[Measurement]
) -> list[TargetResult]:
    """Each ObservableState wiring at the largest size within ROUND_TRIP_LIMIT of the smallest."""
    small, large = min(sizes), max(sizes)
    rows = {m.label: m for m in measurements}
    results = []
    for label in ("ObservableState", "on()"):
        target = (
            f"{label} in-place append at {large:,} <= {ROUND_TRIP_LIMIT:g}x at {small:,} records"
        )
        low, high = rows[f"{label}@{small}"], rows[f"{label}@{large}"]
        if low.median_ns is None or high.median_ns is None or len(sizes) < 2:
            results.append(TargetResult(target, "not measured", NA))
            continue
        growth = high.median_ns / low.median_ns
        measured = f"{growth:.2f}x ({high.median_ns / 1e6:.1f} ms vs {low.median_ns / 1e6:.1f} ms)"
        results.append(TargetResult(target, measured, PASS if growth <= ROUND_TRIP_LIMIT else MISS))
    return results


def _as_json(measurements: Sequence[Measurement]) -> list[dict[str, Any]]:
    """Return measurements as JSON-ready records."""
    return [
        {
            "approach": m.label,
            "ms_per_event": None if m.median_ns is None else m.median_ns / 1e6,
            "samples_ms": [s / 1e6 for s in m.samples_ns],
            "reason": m.reason,
        }
        for m in measurements
    ]


# -- push latency ----------------------------------------------------------------------------
class _Watcher:
    """One session running the push generator; records when each push arrives."""

    def __init__(self, url: str, live: int) -> None:
        self.tab = _Tab(url)
        self.live = live
        self.arrivals: list[float] = []
        self.ready = threading.Event()
        self.condition = threading.Condition()
        load = next(
            int(d["id"])
            for d in self.tab.dependencies
            if d["outputs"][:1] == [live] and any(kind == "load" for _, kind in d["targets"])
        )
        self.tab.join(load)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        """Record the arrival of every step that reports the shared state changed."""
        try:
            for message in self.tab.messages():
                if message.get("msg") != "process_generating":
                    continue
                if self.live in (message["output"].get("changed_state_ids") or []):
                    arrived = time.perf_counter()
                    if not self.ready.is_set():
                        self.ready.set()  # the first step draws the current value
                        continue
                    with self.condition:
                        self.arrivals.append(arrived)
                        self.condition.notify_all()
        except Exception:  # the client was closed
            return

    def wait_for(self, count: int) -> bool:
        """Wait until ``count`` pushes arrived; False on time-out."""
        with self.condition:
            return self.condition.wait_for(lambda: len(self.arrivals) >= count, WAIT_S)

    def close(self) -> None:
        """Close the session (the server ends its generator at the next keep-alive)."""
        self.tab.close()
        self.thread.join(timeout=WAIT_S)


def _push_latencies(url: str, sessions: int, rounds: int) -> list[float]:
    """Return every push latency in milliseconds (sessions x rounds of them)."""
    writer = _Tab(url)
    with ExitStack() as stack:
        stack.callback(writer.close)
        live = int(json.loads(writer.call("ids")["output"]["data"][0])["live"])
        watchers = []
        for _ in range(sessions):
            watcher = _Watcher(url, live)
            stack.callback(watcher.close)
            watchers.append(watcher)
        for watcher in watchers:
            if not watcher.ready.wait(WAIT_S):
                raise TimeoutError("a session's push generator did not start")
        latencies = []
        for round_ in range(1, rounds + 1):
            started = time.perf_counter()
            writer.call("bump")
            for watcher in watchers:
                if not watcher.wait_for(round_):
                    raise TimeoutError(f"round {round_}: a session got no push")
                latencies.append((watcher.arrivals[round_ - 1] - started) * 1000)
            time.sleep(0.05)  # let the generators go back to waiting
        return latencies


def _percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0..100) with linear interpolation."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _push_table(sessions: int, rounds: int, latencies: Sequence[float]) -> str:
    """Return the push-latency table."""
    row = [
        str(sessions),
        str(len(latencies)),
        f"{_percentile(latencies, 50):.1f}",
        f"{_percentile(latencies, 99):.1f}",
        f"{max(latencies):.1f}",
        f"{statistics.mean(latencies):.1f}",
    ]
    headers = ["sessions", "pushes", "p50 ms", "p99 ms", "max ms", "mean ms"]
    title = (
        f"== gradio.push: a change by one session reaches {sessions} others ({rounds} changes) =="
    )
    return "\n".join([title, table(headers, [row], right=(0, 1, 2, 3, 4, 5)), ""])


def _push_target(sessions: int, latencies: Sequence[float] | None) -> TargetResult:
    """The median push latency at most PUSH_P50_LIMIT_MS."""
    target = f"push latency p50 <= {PUSH_P50_LIMIT_MS:g} ms ({sessions} sessions)"
    if not latencies:
        return TargetResult(target, "not measured", NA)
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    measured = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    return TargetResult(target, measured, PASS if p50 <= PUSH_P50_LIMIT_MS else MISS)


# -- the sections ----------------------------------------------------------------------------
def run_gradio(
    *,
    smoke: bool,
    selected: Callable[[str], bool],
    repeats: int,
    say: Callable[[str], None],
    document: dict[str, Any],
) -> list[TargetResult]:
    """Run the selected Gradio sections, print their tables, fill ``document["gradio"]``."""
    scale = SMOKE if smoke else FULL
    names = [name for name in gradio_sections() if selected(name)]
    if not names:
        return []
    results: dict[str, Any] = {"sizes": list(scale.sizes)}
    document["gradio"] = results
    reason = _unavailable()
    if reason is not None:
        say(f"== gradio: n/a ({reason}) ==\n")
        results["reason"] = reason
        return []
    targets: list[TargetResult] = []
    sizes = scale.sizes if "gradio.events" in names else scale.sizes[:1]
    first_sizes = scale.first_sizes if "gradio.first" in names else ()
    say(f"gradio: starting the benchmark app ({', '.join(f'{s:,}' for s in sizes)} records)")
    with _server(sizes, first_sizes) as url:
        if "gradio.events" in names:
            measurements = _round_trips(url, sizes, repeats)
            title = "== gradio.events: in-place append, round trip (median ms per event) =="
            say(_round_trip_table(title, sizes, measurements))
            targets += _round_trip_targets(sizes, measurements)
            results["events"] = _as_json(measurements)
        if first_sizes:
            measurements = _first_events(url, first_sizes, repeats)
            title = "== gradio.first: a new session's first event (median ms per event) =="
            say(_round_trip_table(title, first_sizes, measurements))
            results["first"] = _as_json(measurements)
        if "gradio.push" in names:
            try:
                latencies = _push_latencies(url, scale.sessions, scale.rounds)
            except TimeoutError as error:
                say(f"== gradio.push: n/a ({error}) ==\n")
                results["push"] = {"reason": str(error)}
                targets.append(_push_target(scale.sessions, None))
            else:
                say(_push_table(scale.sessions, scale.rounds, latencies))
                targets.append(_push_target(scale.sessions, latencies))
                results["push"] = {
                    "sessions": scale.sessions,
                    "rounds": scale.rounds,
                    "p50_ms": _percentile(latencies, 50),
                    "p99_ms": _percentile(latencies, 99),
                    "latencies_ms": list(latencies),
                }
    return targets
