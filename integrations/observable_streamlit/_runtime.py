"""The one module that touches Streamlit's private names.

Streamlit has no public API for rerunning *another* session, so this module
reaches into the runtime. Every private name the integration needs lives here,
behind a version guard, so that a Streamlit upgrade can only break this file.

Tested range: ``1.40 <= streamlit < 2.0``; checked against 1.67.0 only.
Outside the range a :class:`StreamlitVersionWarning` is emitted once; when a
needed name is missing, :class:`UnsupportedStreamlitVersion` is raised and
names the version and the missing names.

Private names used, and why:

``Runtime._get_async_objs().eventloop``
    The asyncio loop that owns every ``AppSession``. ``SessionManager`` and
    ``AppSession`` methods are not thread-safe and must run on this loop, so
    every rerun is delivered through ``loop.call_soon_threadsafe``.
``Runtime._session_mgr`` (``get_active_session_info``, ``list_active_sessions``)
    Finds the ``AppSession`` of a session id and lists connected sessions.
    A disconnected session is not "active" and is skipped.
``AppSession._client_state``
    The ``ClientState`` proto of the session's last run (page script hash,
    query string, context info). Passing a copy of it to
    ``AppSession.request_rerun`` keeps the page and query string, exactly as
    Streamlit's own rerun-on-file-change does.
``AppSession._scriptrunner``
    Non-``None`` while a run chain (widget callbacks, script body, queued
    fragment runs) is in progress. A rerun is only delivered while it is
    ``None``; see "Delivery rules" below. A busy session is polled with a
    backoff from ``retry_interval`` up to ``max_retry_interval`` seconds.
    :func:`call_when_idle` also reads it, to act once every session is idle.
``AppSession.request_rerun`` / ``AppSession.has_fragment``
    Public methods of a non-public class: start the rerun, and check that a
    fragment still exists in the target session before a fragment rerun.
``streamlit.runtime.scriptrunner.get_script_run_ctx``
    The calling thread's session id (None outside a script thread).
``ThreadState.get().fragment_id`` (``script_run_context`` module)
    The id of the fragment whose body or callback is running, if any.
``streamlit.elements.json._ensure_serialization``
    The ``default=`` function ``st.json`` (and so ``st.write`` of a dict or
    list) hands to ``json.dumps``. The C encoder checks exact types, so a
    proxy that only *passes* ``isinstance(p, dict)`` reaches ``default`` and
    would be shown as its ``repr`` string. :func:`install_json_unwrapper`
    wraps that function so a proxy is first replaced by the plain value
    behind it; everything else still goes to Streamlit's own function.
    The ``json`` module itself is never patched.

Delivery rules (what :class:`RerunScheduler` guarantees):

* Coalescing: at most one pending rerun per session until it is delivered.
  Requests that arrive within ``coalesce_window`` seconds of the first one, or
  while the target is busy, fold into that pending rerun.
* Holding for the writer (``after_current_run=True``): a request made from a
  script thread is held until the *calling* session's run chain is over (or
  ``max_hold`` seconds after the first held request, for scripts that run
  for a long time). So 1,000 appends in one run of A, however slow that run,
  give every other session exactly one rerun, which shows all of them.
* Never interrupt a running session. With ``runner.fastReruns`` (the default),
  ``AppSession.request_rerun`` *stops* the current ``ScriptRunner`` and starts
  a new one from the given ``ClientState``, which carries no widget states.
  The browser's ``RerunData`` (widget values, button triggers) lives in the
  runner it created and is applied (widget callbacks run) only when that
  runner's thread gets to it, so a remote rerun landing first drops the
  user's input. Observed on 1.67 with this guard removed: a rerun requested
  during a slow widget callback started a second script thread next to the
  one still in the callback, drew the state from before the callback, and the
  interrupted run never sent ``script_finished``; a rerun requested during a
  slow ``if st.button(...)`` body cut it short, so its work was lost for good
  (streamlit-server-state issue #37 is the same hazard). So a busy session
  (``_scriptrunner is not None``) is retried with ``loop.call_later`` every
  ``retry_interval`` seconds until its run chain is over, then rerun once.
  The run in progress shows what it read; the rerun after it shows the newer
  state. A script that never ends (``while True``) is therefore never rerun
  from outside; use a fragment with ``run_every`` for live views instead.
* A session whose script has never run (``_client_state.page_script_hash``
  is still ``""``) is not rerun: its first run, which the browser triggers,
  reads the current state anyway, and a run started from an empty
  ``ClientState`` would ignore the URL's page and query string.
* A session that disconnected is dropped.
* The calling session is excluded by default (rerunning the writer loops).

Fragments (``request(..., fragment_ids=...)``, ``request_fragments``): Streamlit
can rerun one fragment of another session. ``AppSession.request_rerun`` accepts a
``ClientState`` whose ``fragment_id`` is set; it drops the request if the
session no longer holds that fragment (``has_fragment``), and a fragment rerun
never preempts a running script (it is queued on the runner). The browser
renders such a server-initiated fragment run like one it asked for: only the
fragment's elements change. Limits:

* ``ClientState`` carries one ``fragment_id``, so several fragments mean one
  ``request_rerun`` each: they run as one queued run or back to back.
* A fragment id is ``calc_hash(module.qualname + delta path + ...)`` of the
  call site, and the delta path counts the elements drawn before it. Sessions
  with the same layout share ids; a session that drew one more element above
  the fragment has another id. So each session should record its own id
  (:func:`current_fragment_id` inside the fragment) and be targeted with
  :meth:`RerunScheduler.request_fragments`. A session that holds none of the
  requested fragments is skipped: nothing it displays comes from them.
* A full rerun and a fragment rerun pending for the same session coalesce to
  the full rerun, which redraws the fragments too.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import streamlit
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime import Runtime

__all__ = [
    "TESTED_RANGE",
    "RerunScheduler",
    "RunPosition",
    "StreamlitVersionWarning",
    "UnsupportedStreamlitVersion",
    "active_session_ids",
    "call_when_idle",
    "check_streamlit_version",
    "current_fragment_id",
    "current_run",
    "current_session_id",
    "install_json_unwrapper",
    "runtime_available",
]

_LOGGER: Final = logging.getLogger(__name__)

#: Inclusive lower bound and exclusive upper bound of tested (major, minor) versions.
TESTED_RANGE: Final = ((1, 40), (2, 0))
_TESTED_ON: Final = "1.67.0"


class UnsupportedStreamlitVersion(RuntimeError):
    """Raised when the installed Streamlit lacks a private name this module needs."""


class StreamlitVersionWarning(RuntimeWarning):
    """Warned once when Streamlit is outside the tested range but looks usable."""


def _version_tuple(version: str) -> tuple[int, int] | None:
    """Parse ``major.minor`` from a version string, or None if it does not parse."""
    match = re.match(r"(\d+)\.(\d+)", version)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def _unsupported(missing: Iterable[str]) -> UnsupportedStreamlitVersion:
    """Build the error that names the installed version and the missing names."""
    low, high = TESTED_RANGE
    return UnsupportedStreamlitVersion(
        f"streamlit {streamlit.__version__} is not supported by observable's Streamlit "
        f"integration: missing private name(s) {', '.join(sorted(missing))}. "
        f"Tested range: {low[0]}.{low[1]} <= streamlit < {high[0]}.{high[1]} "
        f"(tested on {_TESTED_ON})."
    )


try:
    from streamlit.elements import json as _json_element
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.runtime import AsyncObjects
    from streamlit.runtime.scriptrunner import get_script_run_ctx
except ImportError as _exc:  # pragma: no cover - only on an unsupported release
    raise _unsupported([f"module of {_exc.name or _exc}"]) from _exc


def check_streamlit_version() -> None:
    """Check the class-level private names now; warn once if outside the tested range."""
    missing: list[str] = []
    for owner, name in (
        (Runtime, "_get_async_objs"),
        (Runtime, "exists"),
        (Runtime, "instance"),
        (AppSession, "request_rerun"),
    ):
        if not callable(getattr(owner, name, None)):
            missing.append(f"{owner.__name__}.{name}")
    if "eventloop" not in AsyncObjects._fields:
        missing.append("AsyncObjects.eventloop")
    for proto_field in ("fragment_id", "page_script_hash", "query_string"):
        if proto_field not in ClientState.DESCRIPTOR.fields_by_name:
            missing.append(f"ClientState.{proto_field}")
    if not callable(getattr(_json_element, "_ensure_serialization", None)):
        missing.append("streamlit.elements.json._ensure_serialization")
    if missing:
        raise _unsupported(missing)

    parsed = _version_tuple(streamlit.__version__)
    low, high = TESTED_RANGE
    if parsed is None or not (low <= parsed < high):
        warnings.warn(
            f"streamlit {streamlit.__version__} is outside the range observable's "
            f"Streamlit integration was tested with ({low[0]}.{low[1]} <= v < "
            f"{high[0]}.{high[1]}); cross-session reruns may misbehave.",
            StreamlitVersionWarning,
            stacklevel=2,
        )


check_streamlit_version()

_instance_names_checked = False
_instance_check_lock = threading.Lock()


def _check_instance_names(runtime: Runtime) -> None:
    """Check the instance attributes only a live runtime and session have (once)."""
    global _instance_names_checked
    if _instance_names_checked:
        return
    with _instance_check_lock:
        if _instance_names_checked:
            return
        missing: list[str] = []
        session_mgr = getattr(runtime, "_session_mgr", None)
        for name in ("get_active_session_info", "list_active_sessions"):
            if not callable(getattr(session_mgr, name, None)):
                missing.append(f"Runtime._session_mgr.{name}")
        if missing:
            raise _unsupported(missing)
        infos = runtime._session_mgr.list_active_sessions()
        if not infos:
            return  # no session to inspect yet; check again on the next call
        for name in ("_client_state", "_scriptrunner"):
            if not hasattr(infos[0].session, name):
                missing.append(f"AppSession.{name}")
        if missing:
            raise _unsupported(missing)
        _instance_names_checked = True


def _require_fragment_support() -> None:
    """Raise unless this Streamlit can check fragments before rerunning them."""
    if not callable(getattr(AppSession, "has_fragment", None)):
        raise _unsupported(["AppSession.has_fragment (needed for fragment reruns)"])


def _live_runtime() -> Runtime | None:
    """Return the real, started Runtime, or None (bare python, AppTest, not started).

    Called on every change, so it reads no config: the type check is what detects AppTest.
    """
    if not Runtime.exists():
        return None
    instance = Runtime.instance()
    # AppTest installs ``MagicMock(spec=Runtime)`` as the instance while it runs (and
    # resets it to None after); isinstance() accepts a spec'd mock, the type check does not.
    if not issubclass(type(instance), Runtime):
        return None
    try:
        loop = instance._get_async_objs().eventloop
    except RuntimeError:  # "Runtime hasn't started yet!"
        return None
    if loop.is_closed():
        return None
    return instance


def runtime_available() -> bool:
    """Return True when a real Streamlit server runtime is running in this process."""
    return _live_runtime() is not None


def current_session_id() -> str | None:
    """Return the session id of the calling script thread, or None outside one."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    return ctx.session_id


