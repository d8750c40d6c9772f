"""Values that cannot be copied: a queue, a lock, and an object holding both."""

import queue
import threading

import streamlit as st
from observable_streamlit import server_state, server_state_lock


class Worker:
    """An object holding a lock and a queue, as a background-job app keeps."""

    def __init__(self):
        self.lock = threading.Lock()
        self.jobs = queue.Queue()


with server_state_lock["queue"]:
    if "queue" not in server_state:
        server_state.queue = queue.Queue()
        server_state.mutex = threading.Lock()
        server_state.worker = Worker()

if st.button("put"):
    server_state.queue.put("job")
    with server_state.worker.lock:
        server_state.worker.jobs.put("job")
if st.button("lock"):
    server_state.mutex.acquire(blocking=False)
st.markdown(f"queue={server_state.queue.qsize()} worker={server_state.worker.jobs.qsize()}")
st.markdown(f"locked={server_state.mutex.locked()}")
