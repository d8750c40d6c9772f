"""A room of every syncable widget kind, written the way the Streamlit docs write widgets.

Query parameters: ``room`` (the room), ``mode=viewer`` (read-only). Each value is echoed
as ``name=value`` so tests can read what the session shows.
"""

import datetime as dt

import pandas as pd
import streamlit as st
from observable_streamlit import not_synced, room_presence, select_room, sync

st.session_state.setdefault("runs", 0)
st.session_state.runs += 1


def count_level_changes() -> None:
    """``on_change`` of the "y" slider: count calls in this session only."""
    key = not_synced("y_changes")
    st.session_state[key] = st.session_state.get(key, 0) + 1


room = select_room()
viewer = st.query_params.get("mode") == "viewer"

with sync(room, readonly=viewer):
    x = st.slider("x", 0, 100, key="x")
    level = st.select_slider("level", options=["low", "mid", "high"])
    n = st.number_input("n", value=1)
    note = st.text_input("note", key="note")
    area = st.text_area("area")
    check = st.checkbox("check", key="check")
    switch = st.toggle("switch")
    choice = st.radio("choice", ["a", "b", "c"], key="choice")
    color_name = st.selectbox("color name", ["red", "green", "blue"])
    tags = st.multiselect("tags", ["p", "q", "r"], key="tags")
    day = st.date_input("day", value=dt.date(2024, 1, 1), key="day")
    at = st.time_input("at", value=dt.time(12, 0), key="at")
    color = st.color_picker("color", "#000000", key="color")
    name = st.text_input("name", key=not_synced("name"))
    if st.button("balloons"):
        st.session_state[not_synced("presses")] = st.session_state.get("presses", 0) + 1
        st.balloons()
    if st.button("bump"):
        st.session_state["counter"] = st.session_state.get("counter", 0) + 1
    y = st.slider("y", 0, 10, key="y", on_change=count_level_changes)
    with st.form("form"):
        topic = st.text_input("topic", key="topic")
        st.form_submit_button("submit")
    with st.form("chat", clear_on_submit=True):
        message = st.text_input("message", key="message")
        st.form_submit_button("send")
    table = st.data_editor(pd.DataFrame({"item": ["tea", "cake"], "qty": [1, 2]}), key="table")
    presence = room_presence(room)

for label, value in {
    "x": x,
    "level": level,
    "n": n,
    "note": note,
    "area": area,
    "check": check,
    "switch": switch,
    "choice": choice,
    "color name": color_name,
    "tags": ",".join(tags),
    "day": day,
    "at": at,
    "color": color,
    "name": name,
    "presses": st.session_state.get("presses", 0),
    "counter": st.session_state.get("counter", 0),
    "topic": topic,
    "message": message,
    "y": y,
    "y_changes": st.session_state.get("y_changes", 0),
    "table": ",".join(f"{i}:{q}" for i, q in zip(table["item"], table["qty"], strict=True)),
    "presence": presence.count,
    "runs": st.session_state.runs,
}.items():
    st.text(f"{label}={value}")