def current_fragment_id() -> str | None:
    """Return the id of the fragment running on this thread (body or callback), or None."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState
    except ImportError:  # pragma: no cover - older releases kept it on the context
        ctx = get_script_run_ctx(suppress_warning=True)
        fragment_id = getattr(ctx, "current_fragment_id", None)
        return fragment_id if isinstance(fragment_id, str) and fragment_id else None
    try:
        return ThreadState.get().fragment_id or None
    except RuntimeError:
        return None


def active_session_ids() -> set[str]:
    """Return the ids of the sessions connected right now (empty without a runtime)."""
    runtime = _live_runtime()
    if runtime is None:
        return set()
    _check_instance_names(runtime)
    # ``list_active_sessions`` copies a dict's values in one C call, which is
    # safe from any thread under the GIL; retry in the unlikely case it races.
    for _ in range(3):
        try:
            return {info.session.id for info in runtime._session_mgr.list_active_sessions()}
        except RuntimeError:  # pragma: no cover - "dictionary changed size"
            continue
    return set()


_JSON_WRAPPER_MARK: Final = "__observable_json_unwrapper__"


def install_json_unwrapper(plain: Callable[[Any], Any]) -> None:
    """Make ``st.json`` (and ``st.write``) encode ``plain(o)`` for objects JSON cannot encode.

    ``plain`` returns the plain value behind a proxy, or its argument itself
    when it is not a proxy; Streamlit's own fallback handles the rest.
    Idempotent: installing twice wraps once.
    """
    json_element = _json_element
    original = getattr(json_element, "_ensure_serialization", None)
    if not callable(original):
        raise _unsupported(["streamlit.elements.json._ensure_serialization"])
    if getattr(original, _JSON_WRAPPER_MARK, False):
        return

    def ensure_serialization(value: object) -> object:
        """Encode a proxy as its plain value; leave everything else to Streamlit."""
        plain_value = plain(value)
        if plain_value is not value:
            return plain_value
        return original(value)

    setattr(ensure_serialization, _JSON_WRAPPER_MARK, True)
    ensure_serialization.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(json_element, "_ensure_serialization", ensure_serialization)  # noqa: B010


@dataclass
class _Pending:
    """One session's undelivered rerun: a full rerun or fragment ids, and writers to wait for."""

    fragments: set[str] | None = None  # None means a full rerun
    holds: dict[str, float] = field(default_factory=dict)  # writer id -> deadline (monotonic)

    def merge(self, fragment_ids: frozenset[str] | None, holds: Mapping[str, float]) -> None:
        """Fold another request into this one; a full rerun wins over fragments."""
        if fragment_ids is None or self.fragments is None:
            self.fragments = None
        else:
            self.fragments |= fragment_ids
        for writer, deadline in holds.items():
            self.holds.setdefault(writer, deadline)


