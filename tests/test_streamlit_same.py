"""The drop-in's no-change rule: the core's rule for builtins, pandas/numpy by content."""

from __future__ import annotations

import queue
from typing import Any

import numpy as np
import pandas as pd
import pytest
from observable_streamlit._same import edits_are_unseen, indistinguishable

import observable

BUILTIN_PAIRS: list[tuple[Any, Any]] = [
    (["a", "b"], ["a", "b"]),
    ((10, 90), (10, 90)),
    ([1], [True]),
    ([0.0], [-0.0]),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
    ({1, 2}, {1, 2}),
    ([1], (1,)),
]


@pytest.mark.parametrize(("old", "new"), BUILTIN_PAIRS)
def test_builtins_follow_the_core_rule(old: Any, new: Any) -> None:
    """For builtins the answer is exactly the journal's (one rule, one place)."""
    assert indistinguishable(old, new) == observable.indistinguishable(old, new)


def test_widget_copies_are_no_change_and_real_changes_are() -> None:
    """A multiselect's fresh list and a range slider's fresh tuple change nothing."""
    assert indistinguishable(["a", "c"], list(["a", "c"]))
    assert indistinguishable((10, 90), tuple([10, 90]))
    assert not indistinguishable(["a"], ["a", "c"])


def test_dataframes_compare_by_content_labels_and_dtypes() -> None:
    """st.data_editor returns a copy: equal content is no change; any difference is one."""
    df = pd.DataFrame({"a": [1, 2], "b": ["x", None]})
    assert indistinguishable(df, df.copy())
    edited = df.copy()
    edited.loc[0, "a"] = 5
    assert not indistinguishable(df, edited)
    assert not indistinguishable(df, df.astype({"a": "float64"}))
    assert not indistinguishable(df, df.rename(columns={"a": "c"}))
    assert not indistinguishable(df, df.set_axis([5, 6]))
    assert indistinguishable(df["a"], df["a"].copy())
    assert not indistinguishable(df["a"], df["a"].to_numpy())


def test_arrays_compare_by_content_dtype_and_shape() -> None:
    """numpy arrays: NaN equals NaN; dtype and shape count."""
    values = np.array([1.0, np.nan])
    assert indistinguishable(values, values.copy())
    assert not indistinguishable(values, values.astype("float32"))
    assert not indistinguishable(values, values.reshape(2, 1))
    assert indistinguishable(np.array(["x"]), np.array(["x"]))


def test_edits_are_unseen_only_for_raw_mutable_values() -> None:
    """Re-assigning the same DataFrame or queue says it changed; lists and ints are tracked."""
    assert edits_are_unseen(pd.DataFrame()) and edits_are_unseen(queue.Queue())
    assert edits_are_unseen(np.zeros(2))
    assert not any(edits_are_unseen(v) for v in ([], {}, (1,), 1, "s", None, 1.5))
