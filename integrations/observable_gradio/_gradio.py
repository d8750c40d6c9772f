"""Every private gradio name observable_gradio uses, each behind a check of gradio 6.31's shape.

Gradio offers no public hook for what a drop-in ``gr.State`` needs, so this one module touches
gradio's internals, in four narrow places (see ``docs/gradio.md``, "What is patched"):

1. **Change hash.** ``gradio.utils.deep_hash`` (looked up as ``utils.deep_hash`` by
   ``Blocks.process_api`` and ``get_state_ids_to_track``) is replaced by a function that returns,
   for the root of an observed value, a stamp ``(journal serial, journal version)`` in O(1), and
   calls the original for anything else. Guard: the original must still have gradio 6.31's
   signature and hash a probe value the way 6.31 does; otherwise nothing is replaced and gradio
   walks observed values (correct, O(n)).
2. **Session default.** ``SessionState.__getitem__`` reads ``block.value`` and deep-copies it
   once per session. :func:`session_reading_default` tells ``ObservableState.value`` that this is
   the caller (by its code object, no patch), so gradio gets an object whose deep copy is the
   session's observed value, while user code reads the plain default. Guard: that method must
   exist; otherwise gradio copies the plain default and the wrapper below observes it.
3. **Registered functions.** The functions of a Blocks' dependencies (``Blocks.default_config``,
   ``BlocksConfig.fns``, ``BlockFunction.fn``) are wrapped once so that what they return is
   translated (observed values become plain for components; a new value for an
   ObservableState is observed). This happens whenever gradio asks an ObservableState or a
   SharedView for its config (``get_config``: when the Blocks is built, and when each session
   starts), so before any event of any session runs; the Blocks is found by walking
   ``Block.parent``. To compare a returned value with the session's current one, the session's
   stored value is read where gradio keeps it (``LocalContext.blocks``/``LocalContext.request``
   -> ``Blocks.state_holder[session_hash].state_data``), never from a copy of our own.
4. **Stub files.** ``component_meta.create_or_modify_pyi`` is a no-op while our component
   classes are defined, so gradio writes no ``.pyi`` beside our sources.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from observable import MISSING, Journal, is_observed, journal_of, path_of

__all__ = [
    "GRADIO_CHECKED",
    "INSTALL_HINT",
    "current_blocks_config",
    "current_root_block",
    "dependencies_of",
    "gr",
    "install_change_hash",
    "no_stub_files",
    "original_deep_hash",
    "root_blocks_config",
    "session_reading_default",
    "session_state_value",
    "stamp",
]

INSTALL_HINT = 'pip install "observable-journal[gradio]"'
"""The command that installs the optional dependency this package needs."""

GRADIO_CHECKED = "6.31"
"""The gradio version whose internals this module was checked against."""

try:
    import gradio as gr
except ImportError as error:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        f"observable_gradio needs gradio, which is not installed: {INSTALL_HINT}"
    ) from error

from gradio import blocks as _blocks  # noqa: E402 - after the install hint
from gradio import utils as _utils  # noqa: E402


def _parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    """Return the parameter names of a function (empty if it has no signature)."""
    try:
        return tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return ()


# -- 1. the change hash -----------------------------------------------------------------------

_serials: weakref.WeakKeyDictionary[Journal, int] = weakref.WeakKeyDictionary()
_serial_counter = itertools.count(1)
_serial_lock = threading.Lock()


def _serial(journal: Journal) -> int:
    """Return a number unique to ``journal`` for the life of the process."""
    serial = _serials.get(journal)
    if serial is None:
        with _serial_lock:
            serial = _serials.get(journal)
            if serial is None:
                serial = _serials[journal] = next(_serial_counter)
    return serial


def stamp(value: Any) -> str | None:
    """Return the O(1) change stamp of an observed root value, or None for anything else.

    The stamp names the value's journal and its version: it moves exactly when the journal
    recorded a change, and two journals never share one. A child of an observed value gets
    None (its journal also moves for changes elsewhere in the tree).
    """
    if not is_observed(value) or path_of(value) != ():
        return None
    journal = journal_of(value)
    return f"observable:{_serial(journal)}:{journal.version}"


def _expected_deep_hash(function: Callable[..., Any]) -> bool:
    """Tell whether ``function`` is gradio 6.31's deep_hash: one argument, sha256 hex digests,
    containers walked by content, other hashables by ``hash()``."""
    if _parameters(function) != ("obj",):
        return False

    class Probe:
        def __init__(self, number: int) -> None:
            self.number = number

        def __hash__(self) -> int:
            return self.number

    try:
        digest = function([1, {"a": (2,)}])
        return (
            isinstance(digest, str)
            and len(digest) == 64
            and digest == function([1, {"a": (2,)}])
            and digest != function([1, {"a": (3,)}])
            and function(Probe(1)) != function(Probe(2))
            and function(Probe(1)) == function(Probe(1))
        )
    except Exception:
        return False


original_deep_hash: Callable[[Any], str] = _utils.deep_hash
"""gradio's own ``deep_hash``, as found at import."""


