"""The project's Hypothesis strategies, in one place (the public ones come from
``observable.testing``; test-only compositions are defined here)."""

from __future__ import annotations

import collections
import copy
import dataclasses
import pickle
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from observable.testing import Step, json_values, keys, mutable_values, scalars, steps
from observable.testing.strategies import _set_members

__all__ = [
    "Action",
    "HostileCase",
    "LowerDict",
    "PlainBox",
    "PropertyBox",
    "SlotBox",
    "SlotPropertyBox",
    "TagSet",
    "TwiceList",
    "action_programs",
    "actions",
    "hostile_cases",
    "hostile_located",
    "hostile_program",
    "hostile_value",
    "json_programs",
    "json_values",
    "keys",
    "mutable_values",
    "programs",
    "run_action",
    "scalars",
    "steps",
    "uncopyable_members",
    "user_objects",
    "user_values",
]


def programs(
    values: st.SearchStrategy[Any] | None = None, max_steps: int = 15
) -> st.SearchStrategy[tuple[Any, list[Step]]]:
    """An initial value of any supported kind and a program of steps to run on it."""
    initial = mutable_values() if values is None else values
    return st.tuples(initial, st.lists(steps(json_values(max_leaves=3)), max_size=max_steps))


def json_programs(max_steps: int = 15) -> st.SearchStrategy[tuple[Any, list[Step]]]:
    """A JSON document (dict or list at the top) and a program of steps on it."""
    documents = st.one_of(
        st.dictionaries(keys(), json_values(), max_size=4), st.lists(json_values(), max_size=4)
    )
    return st.tuples(documents, st.lists(steps(json_values(max_leaves=3)), max_size=max_steps))


# -- user objects, attrs-style: ``user_objects(slots=..., properties=..., subclass_of=...)`` --


class PlainBox:
    """A plain user class: a label, a list of items, and methods that edit ``self``."""

    def __init__(self, label: Any = None, items: list[Any] | None = None) -> None:
        self.label = label
        self.items = [] if items is None else items

    def add(self, item: Any) -> None:
        """Append through ``self``."""
        self.items.append(item)

    def relabel(self, label: Any) -> None:
        """Set the label through ``self``."""
        self.label = label


class SlotBox:
    """A ``__slots__`` user class with the same methods."""

    __slots__ = ("items", "label")

    def __init__(self, label: Any = None, items: list[Any] | None = None) -> None:
        self.label = label
        self.items = [] if items is None else items

    def add(self, item: Any) -> None:
        """Append through ``self``."""
        self.items.append(item)

    def relabel(self, label: Any) -> None:
        """Set the label through ``self``."""
        self.label = label


class PropertyBox:
    """A property setter that stores under another name and counts its writes."""

    def __init__(self, label: Any = None, items: list[Any] | None = None) -> None:
        self._label = label
        self.writes = 0
        self.items = [] if items is None else items

    @property
    def label(self) -> Any:
        """The label, stored as ``_label``."""
        return self._label

    @label.setter
    def label(self, value: Any) -> None:
        self._label = value
        self.writes += 1

    def add(self, item: Any) -> None:
        """Append through ``self``."""
        self.items.append(item)

    def relabel(self, label: Any) -> None:
        """Set the label through the property."""
        self.label = label


class SlotPropertyBox:
    """``__slots__`` and a property setter that stores under another name."""

    __slots__ = ("_label", "items")

    def __init__(self, label: Any = None, items: list[Any] | None = None) -> None:
        self._label = label
        self.items = [] if items is None else items

    @property
    def label(self) -> Any:
        """The label, stored as ``_label``."""
        return self._label

    @label.setter
    def label(self, value: Any) -> None:
        self._label = value

    def add(self, item: Any) -> None:
        """Append through ``self``."""
        self.items.append(item)

    def relabel(self, label: Any) -> None:
        """Set the label through the property."""
        self.label = label


class TwiceList(list):  # type: ignore[type-arg]
    """A list subclass with a mutating method that appends twice."""

    def add_twice(self, item: Any) -> None:
        """Append ``item`` and a copy of it."""
        self.append(item)
        self.append(copy.deepcopy(item))


