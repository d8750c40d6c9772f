"""Translate what an event function returns, so any wiring treats observed values right.

Every function registered on a Blocks that uses an ObservableState is wrapped once (same kind:
sync, async, generator, async generator; same signature):

* a value returned to an ``ObservableState`` is stored observed: the observed value itself is kept
  as is; a new plain value equal to the session's current one keeps the current one (no change,
  as ``gr.State`` would compare it); any other new value is observed with a new journal;
* an observed value returned to any other component is handed to it plain (the raw tree; no
  copy), so every component renders it exactly as it renders the plain value;
* an ``ObservableState`` input that arrives plain (only if gradio copied the default itself) is
  observed before the function sees it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from observable import MISSING, indistinguishable, is_observed, observe, path_of, snapshot, unwrap

from ._gradio import current_blocks_config, dependencies_of, session_state_value

__all__ = [
    "Finish",
    "Prepare",
    "is_observable_state",
    "plain",
    "same_kind",
    "wrap_dependencies",
]

_WRAPPED = "__observable_gradio_wrapped__"


def is_observable_state(component: Any) -> bool:
    """Tell whether ``component`` is an ObservableState (checked by a class flag, no import)."""
    return bool(getattr(type(component), "observable_state", False))


def _is_update(value: Any) -> bool:
    """Tell whether ``value`` is a ``gr.update(...)`` or ``gr.skip()`` dict."""
    return type(value) is dict and "update" in str(value.get("__type__", ""))


def plain(value: Any) -> Any:
    """Return ``value`` with observed values replaced by their raw targets, copying no data.

    Plain lists, tuples and dicts are rebuilt (shallowly) only when something inside them was
    observed; the caller's own containers are never modified.
    """
    if is_observed(value):
        return unwrap(value)
    kind = type(value)
    if kind is list or kind is tuple:
        items = [plain(item) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return items if kind is list else tuple(items)
        return value
    if kind is dict:
        pairs = {key: plain(item) for key, item in value.items()}
        if any(pairs[key] is not value[key] for key in value):
            return pairs
        return value
    return value


def _adopt(component: Any, value: Any, current: Any) -> Any:
    """Return what to store for ``value`` returned to the ObservableState ``component``.

    The observed root itself is kept. A new value that the journal's rule calls
    indistinguishable from the current one (:func:`observable.indistinguishable`) keeps the
    current one: no change, as ``gr.State`` would see it. Anything else is observed with a new
    journal, after the tracked children it may hold (``cart + [item]`` holds the old cart's
    items as proxies) are replaced by their raw objects.
    """
    if is_observed(value):
        if path_of(value) == ():
            return value
        value = snapshot(value)  # a part of an observed value becomes a value of its own
    else:
        value = plain(value)
        if current is not MISSING and indistinguishable(unwrap(current), value):
            return current
    return observe(value, component.new_journal(), warn=False)


class _Translator:
    """Translate one function's arguments and results for its input and output components.

    A batch function (``batch=True``) takes a list per input and returns a list per output,
    one item per request of the batch; each item is translated as a single value would be.
    """

    def __init__(self, inputs: Sequence[Any], outputs: Sequence[Any], batch: bool) -> None:
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self.batch = batch
        self.state_inputs = tuple(i for i, c in enumerate(self.inputs) if is_observable_state(c))

    def _observed_input(self, index: int, value: Any) -> Any:
        """Observe an ObservableState input that arrives plain (gradio copied the default)."""
        if type(value) in (list, dict, set):
            return observe(value, self.inputs[index].new_journal(), warn=False)
        return value

    def arguments(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Observe ObservableState inputs that arrive plain."""
        if not self.state_inputs or len(args) < len(self.inputs):
            return args, kwargs
        changed = list(args)
        for index in self.state_inputs:
            if self.batch and type(changed[index]) is list:
                changed[index] = [self._observed_input(index, v) for v in changed[index]]
            else:
                changed[index] = self._observed_input(index, changed[index])
        return tuple(changed), kwargs

    def _current(self, component: Any, args: tuple[Any, ...], item: int | None) -> Any:
        """Return the current value of ``component`` for this call (``item`` of a batch), or
        ``MISSING`` if it is unknown."""
        for index in self.state_inputs:
            if self.inputs[index] is component and index < len(args):
                received = args[index]
                if item is not None:
                    received = received[item] if type(received) is list else MISSING
                if received is not MISSING and is_observed(received):
                    return received
        if item is not None:
            return MISSING  # the items of a batch may come from several sessions
        return session_state_value(component._id)

    def one(self, component: Any, value: Any, args: tuple[Any, ...], item: int | None) -> Any:
        """Translate the value returned for one output component."""
        if _is_update(value):
            if "value" not in value:
                return value
            return {**value, "value": self.one(component, value["value"], args, item)}
        if is_observable_state(component):
            return _adopt(component, value, self._current(component, args, item))
        if getattr(component, "stateful", False):
            return value  # a plain gr.State (or a SharedView) stores what it is given
        return plain(value)

    def _batched(self, component: Any, values: Any, args: tuple[Any, ...]) -> Any:
        """Translate one output's list of values of a batch."""
        if type(values) is not list:
            return values
        return [self.one(component, value, args, item) for item, value in enumerate(values)]

    def result(self, result: Any, args: tuple[Any, ...]) -> Any:
        """Translate a whole result, shaped as gradio's ``postprocess_data`` reads it."""
        outputs = self.outputs
        if not outputs:
            return result
        if self.batch:
            if not isinstance(result, tuple | list):
                return result
            translated = [
                self._batched(c, v, args) for c, v in zip(outputs, result, strict=False)
            ] + list(result[len(outputs) :])
            return type(result)(translated) if type(result) in (list, tuple) else translated
        if type(result) is dict and result and not _is_update(result):
            from gradio.blocks import Block

            if all(isinstance(key, Block) for key in result):
                return {key: self.one(key, value, args, None) for key, value in result.items()}
        if len(outputs) == 1:
            return self.one(outputs[0], result, args, None)
        if isinstance(result, tuple | list):
            translated = [
                self.one(c, v, args, None) for c, v in zip(outputs, result, strict=False)
            ] + list(result[len(outputs) :])
            return type(result)(translated) if type(result) in (list, tuple) else translated
        return result