def _observable_deep_hash(obj: Any) -> str:
    """gradio's ``deep_hash``, except that an observed root value hashes to its stamp in O(1)."""
    mark = stamp(obj)
    if mark is not None:
        return mark
    return original_deep_hash(obj)


_observable_deep_hash.__wrapped__ = original_deep_hash  # type: ignore[attr-defined]
_install_lock = threading.Lock()


@functools.cache
def install_change_hash() -> bool:
    """Replace ``gradio.utils.deep_hash`` by the stamping version; return False if the guard
    fails (gradio then walks observed values: correct, O(n))."""
    with _install_lock:
        current = getattr(_utils, "deep_hash", None)
        if current is _observable_deep_hash:
            return True
        if current is not original_deep_hash or not _expected_deep_hash(original_deep_hash):
            return False
        if getattr(_blocks, "utils", None) is not _utils:
            return False  # blocks.py no longer looks the hash up through this module
        _utils.deep_hash = _observable_deep_hash  # the recursion inside it uses this name too
        return True


# -- 2. the session default -------------------------------------------------------------------


def _session_reader() -> Any:
    """Return the code object of ``SessionState.__getitem__``, or None if it is gone."""
    try:
        from gradio.state_holder import SessionState
    except ImportError:  # pragma: no cover - a future gradio
        return None
    method = getattr(SessionState, "__getitem__", None)
    if method is None or _parameters(method) != ("self", "key"):
        return None
    return method.__code__


_SESSION_READER = _session_reader()


def session_reading_default(depth: int = 2) -> Any:
    """Return the ``BlocksConfig`` of the session whose state gradio is creating, if the caller
    ``depth`` frames up is ``SessionState.__getitem__`` (None if it has none); else False."""
    if _SESSION_READER is None:
        return False
    try:
        frame = sys._getframe(depth)
    except ValueError:
        return False
    if frame.f_code is not _SESSION_READER:
        return False
    return getattr(frame.f_locals.get("self"), "blocks_config", None)


# -- 3. registered functions ------------------------------------------------------------------


def dependencies_of(blocks_config: Any) -> Iterable[Any]:
    """Return the ``BlockFunction``s registered in a ``BlocksConfig`` (empty if unknown)."""
    fns = getattr(blocks_config, "fns", None)
    return list(fns.values()) if isinstance(fns, dict) else []


def current_root_block() -> Any:
    """Return the ``gr.Blocks`` being built here (inside its ``with``), or None."""
    from gradio.context import Context

    return Context.root_block


def root_blocks_config(block: Any) -> Any:
    """Return the ``BlocksConfig`` of the outermost Blocks that holds ``block`` (None if none)."""
    found = None
    seen = 0
    current = block
    while current is not None and seen < 1000:  # a parent chain, never a cycle
        config = getattr(current, "default_config", None)
        if config is not None and isinstance(getattr(config, "fns", None), dict):
            found = config
        current = getattr(current, "parent", None)
        seen += 1
    return found


def session_state_value(state_id: int) -> Any:
    """Return what gradio stores now for the state ``state_id`` in the session whose event is
    running here, or ``MISSING`` when there is none (yet) or it cannot be found."""
    from gradio.context import LocalContext

    blocks = LocalContext.blocks.get(None)
    request = LocalContext.request.get(None)
    holder = getattr(blocks, "state_holder", None)
    session_hash = getattr(request, "session_hash", None)
    sessions = getattr(holder, "session_data", None)
    if not isinstance(session_hash, str) or not isinstance(sessions, dict):
        return MISSING
    session = sessions.get(session_hash)
    data = getattr(session, "state_data", None)
    if not isinstance(data, dict):
        return MISSING
    return data.get(state_id, MISSING)


def current_blocks_config() -> Any:
    """Return the ``BlocksConfig`` of the session whose event is running here, or None."""
    from gradio.context import LocalContext

    return LocalContext.blocks_config.get(None)


# -- 4. stub files ----------------------------------------------------------------------------

_EXPECTED_STUB_PARAMETERS = ("component_class", "class_name", "events")
"""The signature of ``create_or_modify_pyi`` on gradio 6.31."""


@contextmanager
def no_stub_files() -> Iterator[None]:
    """Stop gradio from writing ``.pyi`` files for the classes defined inside the block."""
    from gradio import component_meta

    original = getattr(component_meta, "create_or_modify_pyi", None)
    if original is None or _parameters(original) != _EXPECTED_STUB_PARAMETERS:
        yield  # not the function checked on gradio 6.31: leave gradio alone
        return

    def no_stub(*args: Any, **kwargs: Any) -> None:
        return None

    component_meta.create_or_modify_pyi = no_stub
    try:
        yield
    finally:
        component_meta.create_or_modify_pyi = original
