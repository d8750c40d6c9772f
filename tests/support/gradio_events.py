"""Drive a running Gradio app at the event level, as the browser does, over the SSE queue.

``gradio_client`` hides the fields the browser acts on and never fires ``.change``. This speaks
the queue protocol directly (gradio 6, protocol ``sse_v3``):

* ``POST /gradio_api/queue/join`` with ``{data, fn_index, trigger_id, event_data, session_hash}``
  returns ``{"event_id": ...}``;
* ``GET /gradio_api/queue/data?session_hash=...`` streams ``data: {json}`` lines for every event of
  that session (``estimation``, ``process_starts``, ``process_generating``, ``process_completed``,
  ``heartbeat``, ``close_stream``). The server ends the stream once the session has no pending
  event, and cancels the session's events if the stream is dropped.

Each ``process_generating``/``process_completed`` message carries ``output.changed_state_ids``:
the ids of ``gr.State`` outputs whose ``deep_hash`` changed, on which the browser fires ``.change``.

One :class:`GradioSession` is one browser tab: a session hash of your choosing and a single
SSE reader thread that hands each message to the event it belongs to.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import TracebackType
from typing import Any

import httpx

API_PREFIX = "/gradio_api"
"""Prefix of gradio's HTTP API routes (``gradio.route_utils.API_PREFIX``)."""
DEFAULT_TIMEOUT = 30.0
"""Seconds any single wait (HTTP call, next message, whole event) may take."""
STREAM_READ_TIMEOUT = 30.0
"""Read timeout of the SSE stream; an idle stream gets a heartbeat every 15 s."""
END_MESSAGES = frozenset({"process_completed", "unexpected_error"})
"""Message kinds after which an event sends nothing more."""

Message = dict[str, Any]
"""One decoded SSE ``data:`` message."""


class GradioEventError(RuntimeError):
    """An event failed on the server, or the stream broke; the message holds what was said."""


@dataclass(frozen=True)
class EventOutcome:
    """What the server streamed for one event, ending with its completion."""

    event_id: str
    messages: list[Message]

    @property
    def completed(self) -> Message:
        """Return the final ``process_completed`` message."""
        return self.messages[-1]

    @property
    def data(self) -> list[Any]:
        """Return the event's output values (``None`` for ``gr.State`` outputs)."""
        return list(self.completed["output"].get("data") or [])

    @property
    def changed_state_ids(self) -> list[int]:
        """Return the State ids the server reported changed by the completing call."""
        return list(self.completed["output"].get("changed_state_ids") or [])

    @property
    def generating_changed_state_ids(self) -> list[list[int]]:
        """Return ``changed_state_ids`` of every ``process_generating`` step, in order."""
        return [
            list(message["output"].get("changed_state_ids") or [])
            for message in self.messages
            if message.get("msg") == "process_generating"
        ]


@dataclass
class _Pending:
    """Messages of one event not yet consumed, and whether its final message arrived."""

    messages: queue.Queue[Message] = field(default_factory=queue.Queue)
    done: bool = False


