"""A chat shared by every Streamlit server that points at the same Redis store.

Started twice by ``run.py`` (see README.md). ``OBSERVABLE_STORE_URL`` names the Redis
store, so ``server_state`` is the same value on both servers: a message appended on one
reruns the sessions reading ``messages`` on the other, with no code for it here.
"""

from __future__ import annotations

import os
import secrets
import time

import streamlit as st
from observable_streamlit import server_state, server_state_lock

SERVER = os.environ.get("SCALE_OUT_SERVER", "this server")

st.set_page_config(page_title=f"observable scale-out: {SERVER}", page_icon="🛰️")
st.title(f"Chat on {SERVER}")
st.caption(
    "Open the other server's address in another tab: a message sent on one server shows "
    "up on the other at once. The state lives in Redis "
    f"(`{os.environ.get('OBSERVABLE_STORE_URL', 'memory://')}`)."
)

with server_state_lock["messages"]:
    messages = server_state.setdefault("messages", [])

st.session_state.setdefault("user", f"guest-{secrets.token_hex(2)}")
user = st.text_input("Your name", key="user")
prompt = st.chat_input("Message")
if prompt:
    messages.append({"server": SERVER, "user": user, "text": prompt, "ts": time.time()})

st.write(f"{len(messages)} message(s)")
for message in messages[-50:]:
    with st.chat_message("user" if message["user"] == user else "assistant"):
        st.markdown(f"**{message['user']}** via {message['server']}: {message['text']}")
