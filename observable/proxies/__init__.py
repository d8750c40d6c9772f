"""The proxy classes, one per kind of value, and their default registrations."""

from __future__ import annotations

import collections

from ..registry import register_proxy, set_object_proxy
from .base import ObservedProxy
from .deques import ObservedDeque
from .immutables import ObservedTuple
from .mappings import ObservedCounter, ObservedDefaultDict, ObservedDict, ObservedOrderedDict
from .objects import ObservedObject
from .sequences import ObservedByteArray, ObservedList, ObservedSequence
from .sets import ObservedFrozenSet, ObservedSet

__all__ = [
    "ObservedByteArray",
    "ObservedCounter",
    "ObservedDefaultDict",
    "ObservedDeque",
    "ObservedDict",
    "ObservedFrozenSet",
    "ObservedList",
    "ObservedObject",
    "ObservedOrderedDict",
    "ObservedProxy",
    "ObservedSequence",
    "ObservedSet",
    "ObservedTuple",
]

for _kind, _proxy in (
    (dict, ObservedDict),
    (collections.OrderedDict, ObservedOrderedDict),
    (collections.defaultdict, ObservedDefaultDict),
    (collections.Counter, ObservedCounter),
    (list, ObservedList),
    (bytearray, ObservedByteArray),
    (collections.deque, ObservedDeque),
    (set, ObservedSet),
    (frozenset, ObservedFrozenSet),
    (tuple, ObservedTuple),
):
    register_proxy(_kind, _proxy)
set_object_proxy(ObservedObject)
