"""End-to-end Streamlit latency: from a change in session A to each passive session's rerun.

One real ``streamlit run`` server (loopback only) hosts a small app in three modes, chosen
by a query parameter:

- ``observable``: A's button callback appends ``BATCH`` stamps in place to a list in
  ``observable_streamlit.server_state``; every passive session read the list, so each must
  rerun exactly once per batch.
- ``server_state``: streamlit-server-state 0.20, whose only trigger is assignment; A's
  callback assigns a new stamp.
- ``polling``: passive sessions show the value from an ``st.fragment(run_every=1s)``; A's
  callback writes a plain module-level dict.

Streamlit's ``runner.postScriptGC`` (on by default) runs ``gc.collect(2)`` after every
script run, holding the GIL for tens of milliseconds in a process that imported pandas and
pyarrow; with N passive sessions that is N collections in a row, whatever triggers the
reruns. ``observable_streamlit`` therefore freezes the long-lived objects, again as
sessions arrive and leave (see ``integrations/observable_streamlit/_gc.py``). So every
approach is measured with Streamlit's defaults and with ``--runner.postScriptGC false``,
and the observable mode also with the freezes turned off
(``OBSERVABLE_STREAMLIT_GC_FREEZE=0``).

A stamp is ``time.monotonic()`` in the server at the mutation; Linux's monotonic clock is
shared by every process, so the client subtracts it from the moment it received the passive
session's ``script_finished``. The client is the WebSocket harness of the test suite
(``tests/support/streamlit_server.py``), one socket per passive session.
"""

from __future__ import annotations

import importlib.util
import math
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.report import table
from bench.targets import MISS, NA, PASS, TargetResult

SECTION = "streamlit.latency"
"""The section name for ``--only``."""

BATCH = 10
"""Appends per batch in the observable mode: one script run of A, one rerun per passive."""

TARGET_SESSIONS = 10
TARGET_P50_MS = 50.0
TARGET_P99_MS = 150.0
LARGE_SESSIONS = 50
LARGE_P99_MS = 250.0

OBSERVABLE = f"observable: {BATCH} appends in place"
SERVER_STATE = "streamlit-server-state: assignment"
POLLING = "polling: st.fragment(run_every=1s)"

APP = """
import time

import streamlit as st

import bench_poll_shared as shared

mode = st.query_params.get("mode", "observable")
role = st.query_params.get("role", "passive")
KEY = "bench_" + st.query_params.get("ns", "default")
BATCH = {batch}

if mode == "observable":
    from observable_streamlit import server_state, server_state_lock

    with server_state_lock[KEY]:
        log = server_state.setdefault(KEY, [0.0])
    st.markdown(f"stamp={{log[-1]!r}}")

    def mutate():
        stamp = time.monotonic()
        for _ in range(BATCH):
            log.append(stamp)

elif mode == "server_state":
    from streamlit_server_state import server_state, server_state_lock

    with server_state_lock[KEY]:
        if KEY not in server_state:
            server_state[KEY] = 0.0
    st.markdown(f"stamp={{server_state[KEY]!r}}")

    def mutate():
        server_state[KEY] = time.monotonic()

else:
    if role == "passive":

        @st.fragment(run_every=1.0)
        def view():
            st.markdown(f"stamp={{shared.values.get(KEY, 0.0)!r}}")

        view()

    def mutate():
        shared.values[KEY] = time.monotonic()


if role == "writer":
    st.button("go", key="go", on_click=mutate)
"""

SHARED = '''"""A plain dict every session of the polling mode reads (imported once per process)."""
values: dict[str, float] = {}
'''


DEFAULTS = "streamlit defaults"
NO_POST_GC = "runner.postScriptGC=false"
NO_FREEZE = "streamlit defaults, OBSERVABLE_STREAMLIT_GC_FREEZE=0"
SERVER_ARGS: dict[str, tuple[str, ...]] = {
    DEFAULTS: (),
    NO_POST_GC: ("--runner.postScriptGC", "false"),
    NO_FREEZE: (),
}
SERVER_ENV: dict[str, dict[str, str]] = {NO_FREEZE: {"OBSERVABLE_STREAMLIT_GC_FREEZE": "0"}}


