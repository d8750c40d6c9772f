"""Core additions made for the Streamlit integration: ``set_origin`` and read-only dict views."""

from __future__ import annotations

import threading

import pytest

import observable
from observable.origin import reset_origin, set_origin


def test_set_origin_tags_later_changes_until_reset() -> None:
    """set_origin tags every later change in this context; reset_origin undoes it."""
    journal = observable.Journal()
    items = observable.observe([], journal)
    token = set_origin("session-1")
    try:
        items.append(1)
        with observable.origin("bot"):  # an explicit block still wins
            items.append(2)
        items.append(3)
        assert observable.current_origin() == "session-1"
    finally:
        reset_origin(token)
    items.append(4)
    assert [change.origin for change in journal.since(0)] == ["session-1", "bot", "session-1", None]


def test_set_origin_stays_in_its_thread() -> None:
    """Another thread starts with no origin (contexts are per thread)."""
    token = set_origin("session-1")
    seen: list[object] = []
    try:
        worker = threading.Thread(target=lambda: seen.append(observable.current_origin()))
        worker.start()
        worker.join(5)
    finally:
        reset_origin(token)
    assert seen == [None]


def test_readonly_dict_view_supports_keys_and_dict() -> None:
    """Methods of the proxy class itself (``keys``) work on a view; ``dict(view)`` too."""
    view = observable.readonly(observable.observe({"a": [1], "b": 2}))
    assert list(view.keys()) == ["a", "b"]
    assert dict(view) == {"a": [1], "b": 2}
    with pytest.raises(observable.ReadOnlyError):
        view["a"].append(3)
    with pytest.raises(observable.ReadOnlyError):
        view.update({"c": 3})
