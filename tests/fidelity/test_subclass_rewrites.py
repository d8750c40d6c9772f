"""Dict, list, set and deque subclasses whose own methods rewrite what they store.

Their values are built the ways users build them (directly, by ``copy.deepcopy``, by a
pickle round trip) and edited at depth; plain Python on a deep copy is the oracle, and
the journal must replay, undo and export exactly what happened.
"""

from __future__ import annotations

import collections
import copy
import pickle
from typing import Any

import pytest

from tests.fidelity.harness import differential
from tests.strategies import LowerDict


def _built(how: str, value: Any) -> Any:
    """``value`` as built by ``how``: as it is, through ``copy.deepcopy``, or through pickle."""
    if how == "deepcopy":
        return copy.deepcopy(value)
    if how == "pickle":
        return pickle.loads(pickle.dumps(value))
    return value


def _spelled_anew(text: str) -> str:
    """An equal string that is a different object (as text read from input or a file is)."""
    made = "".join(list(text))
    assert made == text and (len(text) < 2 or made is not text)
    return made


# -- a removed key spelled by an equal string that is another object ------------------------

_REMOVALS = {
    "pop": lambda d, k: d.pop(k),
    "pop-default": lambda d, k: d.pop(k, None),
    "del": lambda d, k: d.__delitem__(k),
}


@pytest.mark.parametrize("remove", list(_REMOVALS), ids=list(_REMOVALS))
@pytest.mark.parametrize("where", ["last", "first"])
@pytest.mark.parametrize(
    "kind",
    [dict, collections.OrderedDict, collections.Counter, LowerDict],
    ids=lambda k: k.__name__,
)
def test_removing_a_key_stored_as_another_equal_string_records_a_plain_removal(
    kind: type, where: str, remove: str
) -> None:
    stored, other = _spelled_anew("key"), _spelled_anew("zz")
    pairs = [(stored, 1), (other, 2)] if where == "first" else [(other, 2), (stored, 1)]
    initial = {"m": kind(dict(pairs))}

    def program(root: Any) -> Any:
        yield _REMOVALS[remove](root["m"], "key")

    differential(initial, program)


@pytest.mark.parametrize("how", ["direct", "deepcopy", "pickle"])
def test_a_lower_dict_pop_records_one_removal_however_it_was_built(how: str) -> None:
    # copy.deepcopy and pickle rebuild a LowerDict through its own __setitem__, which stores
    # ``key.lower()``: an equal string, but not the one the program names.
    initial = [_built(how, LowerDict(a=1, bb=2, c=[3]))]

    def program(root: Any) -> Any:
        yield root[0].pop("a")
        yield root[0].pop("c")
        del root[0]["bb"]
        yield

    _, changes = differential(initial, program)
    assert [change.effect.kind for change in changes] == ["sequence", "item", "item"]