@dataclass(frozen=True)
class Plan:
    """How much to measure: per server config, passive-session counts per approach; rounds."""

    sessions: dict[str, dict[str, tuple[int, ...]]]
    rounds: dict[int, int]  # passive sessions -> batches measured
    polling_rounds: int
    quiet: float


FULL_PLAN = Plan(
    sessions={
        DEFAULTS: {OBSERVABLE: (1, 10, 50), SERVER_STATE: (1, 10, 50), POLLING: (1, 10, 50)},
        NO_POST_GC: {OBSERVABLE: (1, 10, 50), SERVER_STATE: (1, 10, 50)},
        NO_FREEZE: {OBSERVABLE: (10, 50)},
    },
    rounds={1: 20, 10: 20, 50: 6},
    polling_rounds=6,
    quiet=0.3,
)
SMOKE_PLAN = Plan(
    sessions={NO_POST_GC: {OBSERVABLE: (1, 10), SERVER_STATE: (10,), POLLING: (1,)}},
    rounds={1: 2, 10: 2},
    polling_rounds=1,
    quiet=0.15,
)

_MODES = {OBSERVABLE: "observable", SERVER_STATE: "server_state", POLLING: "polling"}


@dataclass
class Result:
    """One approach at one number of passive sessions."""

    approach: str
    passive: int
    config: str = DEFAULTS
    latencies_ms: list[float] = field(default_factory=list)
    reruns: list[int] = field(default_factory=list)  # runs per passive session per batch
    writer_runs: list[int] = field(default_factory=list)  # runs of the writer per click
    reason: str | None = None

    def percentile(self, p: float) -> float | None:
        """Return the nearest-rank ``p``-th percentile of the latencies, in ms."""
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    def exactly_once(self) -> bool | None:
        """Return whether every passive session reran exactly once per batch (None: n/a)."""
        return None if not self.reruns else all(count == 1 for count in self.reruns)

    def to_json(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict."""
        return {
            "approach": self.approach,
            "server_config": self.config,
            "passive_sessions": self.passive,
            "samples": len(self.latencies_ms),
            "p50_ms": self.percentile(50),
            "p99_ms": self.percentile(99),
            "latencies_ms": [round(v, 3) for v in self.latencies_ms],
            "reruns_per_passive_per_batch": self.reruns,
            "writer_runs_per_click": self.writer_runs,
            "reason": self.reason,
        }


@dataclass
class Section:
    """What the section reports: the table, the JSON block and the target verdicts."""

    text: str
    json: dict[str, Any]
    targets: list[TargetResult]


def _unavailable() -> str | None:
    """Return why the section cannot run, or None."""
    for module in ("streamlit", "websockets", "streamlit_server_state", "observable_streamlit"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (uv sync --group bench)"
    try:
        import tests.support.streamlit_server  # noqa: F401
    except Exception as exc:  # the harness lives in the test suite
        return f"the test suite's Streamlit harness is not importable: {exc}"
    return None


def _stamp(texts: Sequence[str]) -> float | None:
    """Return the stamp a run displayed, if any."""
    for text in texts:
        if text.startswith("stamp="):
            return float(text.removeprefix("stamp="))
    return None


def _wait_for_button(writer: Any, timeout: float = 10.0, resends: int = 3) -> None:
    """Wait until the writer's page shows the ``go`` button.

    streamlit-server-state reruns the writer when its first run assigns the key, with the
    session's initial ``ClientState``, which has no query string yet: that rerun draws the
    default page. A browser user would reload; the client re-sends its page instead, each
    time the session has gone quiet without the button (that rerun may come after a resend).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            writer.widget("go")
            return
        except LookupError:
            if time.monotonic() > deadline:
                raise
        writer.wait_quiet(0.05, timeout=timeout)
        try:
            writer.widget("go")
            return
        except LookupError:
            if resends <= 0:
                time.sleep(0.01)
                continue
            writer.rerun()
            resends -= 1


def _measure(server: Any, config: str, approach: str, passive: int, plan: Plan) -> Result:
    """Run the rounds of one approach with ``passive`` passive sessions."""
    result = Result(approach, passive, config)
    polling = approach == POLLING
    query = f"mode={_MODES[approach]}&ns={uuid.uuid4().hex[:8]}"
    opened: list[Any] = []
    try:
        writer = server.session(query_string=f"{query}&role=writer")
        opened.append(writer)
        sessions = []
        for index in range(passive):
            try:
                session = server.session(
                    query_string=f"{query}&role=passive", auto_rerun=polling, open_timeout=30
                )
            except TimeoutError as exc:
                raise TimeoutError(
                    f"passive session {index + 1}/{passive} did not finish its first run "
                    "within 30 s (server saturated)"
                ) from exc
            sessions.append(session)
            opened.append(session)
        _wait_for_button(writer)
        if not polling:
            for session in (writer, *sessions):
                session.wait_quiet(0.05, timeout=30)
        previous = 0.0  # stamps grow: a run showing a stamp above it shows this round's
        for _ in range(plan.polling_rounds if polling else plan.rounds[passive]):
            marks = [session.mark() for session in sessions]
            writer_mark = writer.mark()
            writer.click("go")
            deadline = time.monotonic() + (5.0 if polling else 10.0)
            pending = dict(enumerate(sessions))
            stamp: float | None = None
            while pending:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{len(pending)} passive session(s) never showed the change")
                for index, session in list(pending.items()):
                    for run in session.runs_since(marks[index]):
                        shown = _stamp(run.texts) if run.finished else None
                        if shown is None or run.finished_at is None:
                            continue
                        if stamp is None and shown > previous:
                            stamp = shown
                        if stamp is not None and shown == stamp:
                            result.latencies_ms.append((run.finished_at - shown) * 1000)
                            del pending[index]
                            break
                time.sleep(0.002)
            previous = stamp or previous
            if not polling:
                time.sleep(plan.quiet)  # any extra rerun of this batch shows up meanwhile
                result.reruns.extend(
                    len(session.runs_since(mark))
                    for session, mark in zip(sessions, marks, strict=True)
                )
            writer.wait_quiet(0.0 if polling else 0.05, timeout=10)
            result.writer_runs.append(len(writer.runs_since(writer_mark)))
    except Exception as exc:  # report, do not crash the whole benchmark
        result.reason = f"error: {type(exc).__name__}: {exc}"
    finally:
        for session in opened:
            session.close()
    return result


def _format_ms(value: float | None) -> str:
    """Format milliseconds with one decimal."""
    return "n/a" if value is None else f"{value:.1f}"


def _reruns_cell(result: Result) -> str:
    """Summarize the reruns per passive session per batch."""
    if not result.reruns:
        return "n/a"
    low, high = min(result.reruns), max(result.reruns)
    verdict = "exactly 1" if result.exactly_once() else f"{low}..{high}"
    return f"{verdict} ({len(result.reruns)} checks)"


def _counts_cell(counts: Sequence[int]) -> str:
    """Summarize per-round counts as ``low..high`` (or the one value)."""
    if not counts:
        return "n/a"
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}..{high}"


