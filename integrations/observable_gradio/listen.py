"""``on``: ``gr.on`` that also makes every ObservableState input an output of the event.

With the straight swap, plain ``gr.on``/``.click`` already hand functions the observed values.
``on`` adds one convenience: Gradio only reports a State as changed (and fires its ``.change``)
when the State is an *output* of the event, so ``on`` appends every ObservableState among the
inputs to the outputs and returns, for it, the value the function received. A ``SharedView``
input reaches the function as the shared value itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from gradio.blocks import Block
from gradio.events import Dependency

from ._gradio import gr
from .components import ObservableState, SharedView
from .results import same_kind
from .tokens import SharedToken

__all__ = ["on"]

F = TypeVar("F", bound=Callable[..., Any])


def _as_list(components: Any) -> list[Any]:
    """Return the components of an ``inputs``/``outputs`` argument as a list."""
    if components is None:
        return []
    if isinstance(components, Block):
        return [components]
    return list(components)


def _is_component_dict(result: Any) -> bool:
    """Tell whether a result is a dict of component to value (Gradio's alternative return)."""
    return type(result) is dict and bool(result) and all(isinstance(k, Block) for k in result)


def _is_update(value: Any) -> bool:
    """Tell whether a returned value is a ``gr.update(...)`` or ``gr.skip()`` dict."""
    return type(value) is dict and "update" in str(value.get("__type__", ""))


def _shared_value(value: Any) -> Any:
    """Return the shared value behind a tab's token, or the value itself."""
    return value.value if isinstance(value, SharedToken) else value


@dataclass(frozen=True)
class _Plan:
    """How one wired function's arguments and results are translated."""

    inputs: tuple[Any, ...]
    """The input components, in order."""
    outputs: tuple[Any, ...]
    """The outputs the function itself returns values for."""
    added: tuple[ObservableState, ...]
    """The ObservableStates appended to the outputs; their received values are returned."""
    as_dict: bool
    """Whether ``outputs`` was a set, so the function returns a dict of component to value."""

    def prepare(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Hand the function shared values instead of their tabs' tokens."""
        return (
            tuple(_shared_value(a) for a in args),
            {k: _shared_value(v) for k, v in kwargs.items()},
        )

    def _received(self, state: ObservableState, args: Sequence[Any]) -> Any:
        """Return the value the function received for ``state`` (skip if it received none)."""
        for component, value in zip(self.inputs, args, strict=False):
            if component is state:
                return value
        return gr.skip()

    def finish(self, result: Any, args: tuple[Any, ...]) -> Any:
        """Return the function's result followed by the received values of the added states."""
        if not self.added:
            return result
        received = [self._received(state, args) for state in self.added]
        if self.as_dict or _is_component_dict(result):
            merged = dict(result) if _is_component_dict(result) else {}
            merged.update(zip(self.added, received, strict=True))
            return merged
        count = len(self.outputs)
        if count == 0:
            values: list[Any] = []
        elif count == 1:
            values = [result]
        elif _is_update(result) and "value" not in result:
            values = [result] * count  # a single gr.skip() for several outputs
        else:  # anything but a tuple or list: Gradio reports the mismatch, as it would anyway
            values = list(result) if isinstance(result, tuple | list) else [result]
        values += received
        return values[0] if len(values) == 1 else tuple(values)


def _plan(inputs: Any, outputs: Any, inputs_kwargs: dict[str, Any] | None) -> _Plan:
    """Work out the outputs to add, and refuse a SharedView among the outputs."""
    listed = _as_list(outputs)
    for component in listed:
        if isinstance(component, SharedView):
            raise ValueError(
                "a SharedView must not be an output: only its push or poll code moves it "
                "(mutate the shared value instead; every tab then sees .change)"
            )
    added: list[ObservableState] = []
    for component in [*_as_list(inputs), *(inputs_kwargs or {}).values()]:
        if isinstance(component, ObservableState) and not any(
            component is c for c in [*listed, *added]
        ):
            added.append(component)
    return _Plan(
        tuple(_as_list(inputs)), tuple(listed), tuple(added), isinstance(outputs, set | frozenset)
    )


def _nothing() -> None:
    """Run nothing after the function."""


_NONE: Any = object()
"""No trigger for ``gr.on`` (every trigger given was a chained one)."""


def _split_triggers(triggers: Any) -> tuple[Any, list[Callable[..., Dependency]]]:
    """Split ``triggers`` into what ``gr.on`` takes and chained listeners (``dep.then``).

    ``gr.on`` takes event listeners (``btn.click``: they name their event); a dependency's
    ``.then``, ``.success`` and ``.failure`` name none, and ``gr.on`` cannot take them, so
    ``on`` calls each of them itself, with the same function and arguments.
    """
    if triggers is None:
        return None, []
    listed = list(triggers) if isinstance(triggers, list | tuple) else [triggers]
    chained = [t for t in listed if callable(t) and not hasattr(t, "event_name")]
    direct = [t for t in listed if not any(t is c for c in chained)]
    return (direct if direct else _NONE), chained


@overload
def on(
    triggers: Any,
    fn: None = None,
    inputs: Any = None,
    outputs: Any = None,
    **listener: Any,
) -> Callable[[F], F]: ...


@overload
def on(
    triggers: Any,
    fn: Callable[..., Any],
    inputs: Any = None,
    outputs: Any = None,
    **listener: Any,
) -> Dependency: ...


def on(
    triggers: Any,
    fn: Callable[..., Any] | None = None,
    inputs: Any = None,
    outputs: Any = None,
    **listener: Any,
) -> Dependency | Callable[[F], F]:
    """Like ``gr.on``, with every ObservableState input also an output; usable as a decorator.

    Gradio then checks each of them for changes after the event (in O(1)), so its ``.change``
    fires exactly when the function changed it, even if the function returns nothing for it.
    The function returns values for ``outputs`` only. ``triggers`` takes anything ``gr.on``
    does, and also ``dependency.then``/``.success``/``.failure`` (which ``gr.on`` refuses):
    each of those registers the function once more, chained after its dependency. Other
    keyword arguments go to ``gr.on``. Returns the (first) ``Dependency``, or, without
    ``fn``, a decorator that registers the function and returns it unchanged.
    """
    plan = _plan(inputs, outputs, listener.get("inputs_kwargs"))

    direct, chained = _split_triggers(triggers)

    def register(function: Callable[..., Any]) -> Dependency:
        all_outputs: Any
        if plan.as_dict:
            all_outputs = {*plan.outputs, *plan.added}
        elif plan.added or outputs is not None:
            all_outputs = [*plan.outputs, *plan.added]
        else:
            all_outputs = None
        wrapped = same_kind(function, plan.prepare, plan.finish, _nothing)
        dependencies: list[Dependency] = []
        if direct is not _NONE:
            dependencies.append(
                gr.on(direct, wrapped, inputs=inputs, outputs=all_outputs, **listener)
            )
        for follow in chained:  # dependency.then/.success/.failure registers itself
            dependencies.append(follow(wrapped, inputs, all_outputs, **listener))
        return dependencies[0]

    if fn is None:

        def decorator(function: F) -> F:
            register(function)
            return function

        return decorator
    return register(fn)