class RerunScheduler:
    """Coalescing, thread-safe delivery of reruns to other Streamlit sessions."""

    def __init__(
        self,
        *,
        coalesce_window: float = 0.05,
        retry_interval: float = 0.05,
        max_retry_interval: float | None = None,
        max_hold: float = 1.0,
    ) -> None:
        """Create a scheduler; delays are in seconds (window >= 0, the others > 0).

        A busy session is polled after ``retry_interval`` seconds, doubling up to
        ``max_retry_interval`` (default: ``retry_interval``, a fixed interval).
        ``max_hold`` bounds how long ``after_current_run`` requests wait for the writer.
        """
        if coalesce_window < 0:
            raise ValueError("coalesce_window must be >= 0")
        if retry_interval <= 0:
            raise ValueError("retry_interval must be > 0")
        if max_retry_interval is None:
            max_retry_interval = retry_interval
        if max_retry_interval < retry_interval:
            raise ValueError("max_retry_interval must be >= retry_interval")
        if max_hold <= 0:
            raise ValueError("max_hold must be > 0")
        self._coalesce_window = coalesce_window
        self._retry_interval = retry_interval
        self._max_retry_interval = max_retry_interval
        self._max_hold = max_hold
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}

    def request(
        self,
        session_ids: Iterable[str],
        *,
        fragment_ids: Iterable[str] | None = None,
        exclude_current: bool = True,
        after_current_run: bool = False,
    ) -> int:
        """Ask for one rerun of each session; return how many were newly scheduled.

        Callable from any thread. A no-op (returning 0) without a live runtime,
        for example under ``AppTest`` or bare ``python``. With ``fragment_ids``,
        only those fragments rerun in each target session (fragment ids depend
        on the layout before the fragment, so they only carry over between
        sessions that render the same layout; see :meth:`request_fragments`).
        With ``exclude_current`` (the default) the calling script's own session
        is never rerun. With ``after_current_run``, delivery waits until the
        calling session's run chain is over (at most ``max_hold`` seconds); it
        changes nothing outside a script thread.
        """
        fragments = None if fragment_ids is None else frozenset(fragment_ids)
        if fragments is not None:
            if not fragments:
                raise ValueError("fragment_ids must not be empty; pass None for a full rerun")
            _require_fragment_support()
        return self._enqueue(
            {session_id: fragments for session_id in session_ids},
            exclude_current,
            after_current_run,
        )

    def request_fragments(
        self,
        fragments_by_session: Mapping[str, Iterable[str]],
        *,
        exclude_current: bool = True,
        after_current_run: bool = False,
    ) -> int:
        """Ask each session to rerun its own fragments; return how many were newly scheduled.

        Use it with ids each session recorded for itself via :func:`current_fragment_id`.
        A session given no fragment ids is ignored.
        """
        targets = {session_id: frozenset(ids) for session_id, ids in fragments_by_session.items()}
        return self._enqueue(
            {s: ids for s, ids in targets.items() if ids}, exclude_current, after_current_run
        )

    def _enqueue(
        self,
        targets: dict[str, frozenset[str] | None],
        exclude_current: bool,
        after_current_run: bool,
    ) -> int:
        """Record pending reruns (``None`` = full) and arm the new ones on the event loop."""
        runtime = _live_runtime()
        if runtime is None:
            return 0
        _check_instance_names(runtime)
        caller = current_session_id()
        if exclude_current:
            targets.pop(caller or "", None)
        if not targets:
            return 0
        holds: dict[str, float] = {}
        if after_current_run and caller is not None:
            holds[caller] = time.monotonic() + self._max_hold

        fresh: list[str] = []
        with self._lock:
            for session_id, fragments in targets.items():
                pending = self._pending.get(session_id)
                if pending is None:
                    self._pending[session_id] = _Pending(
                        fragments=None if fragments is None else set(fragments),
                        holds=dict(holds),
                    )
                    fresh.append(session_id)
                else:
                    pending.merge(fragments, holds)
        if not fresh:
            return 0
        loop = runtime._get_async_objs().eventloop
        try:
            loop.call_soon_threadsafe(self._arm, loop, fresh)
        except RuntimeError:  # the loop closed under us: the server is stopping
            with self._lock:
                for session_id in fresh:
                    self._pending.pop(session_id, None)
            return 0
        return len(fresh)

    def pending(self) -> frozenset[str]:
        """Return the ids of sessions with an undelivered rerun."""
        with self._lock:
            return frozenset(self._pending)

    def discard(self, session_ids: Iterable[str]) -> None:
        """Forget undelivered reruns for these sessions (their retries become no-ops)."""
        with self._lock:
            for session_id in session_ids:
                self._pending.pop(session_id, None)

    # --- everything below runs on the runtime's event loop -------------------

    def _arm(self, loop: asyncio.AbstractEventLoop, session_ids: list[str]) -> None:
        """Start the coalescing window of newly pending sessions (event loop only)."""
        for session_id in session_ids:
            loop.call_later(self._coalesce_window, self._deliver, loop, session_id, 0.0)

    def _deliver(self, loop: asyncio.AbstractEventLoop, session_id: str, waited: float) -> None:
        """Rerun one session if it is idle, retry later if busy (event loop only)."""
        try:
            self._deliver_or_retry(loop, session_id, waited)
        except Exception:
            with self._lock:
                self._pending.pop(session_id, None)
            _LOGGER.exception("observable: rerun of session %s failed", session_id)

    def _retry(self, loop: asyncio.AbstractEventLoop, session_id: str, waited: float) -> None:
        """Poll again later, backing off from ``retry_interval`` to ``max_retry_interval``."""
        delay = min(max(waited * 2.0, self._retry_interval), self._max_retry_interval)
        loop.call_later(delay, self._deliver, loop, session_id, delay)

    def _writer_still_running(self, runtime: Runtime, session_id: str) -> bool:
        """Return True while a writer this session's rerun waits for is mid-run (event loop)."""
        now = time.monotonic()
        with self._lock:
            pending = self._pending.get(session_id)
            holds = dict(pending.holds) if pending is not None else {}
        running = False
        for writer, deadline in holds.items():
            info = runtime._session_mgr.get_active_session_info(writer)
            if now < deadline and info is not None and info.session._scriptrunner is not None:
                running = True
            else:
                with self._lock:
                    if pending is not None:
                        pending.holds.pop(writer, None)
        return running

    def _deliver_or_retry(
        self, loop: asyncio.AbstractEventLoop, session_id: str, waited: float
    ) -> None:
        """Body of :meth:`_deliver`; exceptions are logged by the caller."""
        runtime = _live_runtime()
        info = None if runtime is None else runtime._session_mgr.get_active_session_info(session_id)
        if runtime is None or info is None:  # disconnected, closed, or the runtime is gone
            with self._lock:
                self._pending.pop(session_id, None)
            return
        session = info.session
        if session._scriptrunner is not None or self._writer_still_running(runtime, session_id):
            with self._lock:
                still_pending = session_id in self._pending
            if still_pending:
                self._retry(loop, session_id, waited)
            return

        with self._lock:
            pending = self._pending.pop(session_id, None)
        if pending is None:  # discarded meanwhile
            return
        last_state = session._client_state
        if not last_state.page_script_hash:
            _LOGGER.debug("observable: session %s has not run yet; skipping", session_id)
            return
        if pending.fragments is None:
            session.request_rerun(_copy_client_state(last_state))
            return
        for fragment_id in sorted(pending.fragments):
            if not session.has_fragment(fragment_id):
                continue
            client_state = _copy_client_state(last_state)
            client_state.fragment_id = fragment_id
            session.request_rerun(client_state)