def _table(config: str, results: Sequence[Result]) -> str:
    """Return one server config's table, with the reasons of failed rows under it."""
    headers = [
        "approach",
        "passive",
        "samples",
        "p50 ms",
        "p99 ms",
        "reruns/passive/batch",
        "writer runs/click",
    ]
    rows = [
        [
            r.approach,
            str(r.passive),
            str(len(r.latencies_ms)),
            _format_ms(r.percentile(50)),
            _format_ms(r.percentile(99)),
            _reruns_cell(r) if r.approach != POLLING else "n/a (timer)",
            _counts_cell(r.writer_runs),
        ]
        for r in results
    ]
    notes = [f"  {r.approach} @ {r.passive}: {r.reason}" for r in results if r.reason]
    title = f"== streamlit ({config}): change in session A -> each passive session's rerun =="
    return "\n".join([title, table(headers, rows, right=(1, 2, 3, 4)), *notes, ""])


def _limit(result: Result | None, p: float, limit: float, name: str) -> TargetResult:
    """Compare one percentile of one row with its limit."""
    value = None if result is None else result.percentile(p)
    return TargetResult(
        f"{name} <= {limit:.0f} ms",
        _format_ms(value) + " ms",
        NA if value is None else (PASS if value <= limit else MISS),
    )


