"""The two ``gr.State`` subclasses: ObservableState (per session) and SharedView (per tab)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from observable import DEFAULT_RETENTION, Journal, SharedDefault, is_observed, observe, snapshot

from ._gradio import (
    gr,
    install_change_hash,
    no_stub_files,
    root_blocks_config,
    session_reading_default,
)
from .defaults import SessionDefault, TokenDefault
from .results import wrap_dependencies
from .shared import SharedState

__all__ = ["ObservableState", "SharedView"]


def _config_shape() -> type:
    """A class whose ``__init__`` has gr.State's parameters without ``value``.

    ``Block.get_config`` reads every ``__init__`` parameter of the class it is given; leaving
    ``value`` out keeps it from iterating a large default on every event (gr.State drops the
    value from its config anyway).
    """
    signature = inspect.signature(gr.State.__init__)
    parameters = [p for name, p in signature.parameters.items() if name != "value"]

    class ConfigShape:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            """Never called: only the signature is read."""

    ConfigShape.__init__.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters
    )
    return ConfigShape


_CONFIG_SHAPE = _config_shape()


def _observing(factory: Callable[[], Any], journal: Callable[[], Journal]) -> Callable[[], Any]:
    """Wrap a default factory so the value it gives a session (on load) is observed."""

    @functools.wraps(factory)
    def observed_factory() -> Any:
        value = factory()
        return observe(snapshot(value) if is_observed(value) else value, journal(), warn=False)

    return observed_factory


with no_stub_files():

    class ObservableState(gr.State):
        """A ``gr.State`` whose per-session value is observed, with its own journal.

        Swap it in for ``gr.State`` and change nothing else. Every handler, however it is
        wired, receives the value itself (observed when it is a container or a tracked object,
        raw when it is an immutable scalar), may mutate it in place, return it, or return a new
        value; ``.change`` fires exactly when the value changed, found in O(1) from the journal.
        ``retention`` bounds each session's journal (None: no bound).
        """

        observable_state = True
        """Marks the class for the result translation (which does not import it)."""

        is_template = True  # the browser renders it as a plain "state" component

        def __init__(
            self,
            value: Any = None,
            render: bool = True,
            *,
            time_to_live: int | float | None = None,
            delete_callback: Callable[[Any], None] | None = None,
            retention: int | None = DEFAULT_RETENTION,
        ) -> None:
            """Create the component, exactly as ``gr.State(value, render, ...)`` does."""
            install_change_hash()
            self._retention = retention
            if callable(value):
                value = _observing(value, self.new_journal)
            super().__init__(
                value, render, time_to_live=time_to_live, delete_callback=delete_callback
            )

        @property
        def value(self) -> Any:
            """The default value, as given (each session reads it in place and copies what it
            writes, which looks exactly like an observed deep copy of its own)."""
            session = session_reading_default()
            default = self.__dict__.get("_default")
            if session is not False:
                start = self.__dict__.get("_shared") or default
                return SessionDefault(start, self.new_journal, self._id, session)
            return default

        @value.setter
        def value(self, value: Any) -> None:
            self.__dict__["_default"] = value
            # Sessions share the default and copy what they write (observable.observe_shared);
            # a factory is called for each session instead.
            self.__dict__["_shared"] = None if callable(value) else SharedDefault(value)

        @property
        def retention(self) -> int | None:
            """How many changes each session's journal keeps (None: all of them)."""
            return self._retention

        def new_journal(self) -> Journal:
            """Return a new journal for one session's value."""
            return Journal(maxlen=self._retention)

        def get_config(self, cls: Any = None) -> dict[str, Any]:
            """Gradio's config for a State, built without reading the default.

            Gradio asks for it when the Blocks is built and when each session starts: the
            moment to wrap the app's functions, before any of them runs.
            """
            wrap_dependencies(root_blocks_config(self))
            config: dict[str, Any] = gr.components.Component.get_config(self, _CONFIG_SHAPE)
            config.pop("value", None)
            return config

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

        def get_config(self, cls: Any = None) -> dict[str, Any]:
            """Gradio's config for a State; wraps the app's functions first (see
            ``ObservableState.get_config``), so a shared value returned to a component shows
            as the plain value does."""
            wrap_dependencies(root_blocks_config(self))
            config: dict[str, Any] = gr.State.get_config(self)  # type: ignore[no-untyped-call]
            return config
