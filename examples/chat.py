"""Chat with rooms: messages are appended in place, and every other session in the room reruns.

Run with ``uv run streamlit run examples/chat.py`` and open the page in two browser tabs.
Each room is a room of the shared store, so a message reruns only the sessions reading that
room. The journal panel in the sidebar shows every change live: who made it, where, and how.
"""

from __future__ import annotations

import secrets
import time

import streamlit as st
from observable_streamlit import journal_panel, locks_of, room, server_state, server_state_lock

import observable

DEFAULT_ROOMS = ["general", "random"]

st.set_page_config(page_title="observable chat", page_icon="💬")

with server_state_lock["room_names"]:
    room_names = server_state.setdefault("room_names", list(DEFAULT_ROOMS))

st.session_state.setdefault("name", f"guest-{secrets.token_hex(2)}")
if "room" not in st.session_state:
    wanted = st.query_params.get("room", DEFAULT_ROOMS[0])
    st.session_state.room = wanted if wanted in room_names else DEFAULT_ROOMS[0]


def create_room() -> None:
    """Add the room typed in the sidebar (any name, ``/`` included) and enter it."""
    new = st.session_state.new_room.strip()
    if new:
        with server_state_lock["room_names"], observable.origin(st.session_state.name):
            if new not in room_names:
                room_names.append(new)  # in place: every session's room list updates
        st.session_state.room = new
    st.session_state.new_room = ""


with st.sidebar:
    st.header("observable chat")
    name = st.text_input("Your name", key="name")
    room_name = st.selectbox("Room", list(room_names), key="room")
    st.text_input("New room", key="new_room", on_change=create_room, placeholder="Enter to create")
    journal_panel(limit=15, room=room_name, refresh=2.0)  # this room's changes, live

chat = room(room_name)  # a namespace no key of server_state can collide with
with locks_of(chat)["messages"]:
    messages = chat.setdefault("messages", [])

prompt = st.chat_input(f"Message #{room_name}")
if prompt:
    # Appended before the messages are drawn, so this session shows its own message at once;
    # every other session reading this room reruns once.
    with observable.origin(name):  # the journal panel shows who wrote it
        messages.append({"user": name, "text": prompt, "ts": time.time()})

st.subheader(f"# {room_name}")
if not messages:
    st.caption("No messages yet. Say hello!")
for message in messages:
    with st.chat_message("user" if message["user"] == name else "assistant"):
        st.markdown(f"**{message['user']}** · {message['text']}")
