"""Shows how many objects the garbage collector skips (frozen), next to a shared counter."""

import gc

import streamlit as st
from observable_streamlit import server_state, server_state_lock

with server_state_lock["visits"]:
    server_state.visits = server_state.get("visits", 0) + 1
st.markdown(f"visits={server_state.visits}")
st.markdown(f"frozen={gc.get_freeze_count() > 0}")
