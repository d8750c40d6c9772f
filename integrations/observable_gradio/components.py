"""The two ``gr.State`` subclasses: ObservableState (per session) and SharedView (per tab).

Defining a component class makes gradio write a ``.pyi`` stub next to the defining module
(``gradio.component_meta.create_or_modify_pyi``, called from ``ComponentMeta.__new__``; checked on
gradio 6.31). A stub beside our sources would shadow them for type checkers, so while these two
classes are defined that one private function is swapped for a no-op, then restored. It is the
only gradio function observable_gradio ever replaces. Version guard: it is swapped only if it
still exists with the signature it had on gradio 6.31; otherwise nothing is patched (at worst
gradio writes its stubs).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from observable import DEFAULT_RETENTION

from ._gradio import gr
from .box import StateBox
from .compat import check_change_detection
from .defaults import SessionDefault, TokenDefault
from .shared import SharedState

__all__ = ["ObservableState", "SharedView"]


_EXPECTED_PARAMETERS = ("component_class", "class_name", "events")
"""The signature of ``create_or_modify_pyi`` on gradio 6.31: the version guard."""


def _parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    """Return the parameter names of a function (empty if it has no signature)."""
    try:
        return tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return ()


@contextmanager
def _no_stub_files() -> Iterator[None]:
    """Stop gradio from writing ``.pyi`` files for the classes defined inside the block."""
    from gradio import component_meta

    original = getattr(component_meta, "create_or_modify_pyi", None)
    if original is None or _parameters(original) != _EXPECTED_PARAMETERS:
        yield  # not the function checked on gradio 6.31: leave gradio alone
        return

    def no_stub(*args: Any, **kwargs: Any) -> None:
        return None

    component_meta.create_or_modify_pyi = no_stub
    try:
        yield
    finally:
        component_meta.create_or_modify_pyi = original


def _unboxing(callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
    """Wrap a ``delete_callback`` so that it receives the observed value, not the box."""
    if callback is None:
        return None

    def delete(value: Any) -> None:
        callback(value.value if isinstance(value, StateBox) else value)

    return delete


with _no_stub_files():

    class ObservableState(gr.State):
        """A ``gr.State`` whose value is observed, per session, with its own journal.

        Use it where ``gr.State`` is. Each session gets a deep copy of ``value`` (or, if
        ``value`` is callable, the result of calling it once per session), observed with a new
        journal and held in a :class:`StateBox`. Wire events with :func:`observable_gradio.on`:
        the function receives the observed value, may mutate it in place, and ``.change`` fires
        exactly when the journal moved during the event. The default is held by reference and
        copied once per session, at the session's first event, never when the app is built.
        """

        is_template = True  # the browser renders it as a plain "state" component

        def __init__(
            self,
            value: Any = None,
            render: bool = True,
            *,
            time_to_live: float | None = None,
            delete_callback: Callable[[Any], None] | None = None,
            retention: int | None = DEFAULT_RETENTION,
        ) -> None:
            """Create the component; ``retention`` bounds each session journal (None: no bound)."""
            check_change_detection()
            super().__init__(
                None,
                render,
                time_to_live=time_to_live,
                delete_callback=_unboxing(delete_callback),
            )
            # gr.State.__init__ deep-copies its argument; the real default is set afterwards.
            self.value = SessionDefault(value, self._id, retention)

        def new_box(self, value: Any) -> StateBox:
            """Return a box that replaces a session's value with ``value`` (a change)."""
            return StateBox(value, state_id=self._id, retention=self.value.retention)

    class SharedView(gr.State):
        """The ``gr.State`` that ``SharedState.attach`` adds: its ``.change`` redraws a tab.

        A listener receives the tab's :class:`SharedToken` (``token.value`` is the shared
        value); through :func:`observable_gradio.on` it receives the shared value itself. Never
        list it as an output: only the push or poll code may move the token, or a tab may see
        ``.change`` twice for one change.
        """

        is_template = True  # the browser renders it as a plain "state" component

        def __init__(self, value: SharedState, render: bool = True) -> None:
            """Create the per-tab state that follows the SharedState ``value``."""
            # ``value`` is the parameter name gr.State's config code expects to find.
            self._source = value  # first: Component.__init__ reads every property
            super().__init__(None, render)
            self.value = TokenDefault(value)

        @property
        def shared(self) -> SharedState:
            """The SharedState this component follows."""
            return self._source
