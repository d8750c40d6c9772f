"""Property: hostile container subclasses behave, and are journaled, as in plain Python.

Each example draws a subclass of a dict, OrderedDict, defaultdict, Counter, list, deque or
set with a few behaviours that rewrite what it stores (``subclass_kinds``), builds a value
of it directly, by ``copy.deepcopy`` or by a pickle round trip, puts it at some depth, and
runs a program of edits through :func:`tests.fidelity.harness.differential`: plain Python
on a deep copy is the oracle after every edit; replay and undo, whole and per step, agree.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tests.fidelity.harness import differential
from tests.fidelity.subclass_kinds import BASES
from tests.strategies import hostile_cases, hostile_program

quick = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    report_multiple_bugs=False,
    deadline=None,
)


@pytest.mark.parametrize("base", BASES, ids=lambda base: base.__name__)
@quick
@given(data=st.data())
def test_hostile_subclasses_behave_and_are_journaled_as_in_plain_python(
    base: type, data: st.DataObject
) -> None:
    case = data.draw(hostile_cases(bases=(base,)), label="case")
    differential(case.initial, hostile_program(case))
