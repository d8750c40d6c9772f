"""Names that look like methods, JSON export, lock contention."""

import json
import threading

import streamlit as st
from observable_streamlit import server_state, server_state_lock

import observable

NAMES = ["rooms", "room", "store", "readonly", "remove_room", "_store", "lock", "touch"]
with server_state_lock["names_set"]:
    if "names_set" not in server_state:
        for name in NAMES:
            setattr(server_state, name, [name])
        server_state.msgs = [{"user": "ada", "text": "hi"}]
        server_state.names_set = True

st.markdown(f"names_ok={all(getattr(server_state, n) == [n] for n in NAMES)}")

if st.button("say"):
    server_state.msgs.append({"user": "bob", "text": "yo"})
exported = json.dumps(server_state["msgs"], default=observable.unwrap)
st.markdown(f"json={exported}")
st.download_button("Export", json.dumps(server_state.msgs, default=observable.unwrap), "m.json")

if st.button("contend"):
    import time

    held = threading.Event()

    def hold():
        with server_state_lock["contended"]:
            held.set()
            time.sleep(0.3)
            server_state.contended = "thread"

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait()
    server_state.contended = "main"  # waits until the thread lets go of the lock
    worker.join()
    st.markdown(f"contended={server_state.contended}")
    before = 7 in server_state_lock
    with server_state_lock[7]:
        pass
    st.markdown(f"locks={'contended' in server_state_lock} {before} {7 in server_state_lock}")
