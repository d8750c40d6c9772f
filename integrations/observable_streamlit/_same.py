"""Tell whether a value assigned to a key is indistinguishable from the one it replaces.

Widgets return a new object on every run, so ``server_state.x = st.multiselect(...,
default=server_state.x)`` assigns an equal copy on every run in every session. Treating
that as a change would make sessions rerun each other forever. The rule for builtins is
the core's (:func:`observable.indistinguishable`, the journal's own no-change rule); this
module only adds what Streamlit apps need beyond it: pandas and numpy values, which the
store keeps raw and widgets such as ``st.data_editor`` return as fresh copies, compare by
content.
"""

from __future__ import annotations

from typing import Any

import observable
from observable import SCALAR_TYPES

__all__ = ["edits_are_unseen", "indistinguishable"]


def indistinguishable(old: Any, new: Any) -> bool:
    """Return True when assigning ``new`` over ``old`` changes nothing a reader could see.

    The core's rule (exact types at every depth, floats and decimals by ``repr``, dict
    key order), plus pandas and numpy values of the same type compared by content
    (labels, dtypes and values; NaN equals NaN).
    """
    if observable.indistinguishable(old, new):
        return True
    return type(old) is type(new) and _library_equal(old, new)


def edits_are_unseen(value: Any) -> bool:
    """Return True for a mutable value the store keeps raw (a DataFrame, an array, a queue).

    In-place edits of such a value are not recorded; re-assigning the very object is how
    a streamlit-server-state app says it changed.
    """
    kind = type(value)
    return kind not in SCALAR_TYPES and observable.proxy_class_for(kind) is None


def _library_equal(old: Any, new: Any) -> bool:
    """Compare pandas and numpy values by content; anything else is distinguishable."""
    module = type(old).__module__.split(".", 1)[0]
    if module == "pandas" and callable(getattr(old, "equals", None)):
        same_labels = all(
            getattr(old, name).equals(getattr(new, name))
            for name in ("index", "columns")
            if hasattr(old, name) and callable(getattr(getattr(old, name), "equals", None))
        )
        same_types = repr(getattr(old, "dtypes", None)) == repr(getattr(new, "dtypes", None))
        return bool(same_labels and same_types and old.equals(new))
    if module == "numpy" and hasattr(old, "dtype") and hasattr(old, "shape"):
        import numpy

        if old.dtype != new.dtype or old.shape != new.shape:
            return False
        try:
            return bool(numpy.array_equal(old, new, equal_nan=True))
        except TypeError:  # dtypes without NaN (strings, objects)
            return bool(numpy.array_equal(old, new))
    return False
