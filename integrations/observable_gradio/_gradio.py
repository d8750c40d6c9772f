"""Import gradio once, or fail with the command that installs it."""

from __future__ import annotations

__all__ = ["INSTALL_HINT", "gr"]

INSTALL_HINT = 'pip install "observable-journal[gradio]"'
"""The command that installs the optional dependency this package needs."""

try:
    import gradio as gr
except ImportError as error:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        f"observable_gradio needs gradio, which is not installed: {INSTALL_HINT}"
    ) from error
