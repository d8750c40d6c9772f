"""``on``: wire an event so observed states reach the function unboxed and are always outputs.

Gradio only reports a ``gr.State`` as changed (and fires its ``.change``) when the State is an
*output* of the event. Forgetting to list it is the easy mistake: an in-place edit is then kept
but never announced. :func:`on` adds every ObservableState among the inputs to the outputs, hands
the function the observed values instead of their boxes, and returns the boxes for it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from gradio.blocks import Block
from gradio.events import Dependency

from ._gradio import gr
from .box import StateBox
from .components import ObservableState, SharedView
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


def _is_update(value: Any) -> bool:
    """Tell whether a returned value is a ``gr.update(...)`` or ``gr.skip()`` dict."""
    return type(value) is dict and "update" in str(value.get("__type__", ""))


def _unbox(value: Any) -> Any:
    """Return the observed value behind a box or token, or the value itself."""
    if isinstance(value, StateBox | SharedToken):
        return value.value
    return value


@dataclass(frozen=True)
class _Plan:
    """How one wired function's arguments and results are translated."""

    outputs: tuple[Any, ...]
    """The outputs the function itself returns values for."""
    added: tuple[ObservableState, ...]
    """The ObservableStates appended to the outputs; their boxes are returned for them."""
    as_dict: bool
    """Whether ``outputs`` was a set, so the function returns a dict of component to value."""

    def unbox(
        self, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> tuple[dict[int, StateBox], list[Any], dict[str, Any]]:
        """Return the boxes received (by component id), and the arguments with values unboxed."""
        boxes = {
            v.state_id: v
            for v in (*args, *kwargs.values())
            if isinstance(v, StateBox) and v.state_id is not None
        }
        return boxes, [_unbox(a) for a in args], {k: _unbox(v) for k, v in kwargs.items()}

    def finish(self, result: Any, boxes: dict[int, StateBox]) -> Any:
        """Translate the function's result for the full outputs (its own, then the added)."""
        if self.as_dict or _is_component_dict(result):
            returned = result if _is_component_dict(result) else {}
            merged = {c: self._store(c, v, boxes) for c, v in returned.items()}
            for state in self.added:
                merged[state] = boxes.get(state._id, gr.skip())
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
        values = [self._store(c, v, boxes) for c, v in zip(self.outputs, values, strict=False)]
        values += [boxes.get(state._id, gr.skip()) for state in self.added]
        return values[0] if len(values) == 1 else tuple(values)

    @staticmethod
    def _store(component: Any, value: Any, boxes: dict[int, StateBox]) -> Any:
        """Return what to store for a value returned to an output the function listed."""
        if not isinstance(component, ObservableState):
            return value
        if isinstance(value, StateBox):
            return value
        if _is_update(value):
            if "value" not in value:
                return value
            value = value["value"]
        box = boxes.get(component._id)
        if box is not None and value is box.value:
            return box  # the observed value itself came back: keep the box and its journal
        # A different value replaces the session's value: a new box, which counts as a change.
        return component.new_box(value)


def _is_component_dict(result: Any) -> bool:
    """Tell whether a result is a dict of component to value (Gradio's alternative return)."""
    return type(result) is dict and bool(result) and all(isinstance(k, Block) for k in result)


def _wrap(fn: Callable[..., Any], plan: _Plan) -> Callable[..., Any]:
    """Return a function of the same kind as ``fn`` (sync, async, generator) that applies plan."""
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def wrapped_agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            boxes, args_, kwargs_ = plan.unbox(args, kwargs)
            inner = fn(*args_, **kwargs_)
            try:
                async for item in inner:
                    yield plan.finish(item, boxes)
            finally:
                await inner.aclose()

        return wrapped_agen
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def wrapped_gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            boxes, args_, kwargs_ = plan.unbox(args, kwargs)
            inner = fn(*args_, **kwargs_)
            try:
                for item in inner:
                    yield plan.finish(item, boxes)
            finally:
                inner.close()

        return wrapped_gen
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def wrapped_async(*args: Any, **kwargs: Any) -> Any:
            boxes, args_, kwargs_ = plan.unbox(args, kwargs)
            return plan.finish(await fn(*args_, **kwargs_), boxes)

        return wrapped_async

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        boxes, args_, kwargs_ = plan.unbox(args, kwargs)
        return plan.finish(fn(*args_, **kwargs_), boxes)

    return wrapped


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
    return _Plan(tuple(listed), tuple(added), isinstance(outputs, set | frozenset))


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
    """Like ``gr.on``, for functions that use observed values; usable as a decorator.

    Every :class:`ObservableState` among ``inputs`` is also made an output, so Gradio checks
    it for changes after the event (in O(1)) and its ``.change`` fires exactly when the
    function mutated it. The function receives observed values, not their boxes (the shared
    value for a :class:`SharedView`), and returns values for ``outputs`` only. Returning a new
    value (not the one received) for a listed ObservableState replaces that session's value.
    Other keyword arguments go to ``gr.on``. Returns the ``Dependency``, or, without ``fn``, a
    decorator that registers the function and returns it unchanged.
    """
    plan = _plan(inputs, outputs, listener.get("inputs_kwargs"))

    def register(function: Callable[..., Any]) -> Dependency:
        all_outputs: Any
        if plan.as_dict:
            all_outputs = {*plan.outputs, *plan.added}
        elif plan.added or outputs is not None:
            all_outputs = [*plan.outputs, *plan.added]
        else:
            all_outputs = None
        dependency: Dependency = gr.on(
            triggers, _wrap(function, plan), inputs=inputs, outputs=all_outputs, **listener
        )
        return dependency

    if fn is None:

        def decorator(function: F) -> F:
            register(function)
            return function

        return decorator
    return register(fn)