class LowerDict(dict):  # type: ignore[type-arg]
    """A dict subclass that lower-cases text keys on every item write."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key.lower() if isinstance(key, str) else key, value)

    def put(self, key: Any, value: Any) -> None:
        """Write through ``self[key] = value``."""
        self[key] = value


class TagSet(set):  # type: ignore[type-arg]
    """A set subclass with mutating methods."""

    def tag(self, member: Any) -> None:
        """Add through ``self``."""
        self.add(member)

    def untag(self, member: Any) -> None:
        """Discard through ``self``."""
        self.discard(member)


BOXES = (PlainBox, SlotBox, PropertyBox, SlotPropertyBox)
SUBCLASSES = (TwiceList, LowerDict, TagSet)


def user_objects(
    children: st.SearchStrategy[Any] | None = None,
    *,
    slots: bool | None = None,
    properties: bool | None = None,
    subclass_of: type | None = None,
) -> st.SearchStrategy[Any]:
    """Instances of the user classes above, holding values drawn from ``children``.

    ``slots``/``properties`` pick plain classes with or without ``__slots__`` and property
    setters (``None``: either); ``subclass_of`` picks the subclass of ``list``, ``dict`` or
    ``set`` instead (``object``: a plain class, ``None`` with the others ``None``: any).
    """
    children = scalars() if children is None else children
    if subclass_of is list:
        return st.lists(children, max_size=3).map(TwiceList)
    if subclass_of is dict:
        return st.dictionaries(keys(), children, max_size=3).map(LowerDict)
    if subclass_of is set:
        return st.sets(_set_members(), max_size=3).map(TagSet)
    if subclass_of not in (None, object):
        raise ValueError(f"subclass_of must be list, dict, set, object or None: {subclass_of!r}")
    classes = [
        kind
        for kind in BOXES
        if slots in (None, "__slots__" in vars(kind))
        and properties in (None, isinstance(vars(kind).get("label"), property))
    ]
    boxes = st.sampled_from(classes).flatmap(
        lambda kind: st.builds(kind, children, st.lists(children, max_size=3))
    )
    if subclass_of is None and slots is None and properties is None:
        return st.one_of(boxes, *(user_objects(children, subclass_of=k) for k in (list, dict, set)))
    return boxes


def user_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """Nested dicts and lists of scalars and user objects of every kind."""
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys(), children, max_size=4),
            user_objects(children),
        ),
        max_leaves=max_leaves,
    )


# -- programs with moves between containers, slices, copies and uncopyable members ---------

UNCOPYABLE_TOKENS = ("<lock>", "<queue>")


@dataclasses.dataclass(frozen=True)
class Action:
    """One abstract edit: where (route), which operation, where a moved child goes, and
    raw material for arguments. :func:`run_action` interprets it the same way on a plain
    value and on its proxy; values are made fresh for each run."""

    route: tuple[int, ...]
    operation: int
    destination: tuple[int, ...]
    number: int
    key: str
    value: Any
    member: Any


def actions(values: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Action]:
    """Actions whose inserted values come from ``values`` (small JSON values by default)."""
    return st.builds(
        Action,
        route=st.lists(st.integers(0, 7), max_size=3).map(tuple),
        operation=st.integers(0, 63),
        destination=st.lists(st.integers(0, 7), max_size=3).map(tuple),
        number=st.integers(-4, 5),
        key=keys(),
        value=json_values(max_leaves=3) if values is None else values,
        member=_set_members(),
    )


def uncopyable_members() -> st.SearchStrategy[Any]:
    """Small JSON values, or a token that :func:`run_action` turns into a lock or a queue."""
    return st.one_of(json_values(max_leaves=3), st.sampled_from(UNCOPYABLE_TOKENS))


def _fresh(material: Any) -> Any:
    import queue
    import threading

    if material == "<lock>":
        return threading.Lock()
    if material == "<queue>":
        return queue.Queue()
    return copy.deepcopy(material)


_BOX_TYPES = BOXES


def _edges(container: Any) -> list[tuple[str, Any]]:
    """The (kind, key) pairs leading to the non-scalar children of ``container``."""
    if isinstance(container, dict):
        pairs = [("item", key) for key in list(container)]
        values = [container[key] for _, key in pairs]
    elif isinstance(container, list):
        pairs = [("item", index) for index in range(len(container))]
        values = list(container)
    elif isinstance(container, _BOX_TYPES):
        pairs = [("attr", "label"), ("attr", "items")]
        values = [container.label, container.items]
    else:
        return []
    return [pair for pair, value in zip(pairs, values, strict=True) if _is_container(value)]


def _is_container(value: Any) -> bool:
    return isinstance(value, list | dict | set | PlainBox | SlotBox | PropertyBox | SlotPropertyBox)


def _child(container: Any, edge: tuple[str, Any]) -> Any:
    kind, key = edge
    return getattr(container, key) if kind == "attr" else container[key]


def _locate(root: Any, route: tuple[int, ...]) -> Any:
    container = root
    for choice in route:
        edges = _edges(container)
        if not edges:
            break
        container = _child(container, edges[choice % len(edges)])
    return container


def _edit(target: Any, action: Action) -> None:
    """A small edit of whatever ``target`` is, through the reference the user holds."""
    if isinstance(target, list):
        target.append(_fresh(action.value))
    elif isinstance(target, dict):
        target[action.key] = _fresh(action.value)
    elif isinstance(target, set):
        target.add(action.member)
    elif isinstance(target, _BOX_TYPES):
        target.relabel(_fresh(action.value))


def _take_child(container: Any, action: Action) -> Any:
    """Remove one non-scalar child from ``container`` and return it (or ``None``)."""
    edges = [edge for edge in _edges(container) if edge[0] == "item"]
    if not edges:
        return None
    _, key = edges[action.number % len(edges)]
    if action.number % 2:
        child = container[key]
        del container[key]
        return child
    return container.pop(key)


def _put(root: Any, destination: tuple[int, ...], child: Any, action: Action) -> None:
    target = _locate(root, destination)
    if isinstance(target, list):
        target.insert(action.number, child)
    elif isinstance(target, dict):
        target[action.key] = child
    elif isinstance(target, _BOX_TYPES):
        target.items.append(child)
    elif isinstance(root, list):
        root.append(child)
    elif isinstance(root, dict):
        root[action.key] = child


def _list_operations(c: Any, a: Action) -> list[Any]:
    return [
        lambda: c.append(_fresh(a.value)),
        lambda: c.insert(a.number, _fresh(a.value)),
        lambda: c.pop(a.number % len(c)) if c else None,
        lambda: c.__setitem__(a.number % len(c), _fresh(a.value)) if c else None,
        lambda: [_edit(row, a) for row in c[1:]],
        lambda: _edit(c[::-1][0], a) if c else None,
        lambda: _edit(c.copy()[0], a) if c else None,
        lambda: _edit((c + [])[-1], a) if c else None,  # noqa: RUF005
        lambda: _edit(next(reversed(c)), a) if c else None,
        lambda: c.__setitem__(slice(0, 1), [_fresh(a.value)]),
        lambda: c.extend([_fresh(a.value)]),
        lambda: c.add_twice(_fresh(a.value)) if isinstance(c, TwiceList) else None,
        "move",  # run_action pops a child, puts it elsewhere, then edits it
    ]


def _dict_operations(c: Any, a: Action) -> list[Any]:
    return [
        lambda: c.__setitem__(a.key.upper(), _fresh(a.value)),
        lambda: c.pop(a.key, None),
        lambda: _edit(c.setdefault(a.key, []), a),
        lambda: [_edit(value, a) for value in c.values()],
        lambda: [_edit(value, a) for _, value in c.items()],
        lambda: _edit(c.copy().get(a.key), a),
        lambda: _edit((c | {}).get(a.key), a),
        lambda: _edit(c.get(a.key), a),
        lambda: c.update({a.key: _fresh(a.value)}),
        lambda: c.put(a.key.upper(), _fresh(a.value)) if isinstance(c, LowerDict) else None,
        "move",
    ]


def _set_operations(c: Any, a: Action) -> list[Any]:
    return [
        lambda: c.add(a.member),
        lambda: c.discard(a.member),
        lambda: c.tag(a.member) if isinstance(c, TagSet) else None,
        lambda: c.untag(a.member) if isinstance(c, TagSet) else None,
        lambda: c.update({a.member, a.number}),
    ]


def _box_operations(c: Any, a: Action) -> list[Any]:
    return [
        lambda: setattr(c, "label", _fresh(a.value)),
        lambda: c.relabel(_fresh(a.value)),
        lambda: c.add(_fresh(a.value)),
        lambda: c.items.append(_fresh(a.value)),
        lambda: [_edit(item, a) for item in c.items[1:]],
        lambda: _edit(c.label, a),
        "move",
    ]


def run_action(root: Any, action: Action) -> None:
    """Run ``action`` on ``root`` (plain or observed), exactly the same way on both."""
    container = _locate(root, action.route)
    if isinstance(container, list):
        operations = _list_operations(container, action)
    elif isinstance(container, dict):
        operations = _dict_operations(container, action)
    elif isinstance(container, set):
        operations = _set_operations(container, action)
    elif isinstance(container, _BOX_TYPES):
        operations = _box_operations(container, action)
    else:
        return
    operation = operations[action.operation % len(operations)]
    if operation != "move":
        operation()
        return
    source = container.items if isinstance(container, _BOX_TYPES) else container
    child = _take_child(source, action)
    if child is None:
        return
    _put(root, action.destination, child, action)
    _edit(child, action)


def action_programs(
    values: st.SearchStrategy[Any] | None = None,
    members: st.SearchStrategy[Any] | None = None,
    max_actions: int = 10,
) -> st.SearchStrategy[tuple[Any, list[Action]]]:
    """An initial value (user objects included) and a list of actions to run on it."""
    initial = user_values() if values is None else values
    return st.tuples(
        st.one_of(st.lists(initial, max_size=4), st.dictionaries(keys(), initial, max_size=4)),
        st.lists(actions(members), max_size=max_actions),
    )


# -- hostile container subclasses (tests/fidelity/subclass_kinds.py) and edits on them -------

_HOSTILE_KEYS = ("a", "A", "b", "B", "_p", 0, 1)
_MAPPING_BASES = (dict, collections.OrderedDict, collections.defaultdict, collections.Counter)
_hostile_values = st.tuples(st.sampled_from(["int", "int", "list"]), st.integers(-5, 5))


@dataclasses.dataclass(frozen=True)
class HostileCase:
    """A value holding a hostile subclass value at ``depth``, and edits to run on it."""

    base: type
    kind_name: str
    built: str
    depth: int
    initial: Any
    edits: tuple[tuple[str, Any, tuple[str, int]], ...]


def hostile_value(spec: tuple[str, int]) -> Any:
    """A fresh argument for each run: a number, or a one-item list."""
    kind, number = spec
    return [number] if kind == "list" else number


def _hostile_contents(base: type) -> st.SearchStrategy[Any]:
    if base is collections.Counter:
        return st.dictionaries(st.sampled_from(_HOSTILE_KEYS), st.integers(-2, 4), max_size=4)
    if base in _MAPPING_BASES:
        return st.dictionaries(st.sampled_from(_HOSTILE_KEYS), _hostile_values, max_size=4)
    if base is set:
        return st.sets(st.sampled_from(_HOSTILE_KEYS), max_size=4)
    return st.lists(_hostile_values, max_size=5)


def _hostile_make(base: type, kind: Any, contents: Any, maxlen: int | None, inner: Any) -> Any:
    def item(spec: tuple[str, int]) -> Any:
        return inner([spec[1]]) if spec[0] == "list" else spec[1]

    if base is collections.defaultdict:
        return kind(list, {k: item(v) for k, v in contents.items()})
    if base is collections.Counter or base is set:
        return kind(contents)
    if base in _MAPPING_BASES:
        return kind({k: item(v) for k, v in contents.items()})
    if base is collections.deque:
        return kind([item(v) for v in contents], maxlen)
    return kind([item(v) for v in contents])


def _hostile_built(how: str, value: Any) -> Any:
    if how == "deepcopy":
        return copy.deepcopy(value)
    if how == "pickle":
        return pickle.loads(pickle.dumps(value))
    return value


def _hostile_placed(depth: int, value: Any) -> Any:
    return (
        value if depth == 0 else {"c": value} if depth == 1 else {"top": [{"n": 1}, {"c": value}]}
    )


def hostile_located(root: Any, depth: int) -> Any:
    """The hostile value inside ``root`` (plain or observed), placed at ``depth``."""
    return root if depth == 0 else root["c"] if depth == 1 else root["top"][1]["c"]


@st.composite
def hostile_cases(
    draw: st.DrawFn, bases: tuple[type, ...] | None = None, builds: tuple[str, ...] | None = None
) -> HostileCase:
    """A hostile subclass of one of ``bases`` with a few behaviours, built directly, by
    ``copy.deepcopy`` or by pickle (``builds``), placed at depth 0 to 2, and edits for it."""
    from tests.fidelity.subclass_kinds import BASES, BEHAVIOURS, EDITS, subclass_of

    base = draw(st.sampled_from(BASES if bases is None else bases))
    behaviours = frozenset(draw(st.sets(st.sampled_from(BEHAVIOURS[base]), max_size=3)))
    kind = subclass_of(base, behaviours)
    maxlen = draw(st.sampled_from([None, None, 3])) if base is collections.deque else None
    how = draw(st.sampled_from(builds or ("direct", "deepcopy", "pickle")))
    # The lists it holds are plain, or hostile list subclasses in turn.
    inner_behaviours = frozenset(draw(st.sets(st.sampled_from(BEHAVIOURS[list]), max_size=2)))
    inner = draw(st.sampled_from([list, subclass_of(list, inner_behaviours)]))
    try:
        made = _hostile_make(base, kind, draw(_hostile_contents(base)), maxlen, inner)
        value = _hostile_built(how, made)
    except (ValueError, KeyError):
        assume(False)  # a refusing subclass cannot be built from these contents
    depth = draw(st.integers(0, 2))
    where = st.sampled_from(_HOSTILE_KEYS) if base in (*_MAPPING_BASES, set) else st.integers(-3, 3)
    edits = draw(
        st.lists(
            st.tuples(st.sampled_from(sorted(EDITS[base])), where, _hostile_values), max_size=6
        )
    )
    return HostileCase(base, kind.__name__, how, depth, _hostile_placed(depth, value), tuple(edits))


def hostile_program(case: HostileCase) -> Any:
    """The program of ``case``: a generator function yielding each edit's result."""
    from tests.fidelity.subclass_kinds import edit

    def program(root: Any) -> Any:
        for name, where, value in case.edits:
            yield edit(
                hostile_located(root, case.depth), case.base, name, where, hostile_value(value)
            )

    return program
