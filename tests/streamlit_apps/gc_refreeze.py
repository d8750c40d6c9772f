"""A shared greeting; each tab keeps one object (in a reference cycle) until it lets go.

Shows how many objects the garbage collector skips (frozen) and whether the tab's object
is still alive, so a test can see new tabs frozen and let-go garbage freed.
"""

import gc
import uuid
import weakref

import streamlit as st
from observable_streamlit import server_state, server_state_lock


class Keepsake:
    """An object in a reference cycle: only the garbage collector can free it."""

    def __init__(self) -> None:
        self.me = self


@st.cache_resource
def keepsakes() -> dict[str, Keepsake]:
    """Every tab's keepsake, by tab token (one dict per server process)."""
    return {}


if "token" not in st.session_state:
    st.session_state.token = uuid.uuid4().hex
    keepsake = Keepsake()
    keepsakes()[st.session_state.token] = keepsake
    st.session_state.keepsake = weakref.ref(keepsake)
    del keepsake

with server_state_lock["greeting"]:
    greeting = server_state.setdefault("greeting", "hello")
st.markdown(f"greeting={greeting}")

if st.button("Let go"):
    keepsakes().pop(st.session_state.token, None)

st.markdown(f"frozen={gc.get_freeze_count()}")
st.markdown(f"keepsake={'alive' if st.session_state.keepsake() is not None else 'freed'}")
