"""A shared task board: nested dict and list edits, and a read-only spectator mode.

Run with ``uv run streamlit run examples/task_board.py``. Open ``?mode=spectator`` (or tick
the box) for a read-only view that still updates live; any edit through it raises.
"""

from __future__ import annotations

import streamlit as st
from observable_streamlit import (
    ReadOnlyError,
    journal_panel,
    readonly,
    server_state,
    server_state_lock,
)

COLUMNS = ("todo", "doing", "done")

st.set_page_config(page_title="observable task board", layout="wide")
st.title("Shared task board")

with server_state_lock["board"]:
    server_state.setdefault(
        "board", {column: [] for column in COLUMNS} | {"todo": [{"title": "Try observable"}]}
    )

spectator = st.sidebar.checkbox(
    "Spectator (read-only)", value=st.query_params.get("mode") == "spectator"
)
state = readonly() if spectator else server_state
board = state.board  # a nested dict of lists of dicts, observed at every depth

with st.sidebar:
    journal_panel(limit=10)


def move(source: str, index: int, title: str, target: str) -> None:
    """Move one task to another column: a pop and an append, both recorded."""
    with server_state_lock["board"]:
        tasks = board[source]
        if index >= len(tasks) or tasks[index]["title"] != title:  # someone else moved it
            index = next((i for i, task in enumerate(tasks) if task["title"] == title), -1)
        if index >= 0:
            board[target].append(tasks.pop(index))


if not spectator:
    with st.form("add", clear_on_submit=True):
        title = st.text_input("New task")
        if st.form_submit_button("Add") and title.strip():
            with server_state_lock["board"]:
                board["todo"].append({"title": title.strip()})
else:
    st.info("Spectator mode: the board updates live, and every edit is refused.")
    if st.button("Try to add a task anyway"):
        try:
            board["todo"].append({"title": "sneaky"})
        except ReadOnlyError as error:
            st.error(f"Refused: {error}")

for column, container in zip(COLUMNS, st.columns(len(COLUMNS)), strict=True):
    with container:
        st.subheader(f"{column} ({len(board[column])})")
        for index, task in enumerate(board[column]):
            st.markdown(f"- {task['title']}")
            if spectator:
                continue
            position = COLUMNS.index(column)
            left, right = st.columns(2)
            if position > 0:
                left.button(
                    "◀",
                    key=f"{column}-{index}-back",
                    on_click=move,
                    args=(column, index, task["title"], COLUMNS[position - 1]),
                )
            if position < len(COLUMNS) - 1:
                right.button(
                    "▶",
                    key=f"{column}-{index}-next",
                    on_click=move,
                    args=(column, index, task["title"], COLUMNS[position + 1]),
                )
