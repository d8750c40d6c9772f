"""A counter drawn above the button that increments it (the writer must not stay stale)."""

import streamlit as st
from observable_streamlit import server_state, server_state_lock

with server_state_lock.count:
    if "count" not in server_state:
        server_state.count = 0

st.markdown(f"count={server_state.count}")

if st.button("Increment"):
    with server_state_lock.count:
        server_state.count += 1