def call_when_idle(
    callback: Callable[[], object],
    *,
    poll: float = 0.05,
    limit: float = 10.0,
    delay: float = 0.0,
) -> bool:
    """Call ``callback`` on the event loop once no session runs a script; False without one.

    Looks first after ``delay`` seconds, then polls every ``poll`` seconds
    (``AppSession._scriptrunner`` of every active session); ``limit`` seconds after the
    first look it calls ``callback`` anyway (a script that never ends).
    """
    runtime = _live_runtime()
    if runtime is None:
        return False
    _check_instance_names(runtime)
    loop = runtime._get_async_objs().eventloop
    deadline = time.monotonic() + delay + limit

    def check() -> None:
        """Call back if every session is idle (or time is up), else look again later."""
        try:
            busy = any(
                info.session._scriptrunner is not None
                for info in runtime._session_mgr.list_active_sessions()
            )
        except RuntimeError:  # pragma: no cover - the session dict changed meanwhile
            busy = True
        if busy and time.monotonic() < deadline:
            loop.call_later(poll, check)
            return
        try:
            callback()
        except Exception:
            _LOGGER.exception("observable: idle callback failed")

    try:
        if delay > 0:
            loop.call_soon_threadsafe(loop.call_later, delay, check)
        else:
            loop.call_soon_threadsafe(check)
    except RuntimeError:  # the loop closed: the server is stopping
        return False
    return True


