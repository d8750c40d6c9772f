"""Command line: ``python -m bench [--smoke] [--json PATH] [--only NAME ...] [--repeats N]``."""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.adapters import Adapter, ObservableAdapter, RawAdapter, version_of
from bench.backends import SECTION as BACKENDS_SECTION
from bench.backends import run_section as run_backends
from bench.detection import detection_subjects, preload
from bench.gradio_events import gradio_sections, run_gradio
from bench.memory import MemoryResult, measure_memory
from bench.peers import peer_adapters
from bench.report import (
    measurement_json,
    memory_json,
    memory_table,
    target_json,
    targets_table,
    timing_table,
    write_json,
)
from bench.streamlit_latency import SECTION as STREAMLIT_SECTION
from bench.streamlit_latency import run_section as run_streamlit_latency
from bench.sync_latency import SECTION as SYNC_SECTION
from bench.sync_latency import run_section as run_sync_latency
from bench.targets import evaluate, row_cells
from bench.timing import MIN_REPEATS, Measurement, measure, settle
from bench.workloads import FULL, SMOKE, Scale, subjects_for, workloads

DISTRIBUTIONS = (
    "observable-journal",
    "reflex",
    "observ",
    "patchdiff",
    "streamlit-server-state",
    "gradio",
    "wrapt",
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark observable against raw Python and peer libraries.",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI (< ~60 s)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only sections whose name contains NAME (repeatable; see --list)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=MIN_REPEATS,
        help=f"interleaved repeats per approach; the median is reported (>= {MIN_REPEATS})",
    )
    parser.add_argument("--list", action="store_true", help="list section names and exit")
    args = parser.parse_args(argv)
    if args.repeats < MIN_REPEATS:
        parser.error(f"--repeats must be at least {MIN_REPEATS}")
    return args


def section_names(scale: Scale) -> list[str]:
    """Return every section name at this scale, in run order."""
    names = [w.name for w in workloads(scale)]
    names += [f"detect@{size}" for size in scale.detect_sizes]
    return [
        *names,
        "memory",
        STREAMLIT_SECTION,
        SYNC_SECTION,
        *gradio_sections(),
        BACKENDS_SECTION,
    ]


def selected(name: str, only: Sequence[str] | None) -> bool:
    """Return whether a section is selected by the ``--only`` filters."""
    return not only or any(part in name for part in only)


def say(text: str) -> None:
    """Print and flush, so progress shows up in CI logs as it happens."""
    print(text, flush=True)


def header(scale: Scale, args: argparse.Namespace, adapters: Sequence[Adapter]) -> dict[str, Any]:
    """Print the run's context and return it as the JSON ``meta`` block."""
    meta: dict[str, Any] = {
        "mode": "smoke" if args.smoke else "full",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "repeats": args.repeats,
        "ops": scale.ops,
        "rows": scale.rows,
        "detect_sizes": list(scale.detect_sizes),
        "versions": {name: version_of(name) for name in DISTRIBUTIONS},
        "unavailable": {a.name: a.unavailable() for a in adapters if a.unavailable()},
    }
    say(f"observable benchmarks ({meta['mode']}): Python {meta['python']}, {meta['platform']}")
    say(f"median of {args.repeats} interleaved repeats, gc disabled while timing, ns per operation")
    say("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    for name, reason in meta["unavailable"].items():
        say(f"unavailable: {name}: {reason}")
    say("")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected sections, print their tables and the targets, and write JSON."""
    args = parse_args(argv)
    scale = SMOKE if args.smoke else FULL
    if args.list:
        say("\n".join(section_names(scale)))
        return 0
    started = time.perf_counter()
    adapters: list[Adapter] = [RawAdapter(), ObservableAdapter(), *peer_adapters()]
    preload()
    meta = header(scale, args, adapters)
    settle()
    document: dict[str, Any] = {"meta": meta, "workloads": [], "detection": [], "memory": []}

    timings: dict[str, tuple[str, list[Measurement]]] = {}
    for workload in workloads(scale):
        if not selected(workload.name, args.only):
            continue
        measurements = measure(subjects_for(workload, adapters), args.repeats)
        timings[workload.name] = (workload.group, measurements)
        title = f"{workload.group}: {workload.name} ({workload.ops:,} ops)"
        cells = row_cells(workload.name, workload.group, measurements)
        say(timing_table(title, measurements, cells))
        document["workloads"].append(
            {
                "name": workload.name,
                "group": workload.group,
                "ops": workload.ops,
                "results": [measurement_json(m, measurements) for m in measurements],
            }
        )

    detection: dict[int, list[Measurement]] = {}
    target_ns = 2e7 if args.smoke else 1e8
    for size in scale.detect_sizes:
        if not selected(f"detect@{size}", args.only):
            continue
        subjects = detection_subjects(size, scale, adapters, target_ns)
        settle()  # freeze the shared value and its snapshots: collections skip them
        measurements = measure(subjects, args.repeats)
        detection[size] = measurements
        title = (
            f"detect@{size}: change one of {size:,} messages, then notice it "
            "(raw Python = the change alone)"
        )
        say(timing_table(title, measurements, {}))
        document["detection"].append(
            {
                "size": size,
                "results": [measurement_json(m, measurements) for m in measurements],
            }
        )
        del subjects, measurements
        settle()  # release this size's value before building the next one

    memory: list[MemoryResult] = []
    if selected("memory", args.only):
        memory = measure_memory(adapters, scale.memory_rows)
        say(memory_table(memory))
        document["memory"] = [memory_json(r) for r in memory]

    streamlit_targets = []
    if selected(STREAMLIT_SECTION, args.only):
        streamlit = run_streamlit_latency(smoke=args.smoke, say=say)
        say(streamlit.text)
        document["streamlit_latency"] = streamlit.json
        streamlit_targets = streamlit.targets
    if selected(SYNC_SECTION, args.only):
        synced = run_sync_latency(smoke=args.smoke, say=say)
        say(synced.text)
        document["streamlit_sync"] = synced.json

    gradio_targets = run_gradio(
        smoke=args.smoke,
        selected=lambda name: selected(name, args.only),
        repeats=args.repeats,
        say=say,
        document=document,
    )
    backend_targets = []
    if selected(BACKENDS_SECTION, args.only):
        backends = run_backends(smoke=args.smoke, say=say)
        say(backends.text)
        document["backends"] = backends.json
        backend_targets = backends.targets

    targets = evaluate(timings, detection, memory) + streamlit_targets + gradio_targets
    targets += backend_targets
    say(targets_table(targets))
    document["targets"] = [target_json(t) for t in targets]
    elapsed = time.perf_counter() - started
    document["meta"]["elapsed_s"] = round(elapsed, 2)
    say(f"done in {elapsed:.1f} s")
    if args.json is not None:
        write_json(args.json, document)
        say(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
