"""Property tests over user objects, moves, slices, copies and uncopyable members.

Each example draws an initial value (nested dicts and lists holding plain and ``__slots__``
classes, property setters, and list/dict/set subclasses with mutating methods) and a program
of actions, then runs it through :func:`tests.fidelity.harness.differential`: plain Python
is the oracle after every action, the journal moves exactly when the value changes, and
replay, undo and (for JSON programs) the ``jsonpatch`` library all agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import observable
from tests.fidelity.harness import differential
from tests.strategies import (
    Action,
    action_programs,
    json_values,
    run_action,
    uncopyable_members,
    user_objects,
    user_values,
)

# The "explain" phase traces every line of a failing example; with a proxy core that is
# minutes per failure. Shrinking stays on (one failure at a time), so reports stay minimal.
quick = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    report_multiple_bugs=False,
)


def _program(actions: list[Action]) -> Any:
    def program(root: Any) -> Iterator[None]:
        for action in actions:
            run_action(root, action)
            yield

    return program


@quick
@given(action_programs())
def test_user_object_programs_behave_like_plain_python(program: tuple[Any, list[Action]]) -> None:
    initial, actions = program
    differential(initial, _program(actions))


@quick
@given(action_programs(values=json_values(max_leaves=10)))
def test_json_programs_with_moves_agree_with_jsonpatch(program: tuple[Any, list[Action]]) -> None:
    initial, actions = program
    differential(initial, _program(actions), json=True)


@quick
@given(action_programs(members=uncopyable_members()))
def test_programs_storing_uncopyable_members_behave_like_plain_python(
    program: tuple[Any, list[Action]],
) -> None:
    initial, actions = program
    # Two distinct queues print alike, but putting one where the other stood is a change
    # (other holders still see the old one): an entry for it is right, so it is tolerated.
    differential(initial, _program(actions), copyable=False, strict_noop=False)


KINDS = {
    "plain": {"slots": False, "properties": False},
    "slots": {"slots": True, "properties": False},
    "property": {"slots": False, "properties": True},
    "slots+property": {"slots": True, "properties": True},
    "list subclass": {"subclass_of": list},
    "dict subclass": {"subclass_of": dict},
    "set subclass": {"subclass_of": set},
}

_LEAVES = json_values(max_leaves=2)
KIND_PROGRAMS = {
    name: action_programs(
        values=st.one_of(_LEAVES, user_objects(_LEAVES, **options)), max_actions=8
    )
    for name, options in KINDS.items()
}


@pytest.mark.parametrize("kind", KINDS, ids=list(KINDS))
@quick
@given(data=st.data())
def test_each_kind_of_user_object_is_tracked(kind: str, data: st.DataObject) -> None:
    initial, actions = data.draw(KIND_PROGRAMS[kind])
    differential(initial, _program(actions))


def test_user_objects_validates_subclass_of() -> None:
    with pytest.raises(ValueError, match="subclass_of"):
        user_objects(subclass_of=tuple)


@quick
@given(user_values())
def test_user_values_are_observed_where_they_are_user_objects(value: Any) -> None:
    proxy = observable.observe({"v": value})
    child = proxy["v"]
    assert observable.is_observed(child) == (not isinstance(value, str | int | bool | type(None)))