def _copy_client_state(source: ClientState) -> ClientState:
    """Return a copy of a session's last ClientState, ready to start a rerun."""
    copy = ClientState()
    copy.CopyFrom(source)
    copy.fragment_id = ""
    copy.is_auto_rerun = False
    copy.is_history_navigation = False
    return copy


# ----------------------------------------------------------------------------------------
# Synced widgets and presence (``observable_streamlit.sync``): private names used, and why.
#
# ``ScriptRunContext.session_state._state`` (the session's ``SessionState``)
#     Its ``register_widget(metadata, user_key)`` is the one call every widget makes,
#     after it built its element and before it reads its value. The sync layer replaces
#     it *on that session's instance only* (never on the class) while a ``sync`` block is
#     active in the session: it sees the widget id, value type, serializer and user key,
#     may put the room's value in ``_new_session_state`` (exactly what
#     ``st.session_state[key] = v`` does, minus the "already instantiated" check, which
#     cannot trigger before registration) and may hand Streamlit a hidden user key
#     (``$$STREAMLIT_INTERNAL_KEY...``) for an unkeyed widget: Streamlit only tells the
#     browser to adopt a server-set value (``set_value``) for widgets with a user key.
# ``SessionState._new_widget_state`` / ``_key_id_mapper``
#     The value the browser sent this run (to tell a user's action from a server-side
#     rerun) and whether a session-state key belongs to a widget.
# ``ScriptRunContext.enqueue`` (wrapped on the run's instance)
#     To see which ``st.form(clear_on_submit=True)`` blocks and which fields and submit
#     buttons a ``sync`` block draws: Streamlit keeps ``clear_on_submit`` only in the
#     block proto it sends to the browser.
# ``DataEditorMixin.data_editor`` (wrapped on the class, once) and
# ``DeltaGenerator._get_delta_path_str``
#     Streamlit cannot push edits into a mounted editor (the browser restores an
#     editor's edits only from its own widget manager, at mount). So a synced editor is
#     drawn with the room's data and a hidden key that changes when another session
#     changed that data: the editor remounts showing it. Outside ``sync`` the wrapper
#     calls Streamlit's method unchanged. The delta path names an unkeyed editor.
# ``Runtime.disconnect_session`` / ``Runtime.close_session``
#     Wrapped on the runtime instance so presence drops a tab the moment it goes away.
# ----------------------------------------------------------------------------------------

