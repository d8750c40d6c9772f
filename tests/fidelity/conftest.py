"""Runs every differential test of the battery twice: on a private observed copy, and on a
copy-on-write session of a shared default (``observable.observe_shared``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fidelity.harness import differential, sharing


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give each test of a module that uses the differential harness both modes."""
    if getattr(metafunc.module, "differential", None) is differential:
        metafunc.fixturenames.append("root_mode")
        metafunc.parametrize("root_mode", ["private", "shared"])


@pytest.fixture(autouse=True)
def _observe_roots_as_asked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Observe differential roots privately or as a shared session, as the test's id says."""
    callspec = getattr(request.node, "callspec", None)
    sharing.on = callspec is not None and callspec.params.get("root_mode") == "shared"
    try:
        yield
    finally:
        sharing.on = False
