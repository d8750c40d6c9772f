"""Shows whether the garbage collector skips frozen objects, next to a shared greeting."""

import gc

import streamlit as st
from observable_streamlit import server_state, server_state_lock

with server_state_lock["greeting"]:
    greeting = server_state.setdefault("greeting", "hello")
st.markdown(f"greeting={greeting}")
st.markdown(f"frozen={gc.get_freeze_count() > 0}")