_SYNC_KEY_PREFIX: Final = "$$STREAMLIT_INTERNAL_KEY_observable_sync_"
_TRIGGER_TYPES: Final = frozenset(
    {"trigger_value", "string_trigger_value", "json_trigger_value", "chat_input_value"}
)
_MISSING: Final = object()


class WidgetRegistration:
    """One widget being registered in a session: what the sync layer may read and set."""

    __slots__ = ("_metadata", "_state", "_user_key")

    def __init__(self, state: Any, metadata: Any, user_key: str | None) -> None:
        """Wrap Streamlit's session state, the widget's metadata and its user key."""
        self._state = state
        self._metadata = metadata
        self._user_key = user_key

    @property
    def widget_id(self) -> str:
        """The element id (stable across sessions for the same call site and parameters)."""
        return str(self._metadata.id)

    @property
    def user_key(self) -> str | None:
        """The ``key=`` the app gave the widget, if any."""
        return self._user_key

    @property
    def is_action(self) -> bool:
        """True for buttons, submit buttons, chat inputs: triggers are never synced."""
        return self._metadata.value_type in _TRIGGER_TYPES

    @property
    def state_key(self) -> str:
        """The session-state key the value is set through (a hidden one when unkeyed)."""
        return self._user_key or _SYNC_KEY_PREFIX + self.widget_id

    def wire(self, value: Any) -> Any:
        """Return the JSON-ready value the browser would send for ``value``."""
        return _plain_wire(self._metadata.serializer(value))

    def sent_wire(self) -> Any:
        """Return the wire value the browser sent this run, or None if it sent none."""
        states = self._state._new_widget_state
        if self.widget_id not in states.states:
            return None
        try:
            return self.wire(states[self.widget_id])
        except Exception:  # a value the serializer rejects: treat as "nothing sent"
            return None

    def set_by_app(self) -> bool:
        """True when the app set this widget through ``st.session_state`` in this run."""
        return self._user_key is not None and self._state.is_new_state_value(self._user_key)

    def current_wire(self) -> Any:
        """Return the wire value the widget would get now, or ``_MISSING`` on first show."""
        try:
            return self.wire(self._state[self.widget_id])
        except KeyError:
            return _MISSING

    def default_wire(self) -> Any:
        """Return the wire value of the widget's default (what a cleared form shows)."""
        return self.wire(self._metadata.deserializer(None))

    def push(self, wire: Any) -> None:
        """Make the widget show ``wire`` this run, in the browser too (like session state)."""
        key = self.state_key
        self._state._key_id_mapper[key] = self.widget_id
        self._state._new_session_state[key] = self._metadata.deserializer(wire)


def _plain_wire(value: Any) -> Any:
    """Turn a serializer's output (maybe a protobuf repeated field) into JSON-ready data."""
    if isinstance(value, str | bytes | bool | int | float) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain_wire(v) for k, v in value.items()}
    try:
        return [_plain_wire(v) for v in value]
    except TypeError:
        return str(value)


