"""Change detection vs value size: what it costs to notice one change in N chat messages.

One operation = change one message (``value[i]["ts"] = new``) and then notice that the value
changed. Hash- and copy-based detectors re-read the whole value each time; proxies count the
change as it happens. All approaches share one plain value per size.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import itertools
import logging
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bench.adapters import Adapter, RawAdapter, Tracked
from bench.timing import NotApplicable, Subject
from bench.workloads import Scale, messages

STRIDE = 7919  # a prime: consecutive operations touch messages far apart


class Detector(Protocol):
    """A whole-value change detector, such as a hash or a snapshot."""

    name: str

    def prime(self, value: Any) -> None:
        """Remember the value's current state."""
        ...

    def notice(self, value: Any) -> bool:
        """Return whether the value changed since the last call, and remember its state."""
        ...


class _HashDetector:
    """Compare a digest of the whole value with the previous digest."""

    name = "hash"

    def __init__(self) -> None:
        """Start with no digest."""
        self._last: object = None

    def digest(self, value: Any) -> object:
        """Return the digest of the value."""
        raise NotImplementedError

    def prime(self, value: Any) -> None:
        """Remember the value's digest."""
        self._last = self.digest(value)

    def notice(self, value: Any) -> bool:
        """Return whether the digest moved, and remember the new one."""
        current = self.digest(value)
        changed = current != self._last
        self._last = current
        return changed


class ReprHash(_HashDetector):
    """streamlit-server-state's own ``calc_hash``: ``(repr(value), repr(value.__dict__))``."""

    name = "repr hash (streamlit-server-state)"

    def __init__(self) -> None:
        """Import ``streamlit_server_state.hash`` with its no-server warning silenced."""
        super().__init__()
        logging.getLogger("streamlit_server_state").setLevel(logging.ERROR)
        self._calc_hash: Callable[[Any], object] = importlib.import_module(
            "streamlit_server_state.hash"
        ).calc_hash

    def digest(self, value: Any) -> object:
        """Return streamlit-server-state's hash tuple."""
        return self._calc_hash(value)


class GradioDeepHash(_HashDetector):
    """``gradio.utils.deep_hash``, which gradio runs on a State before and after an event."""

    name = "gradio deep_hash"

    def __init__(self) -> None:
        """Import gradio's ``deep_hash``."""
        super().__init__()
        self._deep_hash: Callable[[Any], object] = importlib.import_module("gradio.utils").deep_hash

    def digest(self, value: Any) -> object:
        """Return gradio's sha256 hex digest."""
        return self._deep_hash(value)


class PickleSha256(_HashDetector):
    """``sha256(pickle.dumps(value))``."""

    name = "pickle+sha256"

    def digest(self, value: Any) -> object:
        """Return the sha256 of the highest-protocol pickle."""
        return hashlib.sha256(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).digest()


class DeepcopySnapshot:
    """Keep a ``copy.deepcopy`` snapshot; compare with ``==`` and re-snapshot on each check."""

    name = "copy.deepcopy"

    def __init__(self) -> None:
        """Start with no snapshot."""
        self._snapshot: Any = None

    def prime(self, value: Any) -> None:
        """Take the first snapshot."""
        self._snapshot = copy.deepcopy(value)

    def notice(self, value: Any) -> bool:
        """Compare with the snapshot, then take a new one."""
        changed = bool(value != self._snapshot)
        self._snapshot = copy.deepcopy(value)
        return changed


def preload() -> None:
    """Import the detectors' modules now (best effort), before the heap is frozen."""
    for module in ("streamlit_server_state.hash", "gradio.utils"):
        logging.getLogger("streamlit_server_state").setLevel(logging.ERROR)
        try:
            importlib.import_module(module)
        except Exception:
            continue  # reported as n/a when the detector is built


