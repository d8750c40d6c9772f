"""Upstream's ``streamlit_server_state.rerun`` name: ``RerunSuppressedError``."""

from __future__ import annotations

from .reruns import RerunSuppressedError

__all__ = ["RerunSuppressedError"]
