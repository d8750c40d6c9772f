"""Property-testing tools: Hypothesis strategies and a mutation-coverage checker.

Needs Hypothesis: ``pip install "observable-journal[testing]"``.
"""

from __future__ import annotations

try:
    import hypothesis as _hypothesis  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        'observable.testing needs Hypothesis: pip install "observable-journal[testing]"'
    ) from error

from .coverage import MutationNotTracked, assert_mutations_tracked, structure
from .programs import Step, apply_step, steps
from .strategies import json_values, keys, mutable_values, scalars

__all__ = [
    "MutationNotTracked",
    "Step",
    "apply_step",
    "assert_mutations_tracked",
    "json_values",
    "keys",
    "mutable_values",
    "scalars",
    "steps",
    "structure",
]
