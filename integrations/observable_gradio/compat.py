"""Check, once, that this gradio still detects a changed State through ``hash()``.

Checked on gradio 6.31: ``gradio.utils.deep_hash`` hashes a non-container object with
``hash(obj)``, and ``Blocks.process_api`` compares it before and after every event. Nothing here
patches gradio; if a future version decides differently, this warns instead of failing quietly.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

__all__ = ["GradioCompatibilityWarning", "check_change_detection"]


class GradioCompatibilityWarning(UserWarning):
    """This gradio does not behave as observable_gradio expects (checked on gradio 6.31)."""


class _Probe:
    """A hashable non-container whose hash is whatever the check sets."""

    __slots__ = ("stamp",)

    def __init__(self) -> None:
        self.stamp = 1

    def __hash__(self) -> int:
        return self.stamp


@functools.cache
def check_change_detection() -> bool:
    """Return True when gradio's deep_hash follows ``hash()``; warn once and return False if not."""
    from gradio import utils

    deep_hash: Any = getattr(utils, "deep_hash", None)
    if deep_hash is None:
        return _warn("gradio.utils.deep_hash is gone")
    probe = _Probe()
    before: Any = deep_hash(probe)
    probe.stamp = 2
    if deep_hash(probe) == before:
        return _warn("gradio.utils.deep_hash no longer calls hash() on non-container objects")
    return True


def _warn(reason: str) -> bool:
    """Warn that .change of an ObservableState may not fire, and why."""
    warnings.warn(
        f"observable_gradio: {reason}; ObservableState.change may not fire on this gradio "
        "version (checked on gradio 6.31)",
        GradioCompatibilityWarning,
        stacklevel=3,
    )
    return False