def detectors() -> list[tuple[str, Callable[[], Detector]]]:
    """Return (name, factory) for every whole-value detector; factories may fail to import."""
    return [
        (ReprHash.name, ReprHash),
        (GradioDeepHash.name, GradioDeepHash),
        (DeepcopySnapshot.name, DeepcopySnapshot),
        (PickleSha256.name, PickleSha256),
    ]


@dataclass
class _Runner:
    """One approach set up on the shared value: a tracked root plus a way to notice."""

    tracked: Tracked
    notice: Callable[[], bool] | None
    size: int
    stamps: itertools.count[int]
    start: int = 0

    def body(self, ops: int) -> Callable[[], None]:
        """Return a timed body that changes ``ops`` messages and notices each change."""
        size, stamps, run, notice = self.size, self.stamps, self.tracked.run, self.notice
        indices = [(self.start + k * STRIDE) % size for k in range(ops)]
        self.start += ops
        cell = [0, 0]

        def step(root: Any) -> None:
            root[cell[0]]["ts"] = cell[1]

        def body() -> None:
            missed = 0
            for index in indices:
                cell[0] = index
                cell[1] = next(stamps)
                run(step)
                if notice is not None and not notice():
                    missed += 1
            if missed:
                raise RuntimeError(f"{missed} of {len(indices)} changes went unnoticed")

        return body


def _calibrate(runner: _Runner, target_ns: float, max_ops: int) -> int:
    """Return how many operations make one sample last about ``target_ns``."""
    best = float("inf")
    for _ in range(3):
        body = runner.body(1)
        start = time.perf_counter_ns()
        body()
        best = min(best, time.perf_counter_ns() - start)
        if best > target_ns:
            break
    return max(1, min(max_ops, int(target_ns // max(best, 1))))


def _unavailable(label: str, reason: str) -> Subject:
    """Return a subject that reports n/a with a reason."""

    def prepare() -> Callable[[], None]:
        raise NotApplicable(reason)

    return Subject(label=label, ops=1, prepare=prepare, warmup=False)


def _subject(label: str, runner: _Runner, scale: Scale, target_ns: float) -> Subject:
    """Calibrate the runner and wrap it as a timing subject (no extra warm-up needed)."""
    ops = _calibrate(runner, target_ns, scale.detect_ops)
    return Subject(label=label, ops=ops, prepare=lambda: runner.body(ops), warmup=False)


def detection_subjects(
    size: int, scale: Scale, adapters: Sequence[Adapter], target_ns: float
) -> list[Subject]:
    """Set up every approach on one shared value of ``size`` messages and return subjects.

    ``adapters`` must start with raw Python, then observable, then the peers; the whole-value
    detectors run on raw Python and are listed after observable.
    """
    value = messages(size)
    stamps = itertools.count(size)
    raw = RawAdapter()
    subjects: list[Subject] = []

    def add_adapter(adapter: Adapter) -> None:
        reason = adapter.unavailable()
        if reason is not None:
            subjects.append(_unavailable(adapter.name, reason))
            return
        try:
            tracked = adapter.track(value)
        except NotApplicable as exc:
            subjects.append(_unavailable(adapter.name, str(exc)))
            return
        poll = tracked.poll
        notice = None if poll is None else (lambda: poll() > 0)
        subjects.append(
            _subject(adapter.name, _Runner(tracked, notice, size, stamps), scale, target_ns)
        )

    def add_detector(name: str, factory: Callable[[], Detector]) -> None:
        try:
            detector = factory()
        except Exception as exc:
            subjects.append(_unavailable(name, f"not importable ({type(exc).__name__}: {exc})"))
            return
        detector.prime(value)
        runner = _Runner(raw.track(value), lambda: detector.notice(value), size, stamps)
        subjects.append(_subject(name, runner, scale, target_ns))

    head, peers = list(adapters[:2]), list(adapters[2:])
    for adapter in head:
        add_adapter(adapter)
    for name, factory in detectors():
        add_detector(name, factory)
    for adapter in peers:
        add_adapter(adapter)
    return subjects
