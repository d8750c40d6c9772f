"""The same chat with no cross-session reruns: a module-level list shared by the sessions."""

import threading

import streamlit as st

if not hasattr(st, "_control_messages"):
    st._control_messages = []
    st._control_lock = threading.Lock()

nickname = st.text_input("Nick name", key="nickname")
if not nickname:
    st.stop()


def on_message_input():
    new_message_text = st.session_state["message_input"]
    if not new_message_text:
        return
    with st._control_lock:
        packet = {"nickname": nickname, "text": new_message_text}
        st._control_messages = [*st._control_messages, packet]


st.text_input("Message", key="message_input", on_change=on_message_input)

st.write(st._control_messages)
st.markdown(f"stored={len(st._control_messages)}")
