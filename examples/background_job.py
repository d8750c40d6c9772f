"""A background job: a worker thread updates progress in place, and every session sees it live.

Run with ``uv run streamlit run examples/background_job.py`` in two tabs and start the job
in one. The worker thread has no session, so every session reading ``job`` reruns, the one
that started it included.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import streamlit as st
from observable_streamlit import journal_panel, server_state, server_state_lock

import observable

STEPS = 20

st.title("Background job")

with server_state_lock["job"]:
    job = server_state.setdefault("job", {"status": "idle", "progress": 0.0, "log": []})


def work(job: Any) -> None:
    """The worker: every step edits the shared, observed value in place."""
    with observable.origin("worker"):  # the journal panel names the thread's changes
        for step in range(1, STEPS + 1):
            time.sleep(0.25)
            with server_state_lock["job"]:
                job["progress"] = step / STEPS
                job["log"].append(f"step {step}/{STEPS} at {time.strftime('%H:%M:%S')}")
        job["status"] = "done"


def start() -> None:
    """Start the worker unless it is running already."""
    with server_state_lock["job"]:
        if job["status"] == "running":
            return
        job["status"] = "running"
        job["progress"] = 0.0
        job["log"].clear()
    threading.Thread(target=work, args=(job,), name="background-job", daemon=True).start()


st.button("Start the job", on_click=start, disabled=job["status"] == "running")
st.progress(job["progress"], text=f"{job['status']}: {job['progress']:.0%}")
for line in reversed(job["log"][-5:]):
    st.text(line)

with st.sidebar:
    journal_panel(limit=10)