def _targets(results: Sequence[Result]) -> list[TargetResult]:
    """Evaluate the issue's targets on the observable rows, per server config."""
    verdicts = []
    for config in (DEFAULTS, NO_POST_GC):

        def row(passive: int, config: str = config) -> Result | None:
            return next(
                (
                    r
                    for r in results
                    if r.approach == OBSERVABLE and r.passive == passive and r.config == config
                ),
                None,
            )

        small, large = row(TARGET_SESSIONS), row(LARGE_SESSIONS)
        where = f"@ {TARGET_SESSIONS} passive ({config})"
        verdicts += [
            _limit(small, 50, TARGET_P50_MS, f"streamlit latency p50 {where}"),
            _limit(small, 99, TARGET_P99_MS, f"streamlit latency p99 {where}"),
            _limit(
                large,
                99,
                LARGE_P99_MS,
                f"streamlit latency p99 @ {LARGE_SESSIONS} passive ({config})",
            ),
        ]
    observed = [r for r in results if r.approach == OBSERVABLE and r.reruns]
    once = [r.exactly_once() for r in observed]
    checks = sum(len(r.reruns) for r in observed)
    verdicts.append(
        TargetResult(
            "streamlit: exactly one rerun per passive session per batch",
            f"{checks} checks" if observed else "n/a",
            NA if not observed else (PASS if all(once) else MISS),
        )
    )
    clicks = [count for r in observed for count in r.writer_runs]
    verdicts.append(
        TargetResult(
            "streamlit: the writer runs once per click (no writer rerun)",
            f"{len(clicks)} clicks" if clicks else "n/a",
            NA if not clicks else (PASS if all(count == 1 for count in clicks) else MISS),
        )
    )
    return verdicts


def run_section(*, smoke: bool, say: Callable[[str], None]) -> Section:
    """Start the server, measure every approach, and return the table, JSON and targets."""
    plan = SMOKE_PLAN if smoke else FULL_PLAN
    reason = _unavailable()
    if reason is not None:
        text = f"== streamlit latency: n/a ({reason}) ==\n"
        return Section(text, {"reason": reason, "results": []}, _targets([]))
    from tests.support.streamlit_server import StreamlitServer

    results: list[Result] = []
    tables = []
    with tempfile.TemporaryDirectory(prefix="bench-streamlit-") as folder:
        root = Path(folder)
        (root / "bench_poll_shared.py").write_text(SHARED)
        (root / "app.py").write_text(textwrap.dedent(APP.format(batch=BATCH)))
        for config, approaches in plan.sessions.items():
            config_results = []
            with StreamlitServer(
                root / "app.py",
                extra_args=SERVER_ARGS[config],
                env=SERVER_ENV.get(config),
                startup_timeout=30.0,
            ) as server:
                for approach, counts in approaches.items():
                    for passive in counts:
                        result = _measure(server, config, approach, passive, plan)
                        config_results.append(result)
                        p50 = _format_ms(result.percentile(50))
                        p99 = _format_ms(result.percentile(99))
                        say(f"  [{config}] {approach} @ {passive}: p50 {p50} ms, p99 {p99} ms")
            results += config_results
            tables.append(_table(config, config_results))
    text = "\n".join(tables)
    document = {
        "batch": BATCH,
        "rounds": plan.rounds,
        "polling_rounds": plan.polling_rounds,
        "results": [r.to_json() for r in results],
    }
    return Section(text, document, _targets(results))
