"""A per-session state of 10^6 records where every event stays fast.

With a plain ``gr.State``, Gradio hashes the whole value before and after each event that has
the State as an output (``gradio.utils.deep_hash``, seconds at this size), and the ``.change``
listener would not fire for an in-place edit if the State were left out of the outputs. Here
the records live in an ``ObservableState``: Gradio's check costs O(1) (a stamp from the journal),
so appending, editing or reading one record takes the same time at 10^3 or 10^6 records.

The one cost that does grow with the size: each session builds its own records once, at its
first event (the factory below runs per session, about a second for 10^6 records).

Run: ``uv run python examples/gradio_large_state.py [--records N]``, then open
http://127.0.0.1:7860. ``OBSERVABLE_RECORDS`` also sets the size.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import gradio as gr
from observable_gradio import ObservableState, on

from observable import journal_of


def _records_wanted() -> int:
    """The number of records: ``--records N``, else ``OBSERVABLE_RECORDS``, else 10^6."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default = int(os.environ.get("OBSERVABLE_RECORDS", "1000000"))
    parser.add_argument("--records", type=int, default=default)
    return int(parser.parse_known_args()[0].records)


RECORDS = _records_wanted()


def make_records() -> list[dict[str, Any]]:
    """Build one session's records (called once per session)."""
    return [{"id": i, "text": f"record {i}", "done": False} for i in range(RECORDS)]


def _timed(started: float, what: str) -> str:
    """Say what the handler did and how long its own work took."""
    return f"{what} (handler: {(time.perf_counter() - started) * 1000:.2f} ms)"


def append_record(records: list[dict[str, Any]], text: str) -> str:
    """Append one record in place."""
    started = time.perf_counter()
    records.append({"id": len(records), "text": text or "new record", "done": False})
    return _timed(started, f"appended record {len(records) - 1}")


def edit_record(records: list[dict[str, Any]], index: float, text: str) -> str:
    """Change the text of one record, two levels down."""
    started = time.perf_counter()
    i = int(index) % len(records)
    records[i]["text"] = text or f"edited {i}"
    return _timed(started, f"edited record {i}")


def toggle_record(records: list[dict[str, Any]], index: float) -> str:
    """Flip the ``done`` flag of one record."""
    started = time.perf_counter()
    i = int(index) % len(records)
    records[i]["done"] = not records[i]["done"]
    return _timed(started, f"toggled record {i}")


def show_record(records: list[dict[str, Any]], index: float) -> str:
    """Read one record: nothing changes, so ``.change`` does not fire."""
    started = time.perf_counter()
    i = int(index) % len(records)
    return _timed(started, f"record {i}: {dict(records[i])}")


def describe(records: list[dict[str, Any]]) -> str:
    """The ``.change`` listener: size, journal version and the latest change, all O(1)."""
    journal = journal_of(records)
    latest = journal.since(journal.version - 1)[-1] if journal.version else None
    what = f"{latest.op} at {latest.path}" if latest is not None else "none yet"
    return f"{len(records):,} records, version {journal.version}, latest change: {what}"


with gr.Blocks(title="Large state") as demo:
    gr.Markdown(f"## {RECORDS:,} records in one session's state\nEvery event stays fast.")
    records = ObservableState(make_records)
    with gr.Row():
        index = gr.Number(label="Record", value=0, precision=0, elem_id="index")
        text = gr.Textbox(label="Text", placeholder="new text", elem_id="text")
    with gr.Row():
        append = gr.Button("Append", elem_id="append")
        edit = gr.Button("Edit text", elem_id="edit")
        toggle = gr.Button("Toggle done", elem_id="toggle")
        show = gr.Button("Show (read only)", elem_id="show")
    result = gr.Textbox(label="Last event", elem_id="result")
    summary = gr.Textbox(label="On change", elem_id="summary")

    on(append.click, append_record, inputs=[records, text], outputs=result)
    on(edit.click, edit_record, inputs=[records, index, text], outputs=result)
    on(toggle.click, toggle_record, inputs=[records, index], outputs=result)
    on(show.click, show_record, inputs=[records, index], outputs=result)
    on(records.change, describe, inputs=records, outputs=summary)

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1")
