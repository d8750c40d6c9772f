"""Widgets bound to server_state, written the way streamlit-server-state users write them."""

import streamlit as st
from observable_streamlit import server_state, server_state_lock

st.session_state.setdefault("runs", 0)
st.session_state.runs += 1
st.markdown(f"runs={st.session_state.runs}")

with server_state_lock["selected"]:
    if "selected" not in server_state:
        server_state.selected = []

server_state.selected = st.multiselect(
    "Shared", ["a", "b", "c"], default=list(server_state.selected)
)

with server_state_lock["span"]:
    if "span" not in server_state:
        server_state.span = (20, 80)

server_state.span = st.slider("Range", 0, 100, value=server_state.span)

# The global slider example of streamlit-server-state, unchanged but for the import.
with server_state_lock["slider_value"]:
    if "slider_value" not in server_state:
        server_state.slider_value = 50  # Initial value
    server_state.slider_value = st.slider(
        "Shared value", min_value=0, max_value=100, value=server_state.slider_value
    )

st.markdown(f"selected={list(server_state.selected)}")
st.markdown(f"span={tuple(server_state.span)}")
st.markdown(f"slider={server_state.slider_value}")
