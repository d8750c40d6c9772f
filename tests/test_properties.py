"""Property tests: observed values behave like plain ones, and the journal is exact.

Each test draws an initial value of any supported kind (or a JSON document) and a
program of random mutations, then checks one promise against an independent truth:
plain Python, the value's own structure, a replay, an undo, or the ``jsonpatch`` library.
"""

from __future__ import annotations

import collections
import copy
from typing import Any

import jsonpatch
from hypothesis import given

from observable import Journal, apply, invert, observe, to_json_document, to_json_patch, unwrap
from observable.testing import Step, apply_step, structure
from observable.testing.programs import operation_name
from tests.strategies import json_programs, programs

# A set's pop() returns an arbitrary member; which one depends on the hash table's
# history, which plain and observed sets reach through different (equal) operations.
_ARBITRARY = {("set", "pop")}


def _run(root: Any, step: Step) -> tuple[Any, type[BaseException] | None]:
    try:
        _, result = apply_step(root, step)
    except Exception as error:
        return None, type(error)
    return result, None


def _observed_after(initial: Any, steps: list[Step]) -> tuple[Any, Journal]:
    """Observe a copy of ``initial``, run every step on it, and return it with its journal."""
    journal = Journal(maxlen=None)
    observed = observe(copy.deepcopy(initial), journal)
    for step in steps:
        _run(observed, step)
    return observed, journal


def typed(value: Any) -> Any:
    """Return ``value`` with the type of every part made explicit, for exact comparison."""
    value = unwrap(value)
    if isinstance(value, dict):
        return (type(value), sorted((repr(k), typed(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | collections.deque):
        return (type(value), [typed(item) for item in value])
    if isinstance(value, set | frozenset):
        return (type(value), frozenset(value))
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return (type(value), sorted((k, typed(v)) for k, v in vars(value).items()))
    return (type(value), value)


@given(programs())
def test_observed_value_behaves_like_plain_python(program: tuple[Any, list[Step]]) -> None:
    initial, steps = program
    plain = copy.deepcopy(initial)
    observed = observe(copy.deepcopy(initial), Journal(maxlen=None))
    for step in steps:
        if operation_name(plain, step) in _ARBITRARY:
            continue
        plain_result, plain_error = _run(plain, step)
        observed_result, observed_error = _run(observed, step)
        assert observed_error == plain_error, step
        if plain_error is None:
            assert typed(observed_result) == typed(plain_result), step
        if plain_error is None or operation_name(plain, step)[1] != "sort":
            assert typed(observed) == typed(plain), step
        assert unwrap(observed) == plain


@given(programs())
def test_every_change_is_recorded_and_every_record_is_a_change(
    program: tuple[Any, list[Step]],
) -> None:
    initial, steps = program
    journal = Journal(maxlen=None)
    observed = observe(initial, journal)
    for step in steps:
        before = structure(observed)
        version = journal.version
        _run(observed, step)
        changed = structure(observed) != before
        recorded = journal.since(version)
        assert changed == bool(recorded), (step, recorded)


@given(programs())
def test_replaying_the_journal_reproduces_the_final_value(
    program: tuple[Any, list[Step]],
) -> None:
    initial, steps = program
    observed, journal = _observed_after(initial, steps)
    replayed = apply(copy.deepcopy(initial), journal.since(0))
    assert typed(replayed) == typed(observed)


@given(programs())
def test_inverted_journal_restores_the_initial_value(program: tuple[Any, list[Step]]) -> None:
    initial, steps = program
    observed, journal = _observed_after(initial, steps)
    restored = apply(copy.deepcopy(unwrap(observed)), invert(journal.since(0)))
    assert typed(restored) == typed(initial)


@given(programs())
def test_undo_through_the_proxy_restores_and_is_itself_journaled(
    program: tuple[Any, list[Step]],
) -> None:
    initial, steps = program
    observed, journal = _observed_after(initial, steps)
    done = journal.since(0)
    apply(observed, invert(done))
    assert typed(observed) == typed(initial)
    assert (journal.version > len(done)) == bool(done)


@given(programs())
def test_jsonpatch_library_agrees_with_our_json_patch(program: tuple[Any, list[Step]]) -> None:
    initial, steps = program
    observed, journal = _observed_after(initial, steps)
    patch = to_json_patch(journal.since(0))
    document = to_json_document(initial)
    assert jsonpatch.apply_patch(document, patch) == to_json_document(observed)


@given(json_programs())
def test_jsonpatch_on_plain_json_documents(program: tuple[Any, list[Step]]) -> None:
    initial, steps = program
    observed, journal = _observed_after(initial, steps)
    patch = jsonpatch.JsonPatch(to_json_patch(journal.since(0)))
    assert patch.apply(copy.deepcopy(initial)) == unwrap(observed)
