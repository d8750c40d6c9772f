"""A global counter and a shared slider: the classic server-state demos.

Run with ``uv run streamlit run examples/counter.py`` in two tabs: a click or a drag in one
tab reruns the other.
"""

from __future__ import annotations

import streamlit as st
from observable_streamlit import server_state, server_state_lock

st.title("Global counter and shared slider")

with server_state_lock["count"]:
    server_state.setdefault("count", 0)
with server_state_lock["slider"]:
    server_state.setdefault("slider", 50)


def increment() -> None:
    """Add one to the shared counter (a callback: this session's run shows the new value)."""
    with server_state_lock["count"]:
        server_state.count += 1


def slider_moved() -> None:
    """Publish this session's slider position to everyone."""
    server_state.slider = st.session_state.slider


st.metric("Clicks, all sessions together", server_state.count)
st.button("Click me", on_click=increment)

# Show the shared value: set the widget's state before the widget is drawn.
st.session_state.slider = server_state.slider
st.slider("Shared slider", 0, 100, key="slider", on_change=slider_moved)
