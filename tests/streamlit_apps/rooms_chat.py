"""streamlit-server-state's chat-rooms example with room names users type ("team/blue")."""

import streamlit as st
from observable_streamlit import server_state, server_state_lock

with server_state_lock["rooms"]:
    if "rooms" not in server_state:
        server_state["rooms"] = []

rooms: list[str] = server_state["rooms"]
room = st.radio("Select room", rooms)


def on_create():
    new_room_name = st.session_state.new_room_name
    with server_state_lock["rooms"]:
        server_state["rooms"] = server_state["rooms"] + [new_room_name]


st.text_input("Room name", key="new_room_name", on_change=on_create)
st.markdown(f"rooms={list(server_state.rooms)}")

if not room:
    st.stop()

room_key = f"room_{room}"
with server_state_lock[room_key]:
    if room_key not in server_state:
        server_state[room_key] = []

message_input_key = f"message_input_{room}"


def on_message_input():
    new_message_text = st.session_state[message_input_key]
    if not new_message_text:
        return
    with server_state_lock[room_key]:
        server_state[room_key] = server_state[room_key] + [{"text": new_message_text}]


st.text_input("Message", key=message_input_key, on_change=on_message_input)
st.markdown(f"messages={[m['text'] for m in server_state[room_key]]}")