Prepare = Callable[[tuple[Any, ...], dict[str, Any]], tuple[tuple[Any, ...], dict[str, Any]]]
"""Turns the arguments gradio passes into the ones the function gets."""
Finish = Callable[[Any, tuple[Any, ...]], Any]
"""Turns one result (and the arguments gradio passed) into what gradio gets."""


def same_kind(
    fn: Callable[..., Any], prepare: Prepare, finish: Finish, done: Callable[[], None]
) -> Any:
    """Return a function of the same kind as ``fn`` (sync, async, generator, async generator)
    and signature, that runs ``prepare`` on its arguments, ``finish`` on each result, and
    ``done`` at the end."""
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def wrapped_agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            args, kwargs = prepare(args, kwargs)
            inner = fn(*args, **kwargs)
            try:
                async for item in inner:
                    yield finish(item, args)
            finally:
                await inner.aclose()
                done()

        return wrapped_agen
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def wrapped_gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            args, kwargs = prepare(args, kwargs)
            inner = fn(*args, **kwargs)
            try:
                for item in inner:
                    yield finish(item, args)
            finally:
                inner.close()
                done()

        return wrapped_gen
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def wrapped_async(*args: Any, **kwargs: Any) -> Any:
            args, kwargs = prepare(args, kwargs)
            try:
                return finish(await fn(*args, **kwargs), args)
            finally:
                done()

        return wrapped_async

    @functools.wraps(fn)
    def wrapped_sync(*args: Any, **kwargs: Any) -> Any:
        args, kwargs = prepare(args, kwargs)
        try:
            return finish(fn(*args, **kwargs), args)
        finally:
            done()

    return wrapped_sync


def _nothing() -> None:
    """Run nothing after a function."""


def _after_render() -> None:
    """Wrap the functions a render just registered in its session."""
    session = current_blocks_config()
    if session is not None:
        wrap_dependencies(session)


def wrap_dependencies(blocks_config: Any) -> None:
    """Wrap, once, every function registered in ``blocks_config`` (None: nothing to wrap)."""
    for dependency in dependencies_of(blocks_config):
        fn = getattr(dependency, "fn", None)
        if fn is None or getattr(fn, _WRAPPED, False):
            continue
        batch = bool(getattr(dependency, "batch", False))
        translator = _Translator(dependency.inputs, dependency.outputs, batch)
        renders = getattr(dependency, "renderable", None) is not None
        wrapped = same_kind(
            fn, translator.arguments, translator.result, _after_render if renders else _nothing
        )
        setattr(wrapped, _WRAPPED, True)
        dependency.fn = wrapped
