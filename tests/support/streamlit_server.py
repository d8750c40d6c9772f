"""A real ``streamlit run`` server and a WebSocket client that plays a browser tab.

``StreamlitServer`` starts ``python -m streamlit run APP`` on 127.0.0.1, waits for
``/_stcore/health`` and always stops the process. ``StreamlitSession`` connects to
``/_stcore/stream`` (subprotocol ``streamlit``), speaks the protobufs shipped
inside the installed streamlit, and records every script run the server reports,
so a test can assert how often a passive session was rerun and what it showed.

Protocol notes (streamlit 1.67):

* The server creates the session when the socket opens, but runs nothing until
  the client sends a ``BackMsg.rerun_script`` (a ``ClientState``).
* Each run starts with a ``new_session`` message (``initialize.session_id``,
  ``page_script_hash``, ``metadata.run.script_run_id`` and, for a fragment run,
  ``metadata.run.fragment_ids``), then deltas, then ``script_finished``.
  Deltas carry no run id: they belong to the latest ``new_session``.
* ``script_finished`` of a run that had not been flushed when the next run
  started is rewritten to ``FINISHED_EARLY_FOR_RERUN`` by the server's queue
  (``ForwardMsgQueue.clear``), so count runs by ``new_session``, not by status.
* A run that is stopped for a fastReruns restart may never get its
  ``script_finished`` (events of a replaced ``ScriptRunner`` are ignored); the
  harness marks such a run ``SUPERSEDED`` when the next ``new_session`` arrives.
* The message cache (``ref_hash``) only applies to hashes the client lists in
  ``ClientState.cached_message_hashes``. This client lists none, so it never
  gets a reference message and never has to acknowledge anything.
* Closing the socket makes the server call ``disconnect_session``: the session
  stops being active at once.
* ``page_info_changed`` carries the query string after the script changed
  ``st.query_params``; the browser puts it in the URL and sends it with later
  reruns, and so does this client.
* ``st.fragment(run_every=...)`` is driven by the browser: the server sends an
  ``auto_rerun`` message (interval, fragment id) and the frontend's timer sends
  ``rerun_script`` with that fragment id and ``is_auto_rerun``. A session made
  with ``auto_rerun=True`` does the same; by default it ignores the timer.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Final

from tests.support.environment import free_loopback_port, missing

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

#: The only address the server binds to and the client connects to.
HOST: Final = "127.0.0.1"

#: Options that keep the server quiet, local and deterministic.
DEFAULT_SERVER_OPTIONS: Final[tuple[str, ...]] = (
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
    "--server.fileWatcherType",
    "none",
    "--server.runOnSave",
    "false",
    "--global.developmentMode",
    "false",
    "--client.toolbarMode",
    "minimal",
    "--logger.level",
    "info",
)

#: ``script_finished`` statuses, as ``ForwardMsg.ScriptFinishedStatus`` names.
FINISHED_SUCCESSFULLY: Final = "FINISHED_SUCCESSFULLY"
FINISHED_WITH_COMPILE_ERROR: Final = "FINISHED_WITH_COMPILE_ERROR"
FINISHED_EARLY_FOR_RERUN: Final = "FINISHED_EARLY_FOR_RERUN"
FINISHED_FRAGMENT_RUN_SUCCESSFULLY: Final = "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"
#: Harness-only status: the next run started and this one never got a script_finished
#: (the server ignores events of a ScriptRunner it replaced, e.g. after fastReruns).
SUPERSEDED: Final = "SUPERSEDED"

# Element fields that hold text a user would read, per element type.
_TEXT_FIELDS: Final = {
    "markdown": "body",
    "text": "body",
    "heading": "body",
    "alert": "body",
    "code": "code_text",
    "exception": "message",
}


def require_streamlit_harness() -> None:
    """Fail (CI) or skip unless streamlit and websockets can be imported."""
    try:
        import streamlit  # noqa: F401
        import websockets.sync.client  # noqa: F401
    except ImportError as exc:
        missing(f"streamlit harness needs streamlit and websockets ({exc})")


class StreamlitServerError(RuntimeError):
    """The server process failed to start, or died; the message has its log tail."""


class StreamlitServer:
    """``streamlit run APP`` on 127.0.0.1 as a subprocess; use as a context manager."""

    def __init__(
        self,
        app: Path | str,
        *,
        port: int | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 20.0,
        stop_timeout: float = 5.0,
    ) -> None:
        """Describe a server for ``app``; nothing starts before :meth:`start`."""
        self.app = Path(app).resolve()
        self._requested_port = port
        self._extra_args = tuple(extra_args)
        self._env = dict(env or {})
        self._startup_timeout = startup_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._log_path: Path | None = None
        self.port = 0
        self._sessions: list[StreamlitSession] = []

    # -- lifecycle -------------------------------------------------------------

    def __enter__(self) -> StreamlitServer:
        """Start the server and return it."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close every session opened through :meth:`session` and stop the server."""
        self.stop()

    def start(self) -> None:
        """Start the process and block until ``/_stcore/health`` answers ``ok``."""
        require_streamlit_harness()
        if self._process is not None:
            raise RuntimeError("server already started")
        attempts = 1 if self._requested_port is not None else 3
        for attempt in range(attempts):
            self.port = self._requested_port or free_loopback_port()
            self._spawn()
            try:
                self._wait_healthy()
                return
            except StreamlitServerError:
                # Another process may have taken the port between the probe and the bind.
                log = self.log_text()
                port_taken = "is not available" in log or "already in use" in log
                self.stop()
                if not port_taken or attempt == attempts - 1:
                    raise
            except BaseException:
                self.stop()
                raise

    def _spawn(self) -> None:
        """Launch ``python -m streamlit run`` with its output in a temporary log file."""
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.app),
            "--server.port",
            str(self.port),
            "--server.address",
            HOST,
            *DEFAULT_SERVER_OPTIONS,
            *self._extra_args,
        ]
        env = dict(os.environ)
        # Never let an inherited proxy or config redirect the test traffic.
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(name, None)
        env["NO_PROXY"] = env["no_proxy"] = HOST
        env["PYTHONUNBUFFERED"] = "1"
        env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
        env.update(self._env)
        handle, name = tempfile.mkstemp(prefix="streamlit-server-", suffix=".log")
        os.close(handle)
        self._log_path = Path(name)
        self._log_file = self._log_path.open("wb")
        self._process = subprocess.Popen(
            command,
            cwd=self.app.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def _wait_healthy(self) -> None:
        """Poll the health endpoint until it answers, the process dies, or time is up."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise StreamlitServerError(f"streamlit exited during startup:\n{self.log_tail()}")
            try:
                with opener.open(f"{self.url}/_stcore/health", timeout=1.0) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.1)
        raise StreamlitServerError(
            f"streamlit did not become healthy within {self._startup_timeout}s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Close open sessions, terminate the process (kill after a timeout), delete the log."""
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self._stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=self._stop_timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def kill(self) -> None:
        """Crash the server: SIGKILL, so no shutdown code runs (:meth:`stop` cleans up)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=self._stop_timeout)

    # -- facts -----------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the HTTP base URL."""
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        """Return the WebSocket stream URL."""
        return f"ws://{HOST}:{self.port}/_stcore/stream"

    @property
    def running(self) -> bool:
        """Return True while the process is alive."""
        return self._process is not None and self._process.poll() is None

    def log_text(self) -> str:
        """Return everything the server printed so far."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        """Return the last lines the server printed."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    # -- clients ---------------------------------------------------------------

    def session(
        self,
        *,
        query_string: str = "",
        page_name: str = "",
        first_run: bool = True,
        open_timeout: float = 10.0,
        auto_rerun: bool = False,
        adopt_server_values: bool = False,
    ) -> StreamlitSession:
        """Open a session (closed by :meth:`stop`); by default wait for its first run.

        With ``auto_rerun``, the session reruns ``st.fragment(run_every=...)`` fragments
        on their timers, as a browser does. With ``adopt_server_values``, a value the
        server sets on a widget this session has set (``set_value``) replaces the one it
        remembered, as the browser does.
        """
        if not self.running:
            raise StreamlitServerError(f"server is not running:\n{self.log_tail()}")
        session = StreamlitSession(
            self.ws_url,
            query_string=query_string,
            page_name=page_name,
            auto_rerun=auto_rerun,
            adopt_server_values=adopt_server_values,
        )
        session.connect(open_timeout=open_timeout)
        self._sessions.append(session)
        if first_run:
            session.rerun()
            session.wait_for_runs(1, timeout=open_timeout)
        return session


@dataclass
class ScriptRun:
    """One script run as the client saw it: from ``new_session`` to ``script_finished``."""

    run_id: str
    fragment_ids: tuple[str, ...]
    page_script_hash: str
    started_at: float
    status: str | None = None
    finished_at: float | None = None
    texts: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Return True once ``script_finished`` arrived for this run."""
        return self.status is not None

    @property
    def is_fragment_run(self) -> bool:
        """Return True for a run of fragments only (not the whole script)."""
        return bool(self.fragment_ids)


@dataclass(frozen=True)
class WidgetInfo:
    """A widget the session has rendered: element type, id, label, owning fragment."""

    kind: str
    id: str
    label: str
    fragment_id: str

    @property
    def key(self) -> str | None:
        """Return the user key encoded in the element id, if any."""
        parts = self.id.split("-", maxsplit=2)
        if len(parts) < 3 or parts[2] == "None":
            return None
        return parts[2]


class StreamlitSession:
    """A WebSocket client that behaves like one browser tab of a Streamlit app."""

    def __init__(
        self,
        ws_url: str,
        *,
        query_string: str = "",
        page_name: str = "",
        auto_rerun: bool = False,
        adopt_server_values: bool = False,
    ) -> None:
        """Describe a session; :meth:`connect` opens the socket.

        With ``auto_rerun``, fragments with ``run_every`` are rerun on their timers; with
        ``adopt_server_values``, server-set widget values replace remembered ones.
        """
        self.ws_url = ws_url
        self.query_string = query_string
        self.page_name = page_name
        self._cond = threading.Condition()
        self._ws: ClientConnection | None = None
        self._exit = contextlib.ExitStack()
        self._reader: threading.Thread | None = None
        self._closed = False
        self._reader_error: BaseException | None = None
        self._session_id: str | None = None
        self._page_script_hash = ""
        self._runs: list[ScriptRun] = []
        self._status_counts: dict[str, int] = {}
        self._messages = 0
        self._last_message_at = time.monotonic()
        self._script_is_running = False
        self._widgets: dict[str, WidgetInfo] = {}
        self._widget_values: dict[str, Any] = {}  # id -> WidgetState proto
        self._tables: dict[str, bytes] = {}  # data editor id -> Arrow IPC bytes drawn
        self._screen: dict[tuple[int, ...], tuple[str, str, str]] = {}
        self._compile_errors: list[str] = []
        self._unresolved_refs = 0
        self._auto_rerun = auto_rerun
        self._adopt_server_values = adopt_server_values
        self._timers: dict[str, float] = {}  # fragment id -> run_every interval (s)
        self._timer_thread: threading.Thread | None = None

    # -- connection ------------------------------------------------------------

    def connect(self, *, open_timeout: float = 10.0) -> None:
        """Open the socket and start the reader thread."""
        from websockets.sync.client import connect
        from websockets.typing import Subprotocol

        self._ws = self._exit.enter_context(
            connect(
                self.ws_url,
                subprotocols=[Subprotocol("streamlit")],
                proxy=None,
                open_timeout=open_timeout,
                close_timeout=2.0,
                max_size=None,
                compression=None,
            )
        )
        self._reader = threading.Thread(
            target=self._read_forever, name=f"streamlit-ws-{id(self):x}", daemon=True
        )
        self._reader.start()
        if self._auto_rerun:
            self._timer_thread = threading.Thread(
                target=self._auto_rerun_forever, name=f"streamlit-timer-{id(self):x}", daemon=True
            )
            self._timer_thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Close the socket (the server disconnects the session) and join the reader."""
        self._exit.close()
        if self._reader is not None:
            self._reader.join(timeout)
            self._reader = None
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._timer_thread is not None:
            self._timer_thread.join(timeout)
            self._timer_thread = None

    def __enter__(self) -> StreamlitSession:
        """Return self; the socket must already be connected."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session."""
        self.close()

    def _read_forever(self) -> None:
        """Reader thread: parse every ForwardMsg until the socket closes."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.exceptions import ConnectionClosed

        ws = self._ws
        assert ws is not None
        try:
            while True:
                data = ws.recv()
                if isinstance(data, str):
                    continue
                msg = ForwardMsg()
                msg.ParseFromString(data)
                with self._cond:
                    self._handle(msg)
                    self._cond.notify_all()
        except ConnectionClosed:
            pass
        except BaseException as exc:  # surfaced by the wait helpers
            self._reader_error = exc
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    # -- ForwardMsg handling (reader thread, under self._cond) -------------------

    def _handle(self, msg: Any) -> None:
        """Fold one ForwardMsg into the recorded state."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        now = time.monotonic()
        self._messages += 1
        self._last_message_at = now
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._session_id = msg.new_session.initialize.session_id or self._session_id
            self._page_script_hash = msg.new_session.page_script_hash
            for open_run in self._runs:
                if not open_run.finished:
                    open_run.status = SUPERSEDED
                    open_run.finished_at = now
            self._runs.append(
                ScriptRun(
                    run_id=msg.metadata.run.script_run_id,
                    fragment_ids=tuple(msg.metadata.run.fragment_ids),
                    page_script_hash=msg.new_session.page_script_hash,
                    started_at=now,
                )
            )
        elif kind == "delta":
            self._handle_delta(msg)
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
            self._status_counts[status] = self._status_counts.get(status, 0) + 1
            run = self._run_for(msg.metadata.run.script_run_id)
            if run is not None:
                run.status = status
                run.finished_at = now
                self._prune_screen(run)
        elif kind == "page_info_changed":
            # The browser puts the script's query parameters in its URL and sends them
            # with every later rerun; so does this client.
            self.query_string = msg.page_info_changed.query_string
        elif kind == "session_status_changed":
            self._script_is_running = msg.session_status_changed.script_is_running
        elif kind == "session_event":
            if msg.session_event.HasField("script_compilation_exception"):
                self._compile_errors.append(msg.session_event.script_compilation_exception.message)
        elif kind == "auto_rerun":
            self._timers[msg.auto_rerun.fragment_id] = max(0.05, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self._timers.clear()
        elif kind == "ref_hash":
            self._unresolved_refs += 1

    def _run_for(self, run_id: str) -> ScriptRun | None:
        """Return the run a script_finished belongs to (by id, else the newest open one)."""
        for run in reversed(self._runs):
            if run_id and run.run_id == run_id:
                return run
        if not run_id:
            for run in reversed(self._runs):
                if not run.finished:
                    return run
        return None

    def _handle_delta(self, msg: Any) -> None:
        """Record text and widgets of a ``new_element`` delta."""
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        element_kind = element.WhichOneof("type")
        if element_kind is None:
            return
        payload = getattr(element, element_kind)
        path = tuple(msg.metadata.delta_path)
        run_id = self._runs[-1].run_id if self._runs else ""
        text_field = _TEXT_FIELDS.get(element_kind)
        if text_field is not None:
            text = str(getattr(payload, text_field))
            if self._runs:
                self._runs[-1].texts.append(text)
            self._screen[path] = (run_id, delta.fragment_id, text)
        else:
            self._screen.pop(path, None)
        widget_id = getattr(payload, "id", None)
        label = getattr(payload, "label", "")  # st.data_editor has an id but no label
        if isinstance(widget_id, str) and widget_id and isinstance(label, str):
            self._widgets[widget_id] = WidgetInfo(
                kind=element_kind, id=widget_id, label=label, fragment_id=delta.fragment_id
            )
            if element_kind == "dataframe":
                self._tables[widget_id] = bytes(payload.arrow_data.data)
            if self._adopt_server_values and getattr(payload, "set_value", False):
                self._adopt(widget_id, payload)

    def _adopt(self, widget_id: str, payload: Any) -> None:
        """Take a server-set widget value, as the browser does (widgets this session set)."""
        sent = self._widget_values.get(widget_id)
        if sent is None:
            return
        field_name = sent.WhichOneof("value")
        source = next((n for n in ("value", "raw_value", "raw_values") if hasattr(payload, n)), "")
        if not field_name or not source:
            return
        value = getattr(payload, source)
        sent = type(sent).FromString(sent.SerializeToString())  # readers hold the old one
        self._widget_values[widget_id] = sent
        if field_name.endswith("_array_value"):
            target = getattr(sent, field_name)
            del target.data[:]
            target.data.extend(value if not isinstance(value, str | int | float) else [value])
        elif isinstance(value, str | bool | int | float):
            setattr(sent, field_name, value)

    def _prune_screen(self, run: ScriptRun) -> None:
        """Drop texts a finished run did not redraw, as the frontend drops stale elements."""
        if run.status == FINISHED_SUCCESSFULLY:
            self._screen = {p: v for p, v in self._screen.items() if v[0] == run.run_id}
        elif run.status == FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            fragments = set(run.fragment_ids)
            self._screen = {
                p: v for p, v in self._screen.items() if v[1] not in fragments or v[0] == run.run_id
            }

    # -- BackMsgs ----------------------------------------------------------------

    def _auto_rerun_forever(self) -> None:
        """Timer thread: send each ``run_every`` fragment's rerun when it is due."""
        due: dict[str, float] = {}
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                for fragment_id, interval in self._timers.items():
                    due.setdefault(fragment_id, now + interval)
                for fragment_id in [f for f in due if f not in self._timers]:
                    del due[fragment_id]
                ready = [f for f, at in due.items() if at <= now]
                for fragment_id in ready:
                    due[fragment_id] = now + self._timers[fragment_id]
                if ready:
                    self._cond.release()
                    try:
                        for fragment_id in ready:
                            with contextlib.suppress(Exception):  # closed meanwhile
                                self._send_rerun(fragment_id=fragment_id, auto=True)
                    finally:
                        self._cond.acquire()
                    continue
                wait = min(due.values(), default=now + 0.1) - now
                self._cond.wait(max(0.005, min(wait, 0.1)))

    def _send_rerun(
        self, extra_widget: Any | None = None, fragment_id: str = "", *, auto: bool = False
    ) -> None:
        """Send ``rerun_script`` with the remembered widget values plus ``extra_widget``."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if self._ws is None:
            raise RuntimeError("session is not connected")
        back = BackMsg()
        state = back.rerun_script
        state.query_string = self.query_string
        state.page_name = self.page_name
        with self._cond:
            state.page_script_hash = self._page_script_hash
            values = list(self._widget_values.values())
        state.widget_states.widgets.extend(values)
        if extra_widget is not None:
            state.widget_states.widgets.append(extra_widget)
        if fragment_id:
            state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        self._ws.send(back.SerializeToString())

    def rerun(self) -> None:
        """Ask the server to rerun this session, as the browser's "Rerun" does."""
        self._send_rerun()

    def widget(self, target: str) -> WidgetInfo:
        """Return a rendered widget by user key, else by label (newest wins)."""
        with self._cond:
            widgets = list(self._widgets.values())
        for info in reversed(widgets):
            if info.key == target:
                return info
        for info in reversed(widgets):
            if info.label == target:
                return info
        raise LookupError(f"no widget with key or label {target!r}; have {widgets}")

    def table(self, widget_id: str) -> Any:
        """Return the table a data editor was last drawn with, as a pandas DataFrame."""
        import pyarrow as pa

        with self._cond:
            data = self._tables[widget_id]
        return pa.ipc.open_stream(data).read_all().to_pandas()

    def click(self, target: str) -> None:
        """Click a button (by key or label): send its trigger, like the browser does."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        info = self.widget(target)
        state = WidgetState(id=info.id, trigger_value=True)
        self._send_rerun(state, fragment_id=info.fragment_id)

    def set_value(self, target: str, field_name: str, value: Any) -> None:
        """Set a widget's value (a ``WidgetState`` oneof field, e.g. ``bool_value``) and rerun.

        The value is remembered and sent with every later rerun, as the browser does.
        """
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        info = self.widget(target)
        state = WidgetState(id=info.id)
        if WidgetState.DESCRIPTOR.fields_by_name[field_name].message_type is not None:
            # A message field, e.g. string_array_value=StringArray(data=[...]).
            getattr(state, field_name).CopyFrom(value)
        else:
            setattr(state, field_name, value)
        with self._cond:
            self._widget_values[info.id] = state
        self._send_rerun(fragment_id=info.fragment_id)

    def set_text(self, target: str, value: str) -> None:
        """Type into a text input or text area (by key or label) and submit it."""
        self.set_value(target, "string_value", value)

    # -- observations ------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        """Return the server's id for this session (known after the first run starts)."""
        with self._cond:
            return self._session_id

    @property
    def runs(self) -> list[ScriptRun]:
        """Return a snapshot of every run seen so far, oldest first."""
        return self.runs_since(0)

    def mark(self) -> int:
        """Return the number of runs started so far, to pass to :meth:`runs_since`."""
        with self._cond:
            return len(self._runs)

    def runs_since(self, mark: int) -> list[ScriptRun]:
        """Return copies of the runs started after ``mark``."""
        with self._cond:
            return [replace(run, texts=list(run.texts)) for run in self._runs[mark:]]

    def status_counts(self) -> dict[str, int]:
        """Return how many ``script_finished`` messages arrived, per status name."""
        with self._cond:
            return dict(self._status_counts)

    @property
    def compile_errors(self) -> list[str]:
        """Return the messages of script compilation errors reported so far."""
        with self._cond:
            return list(self._compile_errors)

    def screen(self) -> list[str]:
        """Return the texts currently displayed, in layout order (approximation)."""
        with self._cond:
            return [v[2] for _, v in sorted(self._screen.items())]

    def texts(self) -> list[str]:
        """Return the texts drawn by the newest finished run."""
        with self._cond:
            for run in reversed(self._runs):
                if run.finished:
                    return list(run.texts)
            return []

    # -- waiting -----------------------------------------------------------------

    def _wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        """Block until ``predicate()`` (called under the lock) is true, or raise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                if self._reader_error is not None:
                    raise RuntimeError(f"reader failed: {self._reader_error!r}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"timed out after {timeout}s waiting for {what}; runs={self._runs}"
                    )
                if self._closed and not predicate():
                    raise ConnectionError(f"connection closed while waiting for {what}")
                self._cond.wait(min(remaining, 0.1))

    def wait_for_session_id(self, timeout: float = 10.0) -> str:
        """Block until the server told this client its session id, and return it."""
        self._wait(lambda: self._session_id is not None, timeout, "a session id")
        assert self._session_id is not None
        return self._session_id

    def wait_for_runs(self, n: int, timeout: float = 10.0, *, since: int = 0) -> list[ScriptRun]:
        """Block until at least ``n`` runs started after ``since`` have finished."""

        def done() -> bool:
            return sum(1 for run in self._runs[since:] if run.finished) >= n

        self._wait(done, timeout, f"{n} finished run(s) after mark {since}")
        return self.runs_since(since)

    def wait_for_start(self, since: int, timeout: float = 10.0) -> ScriptRun:
        """Block until a run started after mark ``since``; return the first such run."""
        self._wait(lambda: len(self._runs) > since, timeout, f"a run after mark {since}")
        return self.runs_since(since)[0]

    def wait_quiet(self, quiet_period: float = 0.5, timeout: float = 10.0) -> None:
        """Block until no run is open and no message arrived for ``quiet_period`` seconds."""

        def quiet() -> bool:
            idle = all(run.finished for run in self._runs)
            return idle and time.monotonic() - self._last_message_at >= quiet_period

        self._wait(quiet, timeout, f"{quiet_period}s of quiet")

    def wait_for_text(self, text: str, timeout: float = 10.0) -> None:
        """Block until ``text`` is among the texts currently displayed."""

        def shown() -> bool:
            return any(entry[2] == text for entry in self._screen.values())

        self._wait(shown, timeout, f"text {text!r} on screen")

    def runs_after(
        self,
        mark: int,
        *,
        at_least: int = 0,
        quiet_period: float = 0.75,
        timeout: float = 10.0,
    ) -> list[ScriptRun]:
        """Wait for ``at_least`` finished runs after ``mark``, then for quiet; return them.

        Use it to assert "exactly once": ``len(s.runs_after(m, at_least=1)) == 1``.
        """
        started = time.monotonic()
        if at_least:
            self.wait_for_runs(at_least, timeout, since=mark)
        self.wait_quiet(quiet_period, max(0.1, timeout - (time.monotonic() - started)))
        return self.runs_since(mark)


@contextlib.contextmanager
def streamlit_server(app: Path | str, **kwargs: Any) -> Iterator[StreamlitServer]:
    """Run a :class:`StreamlitServer` for the duration of a ``with`` block."""
    server = StreamlitServer(app, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()