WidgetHook = Callable[[WidgetRegistration, Callable[[str | None], Any]], Any]
"""``hook(registration, register)``: ``register(user_key)`` runs Streamlit's own code."""

_HOOK_ATTRIBUTE: Final = "register_widget"


def session_state_internals() -> Any:
    """Return the calling session's ``SessionState`` (not the proxy), or None off a script."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    return getattr(ctx.session_state, "_state", None)


def install_widget_hook(hook: WidgetHook) -> bool:
    """Route the calling session's widget registrations through ``hook``; True if installed.

    Set on the session's ``SafeSessionState`` instance (idempotent): the class and other
    sessions are untouched. The hook runs under the session state's lock.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return False
    safe = ctx.session_state
    if _HOOK_ATTRIBUTE in getattr(safe, "__dict__", {}):
        return True
    state = getattr(safe, "_state", None)
    lock = getattr(safe, "_lock", None)
    original = getattr(type(safe), _HOOK_ATTRIBUTE, None)
    if state is None or lock is None or not callable(original) or not hasattr(safe, "__dict__"):
        raise _unsupported(["SafeSessionState.register_widget/_state/_lock"])

    def register_widget(metadata: Any, user_key: str | None) -> Any:
        """Let the sync layer see and steer one registration."""

        def register(key: str | None) -> Any:
            return original(safe, metadata, key)

        with lock:
            return hook(WidgetRegistration(state, metadata, user_key), register)

    object.__setattr__(safe, _HOOK_ATTRIBUTE, register_widget)
    return True


@dataclass(eq=False)
class FormActivity:
    """What one ``sync`` block drew of forms: clear-on-submit forms, fields, submit buttons."""

    clearing: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)  # widget id -> form id
    submitters: dict[str, str] = field(default_factory=dict)  # submit button id -> form id

    def see(self, msg: Any) -> None:
        """Fold one outgoing ForwardMsg in (only deltas that add blocks or elements)."""
        if msg.WhichOneof("type") != "delta":
            return
        delta = msg.delta
        kind = delta.WhichOneof("type")
        if kind == "add_block" and delta.add_block.WhichOneof("type") == "form":
            if delta.add_block.form.clear_on_submit:
                self.clearing.add(delta.add_block.form.form_id)
        elif kind == "new_element":
            element_kind = delta.new_element.WhichOneof("type")
            payload = getattr(delta.new_element, element_kind) if element_kind else None
            form_id = getattr(payload, "form_id", "")
            widget_id = getattr(payload, "id", "")
            if not (isinstance(form_id, str) and form_id and isinstance(widget_id, str)):
                return
            if element_kind == "button" and getattr(payload, "is_form_submitter", False):
                self.submitters[widget_id] = form_id
            else:
                self.fields[widget_id] = form_id

    def cleared_fields(self) -> set[str]:
        """Return the ids of fields of clear-on-submit forms submitted in this run."""
        state = session_state_internals()
        if state is None:
            return set()
        submitted = set()
        for button_id, form_id in self.submitters.items():
            if form_id in self.clearing and _trigger_fired(state, button_id):
                submitted.add(form_id)
        return {w for w, f in self.fields.items() if f in submitted}


def _trigger_fired(state: Any, widget_id: str) -> bool:
    """True when the button ``widget_id`` was pressed for this run."""
    try:
        return bool(state[widget_id])
    except KeyError:
        return False


_WATCHERS_ATTRIBUTE: Final = "_observable_form_watchers"


def watch_forms() -> FormActivity | None:
    """Start recording forms the calling script run draws; None off a script thread.

    Wraps ``enqueue`` on the run's ``ScriptRunContext`` instance (the class and other
    sessions are untouched); every message still goes out unchanged.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    watchers: list[FormActivity] | None = ctx.__dict__.get(_WATCHERS_ATTRIBUTE)
    if watchers is None:
        watchers = []
        original = ctx.enqueue

        def enqueue(msg: Any) -> None:
            """Let the watchers see the message, then send it as Streamlit would."""
            for watcher in list(watchers):
                watcher.see(msg)
            original(msg)

        ctx.__dict__[_WATCHERS_ATTRIBUTE] = watchers
        ctx.__dict__["enqueue"] = enqueue
    activity = FormActivity()
    watchers.append(activity)
    return activity


def stop_watching_forms(activity: FormActivity | None) -> None:
    """Stop recording for ``activity`` (from :func:`watch_forms`)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    watchers = None if ctx is None else ctx.__dict__.get(_WATCHERS_ATTRIBUTE)
    if activity is not None and watchers is not None and activity in watchers:
        watchers.remove(activity)


EditorHook = Callable[[Callable[..., Any], Any, Any, dict[str, Any]], Any]
"""``hook(draw, dg, data, kwargs)``: ``draw(data, **kwargs)`` runs ``st.data_editor``."""

