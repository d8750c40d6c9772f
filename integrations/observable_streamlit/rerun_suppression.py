"""Upstream's ``streamlit_server_state.rerun_suppression`` names: ``no_rerun`` and its check."""

from __future__ import annotations

from ._flags import is_suppressed
from .reruns import NoRerun, no_rerun

__all__ = ["RerunSuppressor", "is_rerun_suppressed", "no_rerun"]

RerunSuppressor = NoRerun
"""The class of ``no_rerun`` under upstream's name."""


def is_rerun_suppressed() -> bool:
    """Return True inside a ``no_rerun`` block in this thread."""
    return is_suppressed()