class PendingEvent:
    """An event that was joined to the queue; read its messages or wait for its outcome."""

    def __init__(
        self, session: GradioSession, event_id: str, fn_index: int, pending: _Pending
    ) -> None:
        """Bind the event id to the session's reader, which fills ``pending``."""
        self.session = session
        self.event_id = event_id
        self.fn_index = fn_index
        self._pending = pending
        self._seen: list[Message] = []

    @property
    def finished(self) -> bool:
        """Return True once the final message has been read."""
        return bool(self._seen) and self._seen[-1].get("msg") in END_MESSAGES

    def next_message(self, *, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """Return the next message, waiting at most ``timeout`` s."""
        if self.finished:
            raise GradioEventError(f"event {self.event_id} has already finished")
        try:
            message = self._pending.messages.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            raise TimeoutError(
                f"no message for event {self.event_id} within {timeout:.1f} s; "
                f"seen so far: {[m.get('msg') for m in self._seen]}"
            ) from None
        self._seen.append(message)
        return message

    def messages(self, *, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Message]:
        """Yield each message as it arrives, up to the final one; each wait is ``timeout`` bound."""
        while not self.finished:
            yield self.next_message(timeout=timeout)

    def result(self, *, timeout: float = DEFAULT_TIMEOUT) -> EventOutcome:
        """Wait (at most ``timeout`` s in all) for completion; raise if the event failed."""
        deadline = time.monotonic() + timeout
        while not self.finished:
            self.next_message(timeout=deadline - time.monotonic())
        final = self._seen[-1]
        if final.get("msg") != "process_completed" or not final.get("success", False):
            raise GradioEventError(f"event {self.event_id} failed: {final}")
        return EventOutcome(event_id=self.event_id, messages=list(self._seen))

    def cancel(self) -> None:
        """Ask the server to cancel this event (as the browser's stop button does)."""
        self.session.cancel(self)


def _shutdown_socket(response: httpx.Response) -> None:
    """Wake a reader blocked on this streaming response by shutting its socket down.

    Closing an httpx response from another thread does not interrupt a blocking read, which
    would then wait for the next heartbeat (15 s).
    """
    network_stream = response.extensions.get("network_stream")
    sock = network_stream.get_extra_info("socket") if network_stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class GradioSession:
    """One simulated browser tab of a running Gradio app, keyed by ``session_hash``."""

    def __init__(
        self,
        base_url: str,
        session_hash: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Use ``session_hash`` (random if omitted); every HTTP call is bounded by ``timeout``."""
        self.base_url = base_url.rstrip("/")
        self.session_hash = session_hash or uuid.uuid4().hex[:11]
        self.timeout = timeout
        self._http = httpx.Client(timeout=timeout, trust_env=False)
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._reader: threading.Thread | None = None
        self._stream: httpx.Response | None = None
        self._closed = False

    def __enter__(self) -> GradioSession:
        """Return the session itself."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the session (drops its stream, which cancels its running events)."""
        self.close()

    @cached_property
    def config(self) -> dict[str, Any]:
        """Return the app's ``/config`` (components and dependencies)."""
        response = self._http.get(f"{self.base_url}/config")
        response.raise_for_status()
        config: dict[str, Any] = response.json()
        return config

    def dependency(self, target: str | int) -> dict[str, Any]:
        """Return the dependency (event listener) for an ``api_name`` or an ``fn_index``."""
        for dependency in self.config["dependencies"]:
            if target in (dependency["id"], dependency.get("api_name")):
                found: dict[str, Any] = dependency
                return found
        raise KeyError(f"no event with api_name or fn_index {target!r}")

    def component_id(self, *, elem_id: str | None = None, label: str | None = None) -> int:
        """Return the id of the one component with this ``elem_id`` or ``label``."""
        matches = [
            component["id"]
            for component in self.config["components"]
            if (elem_id is not None and component["props"].get("elem_id") == elem_id)
            or (label is not None and component["props"].get("label") == label)
        ]
        if len(matches) != 1:
            raise KeyError(f"expected one component for {elem_id=} {label=}, found {matches}")
        return int(matches[0])

    def submit(
        self,
        target: str | int,
        data: Sequence[Any] | None = None,
        *,
        event_data: Any = None,
    ) -> PendingEvent:
        """Join the queue with an event, as the browser would, and return it while it runs.

        ``data`` holds one value per input of the event; ``gr.State`` inputs take ``None``
        (the server reads them from the session). Omitted, every input is ``None``.
        """
        dependency = self.dependency(target)
        inputs = list(data) if data is not None else [None] * len(dependency["inputs"])
        targets = dependency.get("targets") or []
        body = {
            "data": inputs,
            "fn_index": dependency["id"],
            "trigger_id": targets[0][0] if targets else None,
            "event_data": event_data,
            "session_hash": self.session_hash,
        }
        response = self._http.post(f"{self.base_url}{API_PREFIX}/queue/join", json=body)
        if response.status_code != 200:
            raise GradioEventError(f"queue/join answered {response.status_code}: {response.text}")
        event_id = str(response.json()["event_id"])
        with self._lock:
            if self._closed:
                raise GradioEventError("the session is closed")
            pending = self._pending.setdefault(event_id, _Pending())
            if self._reader is None:
                self._reader = threading.Thread(
                    target=self._read_stream, name=f"gradio-sse-{self.session_hash}", daemon=True
                )
                self._reader.start()
        return PendingEvent(self, event_id, int(dependency["id"]), pending)

    def call(
        self,
        target: str | int,
        data: Sequence[Any] | None = None,
        *,
        event_data: Any = None,
        timeout: float | None = None,
    ) -> EventOutcome:
        """Run an event to completion and return what the server streamed for it."""
        event = self.submit(target, data, event_data=event_data)
        return event.result(timeout=self.timeout if timeout is None else timeout)

    def changed_state_ids(self, target: str | int, data: Sequence[Any] | None = None) -> list[int]:
        """Run an event and return the ``changed_state_ids`` the server reported for it."""
        return self.call(target, data).changed_state_ids

    def cancel(self, event: PendingEvent) -> None:
        """Cancel a running event of this session through ``/gradio_api/cancel``."""
        body = {
            "session_hash": self.session_hash,
            "fn_index": event.fn_index,
            "event_id": event.event_id,
        }
        self._http.post(f"{self.base_url}{API_PREFIX}/cancel", json=body).raise_for_status()

    @contextlib.contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Hold the page's heartbeat connection open inside the block, as an open tab does.

        Gradio marks a session closed when its heartbeat connection drops (the tab closed),
        and deletes that session's state ``STATE_TTL_WHEN_CLOSED`` seconds later.
        """
        url = f"{self.base_url}{API_PREFIX}/heartbeat/{self.session_hash}"
        opened = threading.Event()
        streams: list[httpx.Response] = []
        client = httpx.Client(timeout=httpx.Timeout(self.timeout, read=None), trust_env=False)

        def hold() -> None:
            try:
                with client.stream("GET", url) as response:
                    streams.append(response)
                    opened.set()
                    for _ in response.iter_raw():
                        pass
            except (httpx.HTTPError, OSError):
                return
            finally:
                opened.set()

        holder = threading.Thread(target=hold, name=f"gradio-heartbeat-{self.session_hash}")
        holder.start()
        try:
            if not opened.wait(self.timeout) or not streams:
                raise GradioEventError(f"the heartbeat of {self.session_hash} did not open")
            yield
        finally:
            for response in streams:
                _shutdown_socket(response)
            holder.join(timeout=self.timeout)
            client.close()

    def close(self) -> None:
        """Drop the SSE stream (the server then cancels this session's events) and the client."""
        with self._lock:
            self._closed = True
            stream = self._stream
            reader = self._reader
        if stream is not None:
            _shutdown_socket(stream)
        if reader is not None:
            reader.join(timeout=self.timeout)
        self._http.close()

    def _dispatch(self, message: Message) -> None:
        """Hand a message to its event; a session-wide error ends every pending event."""
        event_id = message.get("event_id")
        with self._lock:
            if event_id is None:
                if message.get("msg") not in END_MESSAGES:
                    return  # heartbeat or close_stream
                targets = [p for p in self._pending.values() if not p.done]
            else:
                targets = [self._pending.setdefault(str(event_id), _Pending())]
            for pending in targets:
                if message.get("msg") in END_MESSAGES:
                    pending.done = True
                pending.messages.put(message)

    def _read_stream(self) -> None:
        """Read the session's SSE stream, reopening it while events are still pending."""
        url = f"{self.base_url}{API_PREFIX}/queue/data"
        timeout = httpx.Timeout(self.timeout, read=STREAM_READ_TIMEOUT)
        try:
            with httpx.Client(timeout=timeout, trust_env=False) as client:
                while True:
                    with client.stream(
                        "GET", url, params={"session_hash": self.session_hash}
                    ) as response:
                        with self._lock:
                            if self._closed:
                                return
                            self._stream = response
                        response.raise_for_status()
                        for line in response.iter_lines():
                            if line.startswith("data:"):
                                self._dispatch(json.loads(line[len("data:") :]))
                    with self._lock:
                        self._stream = None
                        if self._closed or all(p.done for p in self._pending.values()):
                            self._reader = None
                            return
        except Exception as error:  # reported to every waiting event
            with self._lock:
                closed = self._closed
                self._reader = None
                self._stream = None
            if not closed:
                self._dispatch(
                    {"msg": "unexpected_error", "event_id": None, "message": repr(error)}
                )