_editor_hook: list[EditorHook] = []
_editor_lock = threading.Lock()
_EDITOR_MARK: Final = "__observable_editor_hook__"


def install_data_editor_hook(hook: EditorHook) -> None:
    """Route every ``st.data_editor`` call through ``hook`` (installed once per process).

    ``DataEditorMixin.data_editor`` is wrapped on the class (and ``st.data_editor``,
    bound at import, is bound again); the hook decides per call and passes a call it
    does not steer straight to Streamlit's own method.
    """
    from streamlit.elements.widgets.data_editor import DataEditorMixin

    with _editor_lock:
        _editor_hook[:] = [hook]
        original = DataEditorMixin.data_editor
        if getattr(original, _EDITOR_MARK, False):
            return

        def data_editor(self: Any, data: Any, **kwargs: Any) -> Any:
            """Streamlit's ``data_editor``, seen first by the installed hook."""

            def draw(shown: Any, **arguments: Any) -> Any:
                return original(self, shown, **arguments)

            return _editor_hook[0](draw, self, data, kwargs)

        setattr(data_editor, _EDITOR_MARK, True)
        data_editor.__doc__ = original.__doc__
        DataEditorMixin.data_editor = data_editor  # type: ignore[method-assign]
        # ``st.data_editor`` is ``_main.data_editor`` bound at import: bind it again.
        streamlit.data_editor = streamlit._main.data_editor


def element_position(dg: Any) -> str:
    """Return where ``dg`` draws its next element (stable across sessions of one layout)."""
    return str(dg._get_delta_path_str())


def widget_owns_key(key: str) -> bool:
    """True when ``key`` in ``st.session_state`` is (or was) a widget's key in this session."""
    state = session_state_internals()
    if state is None:
        return False
    return state._key_id_mapper.get_id_from_key(key, None) is not None


def is_internal_key(key: str) -> bool:
    """True for Streamlit's own hidden session-state keys (and the sync layer's)."""
    return key.startswith("$$STREAMLIT_INTERNAL_KEY")


_end_listeners: list[Callable[[str], None]] = []
_end_lock = threading.Lock()
_END_MARK: Final = "__observable_session_end__"


def on_session_end(listener: Callable[[str], None]) -> bool:
    """Call ``listener(session_id)`` on the event loop when a session disconnects or closes.

    Installed on the live runtime instance on first use; returns False without one.
    """
    runtime = _live_runtime()
    if runtime is None:
        return False
    with _end_lock:
        if listener not in _end_listeners:
            _end_listeners.append(listener)
        for name in ("disconnect_session", "close_session"):
            method = getattr(runtime, name)
            if getattr(method, _END_MARK, False):
                continue
            setattr(runtime, name, _notify_after(method))
    return True


def _notify_after(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a runtime method taking ``session_id`` first so listeners hear about it."""

    def wrapper(session_id: str, *args: Any, **kwargs: Any) -> Any:
        result = method(session_id, *args, **kwargs)
        for listener in list(_end_listeners):
            try:
                listener(session_id)
            except Exception:
                _LOGGER.exception("observable: session-end listener failed")
        return result

    setattr(wrapper, _END_MARK, True)
    return wrapper


def session_is_connected(session_id: str) -> bool:
    """True while ``session_id`` is an active (connected) session of this server."""
    return session_id in active_session_ids()


__all__ += [
    "EditorHook",
    "FormActivity",
    "WidgetHook",
    "WidgetRegistration",
    "element_position",
    "install_data_editor_hook",
    "install_widget_hook",
    "is_internal_key",
    "on_session_end",
    "session_is_connected",
    "session_state_internals",
    "stop_watching_forms",
    "watch_forms",
    "widget_owns_key",
]

# --- The current run: which run of a session a read or a write belongs to -----------
# (Used by the drop-in to rerun a writer that drew a key before changing it.)
#
# ``ScriptRunContext.cursors`` is replaced by a new dict in ``ScriptRunContext.reset()``,
# which Streamlit calls at the start of every run (full or fragment), so the dict's
# identity names the run. ``ScriptRunContext.has_script_started`` (public) is False while
# widget callbacks run, before the script body: nothing is drawn yet then.


@dataclass(frozen=True)
class RunPosition:
    """Where the calling thread is: its session, its run, and whether the body has started."""

    session_id: str
    run: object
    in_body: bool


def current_run() -> RunPosition | None:
    """Return the calling script thread's session and run, or None outside a script thread."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    run = getattr(ctx, "cursors", None)
    if run is None:  # pragma: no cover - a release without it: treat each call as its own run
        raise _unsupported(["ScriptRunContext.cursors"])
    return RunPosition(ctx.session_id, run, bool(getattr(ctx, "has_script_started", True)))
