"""``observable_streamlit`` in one process: the drop-in API, AppTest runs, rendering, the panel.

``AppTest`` has no real runtime and one session id, so reruns of other sessions are no-ops
there; what it can check is that everything works single-session without errors, that
observed values render exactly like plain ones, and what the journal panel shows.
Cross-session behaviour is tested against a real server in ``test_streamlit_server_state``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from observable_streamlit import (
    MissingKeyError,
    ReadOnlyError,
    RerunSuppressedError,
    bound_sessions,
    force_rerun_bound_sessions,
    journal_rows,
    locks_of,
    no_rerun,
    readonly,
    recent_changes,
    remove_room,
    room,
    rooms,
    server_state,
    server_state_lock,
    shared_store,
)
from observable_streamlit._bindings import MAX_FRAGMENTS_PER_BINDING, Bindings
from streamlit.testing.v1 import AppTest

import observable

APPTEST_SESSION = "test session id"  # every AppTest run uses this session id


def unique(prefix: str) -> str:
    """Return a key no other test uses (the store is process-wide)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def run_app(tmp_path: Path, source: str, **kwargs: Any) -> AppTest:
    """Write ``source`` as an app script and run it once under AppTest."""
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(source))
    app = AppTest.from_file(str(script), **kwargs)
    app.run(timeout=30)
    return app


# -- packaging -------------------------------------------------------------------------


def test_missing_streamlit_raises_an_import_error_naming_the_extra() -> None:
    """Without streamlit, importing the integration says which extra to install."""
    code = (
        "import sys\n"
        "sys.modules['streamlit'] = None\n"
        "try:\n"
        "    import observable_streamlit\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert 'pip install "observable-journal[streamlit]"' in result.stdout


def test_the_streamlit_server_state_names_exist() -> None:
    """The four names of streamlit-server-state 0.20 are importable from the drop-in."""
    import observable_streamlit

    for name in ("server_state", "server_state_lock", "no_rerun", "force_rerun_bound_sessions"):
        assert name in observable_streamlit.__all__
        assert getattr(observable_streamlit, name) is not None


# -- the mapping, without a session ------------------------------------------------------


def test_server_state_reads_and_writes_like_a_mapping() -> None:
    """Item and attribute access, ``in``, get, setdefault, del; values come back observed."""
    key = unique("mapping")
    assert key not in server_state
    assert server_state.get(key, "absent") == "absent"
    server_state[key] = [1]
    assert key in server_state and key in list(server_state)
    assert observable.is_observed(server_state[key])
    getattr(server_state, key).append(2)
    assert server_state[key] == [1, 2]
    assert server_state.setdefault(key, []) == [1, 2]
    setattr(server_state, key, {"a": 1})
    assert shared_store()[key] == {"a": 1}
    delattr(server_state, key)
    with pytest.raises(MissingKeyError):
        del server_state[key]
    with pytest.raises(KeyError):
        server_state[key]
    with pytest.raises(AttributeError):
        getattr(server_state, key)
    assert not hasattr(server_state, key)
    with pytest.raises(TypeError):
        server_state[1]  # type: ignore[index]
    server_state[f"{key}/a/b"] = 1  # every string is a key
    assert server_state[f"{key}/a/b"] == 1 and f"{key}/a/b" in server_state
    del server_state[f"{key}/a/b"]
    assert 1 not in server_state


def test_rooms_and_the_read_only_view() -> None:
    """Rooms namespace keys; a read-only view reads the same values and refuses every edit."""
    name = unique("room")
    chat = room(name)
    messages = chat.setdefault("messages", [])
    messages.append("hi")
    assert name in rooms()
    assert shared_store().room(name)["messages"] == ["hi"]
    spectator = room(name, readonly())
    assert spectator["messages"] == ["hi"]
    with pytest.raises(ReadOnlyError):
        spectator["messages"].append("no")
    with pytest.raises(ReadOnlyError):
        spectator["messages"] = []
    remove_room(name)
    assert name not in rooms()


def test_locks_are_reentrant_per_key_and_reach_room_keys() -> None:
    """server_state_lock[key] is a re-entrant lock per key; ``locks_of(room)`` has a room's."""
    key = unique("locked")
    server_state[key] = 0
    lock = server_state_lock[key]
    assert lock is getattr(server_state_lock, key)
    assert key in server_state_lock and key in list(server_state_lock)
    with lock, lock:  # re-entrant
        held = threading.Event()
        other = threading.Thread(target=lambda: held.set() if lock.acquire(False) else None)
        other.start()
        other.join(5)
        assert not held.is_set()
    assert locks_of(room(f"{key}room"))["messages"] is shared_store().room(f"{key}room").lock(
        "messages"
    )
    del server_state[key]


def test_no_rerun_silences_the_store_and_refuses_force_rerun() -> None:
    """Inside no_rerun, subscribers hear nothing and force_rerun_bound_sessions raises."""
    key = unique("silent")
    server_state[key] = []
    heard: list[str] = []
    unsubscribe = shared_store().subscribe(key, lambda k, changes: heard.append(k))
    try:
        with no_rerun:
            server_state[key].append(1)
            with no_rerun():
                server_state[key].append(2)
            server_state[key].append(3)
            with pytest.raises(RerunSuppressedError):
                force_rerun_bound_sessions(key)
        assert heard == [] and server_state[key] == [1, 2, 3]
        server_state[key].append(4)
        assert heard == [key]
        assert force_rerun_bound_sessions(key) == 0  # no runtime: nothing to rerun
    finally:
        unsubscribe()
        del server_state[key]


def test_reads_outside_a_session_bind_nothing() -> None:
    """Bare Python has no session: reading binds nobody, and changes carry no origin."""
    key = unique("bare")
    server_state[key] = [1]
    assert server_state[key] == [1]
    assert bound_sessions(key) == frozenset()
    server_state[key].append(2)
    assert shared_store().journal.since(shared_store().journal.version - 1)[0].origin is None
    del server_state[key]


# -- bindings ------------------------------------------------------------------------------


def test_bindings_whole_script_wins_over_fragments() -> None:
    """A read outside fragments binds the whole script for good; fragment reads add ids."""
    bindings = Bindings()
    assert bindings.bind("k", "s1", "f1") is True
    assert bindings.bind("k", "s1", "f2") is False
    assert bindings.bind("k", "s2", None) is True
    targets = bindings.targets("k")
    assert targets.full == {"s2"} and targets.fragments == {"s1": {"f1", "f2"}}
    bindings.bind("k", "s1", None)
    bindings.bind("k", "s1", "f3")
    assert bindings.targets("k").full == {"s1", "s2"} and not bindings.targets("k").fragments
    assert not bindings.targets("other")


def test_bindings_cap_fragment_ids_and_prune_gone_sessions() -> None:
    """Fragment ids per binding are capped (oldest dropped); pruning empties keys."""
    bindings = Bindings()
    for index in range(MAX_FRAGMENTS_PER_BINDING + 5):
        bindings.bind("k", "s1", f"f{index}")
    kept = bindings.targets("k").fragments["s1"]
    assert len(kept) == MAX_FRAGMENTS_PER_BINDING and f"f{MAX_FRAGMENTS_PER_BINDING + 4}" in kept
    bindings.bind("j", "s2", None)
    bindings.watch("s1", "panel")
    assert bindings.watchers() == {"s1": {"panel"}}
    assert bindings.prune(["s1", "unknown"]) == ["k"]
    assert bindings.sessions() == {"s2"} and bindings.keys() == {"j"}
    assert bindings.watchers() == {}
    assert bindings.prune(["s1"]) == []


# -- AppTest ---------------------------------------------------------------------------------

SINGLE_SESSION_APP = """
import streamlit as st
from observable_streamlit import (
    bound_sessions, force_rerun_bound_sessions, journal_panel, no_rerun, rerun_writer,
    server_state, server_state_lock,
)

KEY = "{key}"
with server_state_lock[KEY]:
    log = server_state.setdefault(KEY, [])


@st.fragment
def count():
    st.markdown(f"fragment_len={{len(server_state.get(KEY) or [])}}")


if st.button("append"):
    log.append({{"n": len(log)}})
if st.button("many"):
    for _ in range(1000):
        log.append(0)
if st.button("quiet"):
    with no_rerun:
        log.append("quiet")
if st.button("force"):
    st.markdown(f"forced={{force_rerun_bound_sessions(KEY, include_self=True)}}")
if st.button("mine"):
    with rerun_writer():
        log.append("mine")
if st.button("delete"):
    del server_state[KEY]
st.markdown(f"len={{len(server_state.get(KEY) or [])}}")
count()
st.markdown(f"bound={{sorted(bound_sessions(KEY))}}")
with st.sidebar:
    journal_panel(limit=5)
"""


def test_apptest_single_session_works_and_reruns_are_no_ops(tmp_path: Path) -> None:
    """Every feature runs under AppTest without errors; reruns of others do nothing."""
    key = unique("apptest")
    app = run_app(tmp_path, SINGLE_SESSION_APP.format(key=key))
    assert not app.exception
    assert "len=0" in [m.value for m in app.markdown]
    assert f"bound={[APPTEST_SESSION]}" in [m.value for m in app.markdown]
    expected = {"append": "len=1", "many": "len=1001", "quiet": "len=1002", "mine": "len=1003"}
    for button, text in expected.items():
        next(b for b in app.button if b.label == button).click().run(timeout=30)
        assert not app.exception, (button, app.exception)
        assert text in [m.value for m in app.markdown], (button, app.markdown)
    next(b for b in app.button if b.label == "force").click().run(timeout=30)
    assert "forced=0" in [m.value for m in app.markdown]  # no runtime under AppTest
    next(b for b in app.button if b.label == "delete").click().run(timeout=30)
    assert not app.exception and "len=0" in [m.value for m in app.markdown]
    assert key not in shared_store()


def test_journal_panel_shows_time_session_key_path_op_and_args(tmp_path: Path) -> None:
    """The panel lists the newest changes first, with the session that made them."""
    key = unique("panel")
    app = run_app(tmp_path, SINGLE_SESSION_APP.format(key=key))
    next(b for b in app.button if b.label == "append").click().run(timeout=30)
    app.run(timeout=30)  # the panel is drawn before the click's append: look at the next run
    newest = app.sidebar.expander[1]  # [0] holds the filters
    assert newest.label.replace("\\", "").endswith(f"you · {key}.append({{'n': 0}})")
    assert newest.label[:8].count(":") == 2

    entry = recent_changes(1)[0]
    assert entry.key == key and entry.session == APPTEST_SESSION and entry.op == "append"
    server_state[key][0]["n"] = 5  # a nested change made outside any session
    row = journal_rows(recent_changes(1))[0]
    assert row["session"] == "thread" and row["path"] == f"{key}[0]" and row["op"] == "setitem"
    assert row["time"].count(":") == 2 and "." in row["time"]
    assert recent_changes(2)[0].received >= recent_changes(2)[1].received
    del server_state[key]


# -- rendering -------------------------------------------------------------------------------

RENDER_APP = """
import streamlit as st
import observable
from observable_streamlit import readonly, server_state

VALUES = {
    "nested": {"rows": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}], "tags": {"t"}, "pair": (1, [2])},
    "records": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}],
    "columns": {"a": [1, 2, 3], "b": ["x", "y", "z"]},
    "scalars": [3, 1, 2],
    "empty": {},
}
for name, value in VALUES.items():
    server_state["{prefix}" + name] = value

plain = {name: observable.snapshot(server_state["{prefix}" + name]) for name in VALUES}
observed = {name: server_state["{prefix}" + name] for name in VALUES}
spectator = {name: readonly()["{prefix}" + name] for name in VALUES}

mode = "{mode}"
source = {"plain": plain, "observed": observed, "readonly": spectator}[mode]
for name in VALUES:
    value = source[name]
    st.write(value)
    st.json(value)
    if name != "nested":
        st.dataframe(value)
        st.table(value)
st.write(source["records"][0])
st.json(source["nested"]["rows"])
"""


def _element_protos(app: AppTest) -> list[str]:
    """Return every element of the main area as its serialized proto, in order."""
    protos: list[str] = []

    def walk(node: Any) -> None:
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if proto is not None:
                protos.append(f"{type(child).__name__}:{proto}")
            walk(child)

    walk(app.main)
    return protos


def test_observed_values_render_exactly_like_plain_values(tmp_path: Path) -> None:
    """st.write, st.json, st.dataframe and st.table give the same protos for observed values."""
    prefix = unique("render") + "_"
    rendered = {}
    for mode in ("plain", "observed", "readonly"):
        folder = tmp_path / mode
        folder.mkdir()
        app = run_app(folder, RENDER_APP.replace("{prefix}", prefix).replace("{mode}", mode))
        assert not app.exception, app.exception
        rendered[mode] = _element_protos(app)
    assert len(rendered["plain"]) == 20  # 5 x (write, json) + 4 x (dataframe, table) + 2
    kinds = {proto.split(":", 1)[0] for proto in rendered["plain"]}
    assert kinds == {"Json", "Dataframe", "Table"}
    assert r"\"tags\": [\"t\"]" in rendered["plain"][0]  # JSON, not a repr string
    assert rendered["observed"] == rendered["plain"]
    assert rendered["readonly"] == rendered["plain"]


def test_the_version_guard_covers_the_json_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Streamlit's JSON default function the guard names it; installing is idempotent."""
    from observable_streamlit import _runtime
    from streamlit.elements import json as json_element

    hooked = json_element._ensure_serialization
    _runtime.install_json_unwrapper(lambda value: value)  # already installed: no second wrap
    assert json_element._ensure_serialization is hooked
    monkeypatch.delattr(json_element, "_ensure_serialization")
    with pytest.raises(_runtime.UnsupportedStreamlitVersion, match="_ensure_serialization"):
        _runtime.check_streamlit_version()


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("name", ["chat", "counter", "task_board", "background_job"])
def test_every_streamlit_example_runs(name: str) -> None:
    """Each example runs single-session under AppTest without an exception."""
    app = AppTest.from_file(str(EXAMPLES / f"{name}.py"))
    app.run(timeout=30)
    assert not app.exception, app.exception


def test_the_chat_example_shows_a_sent_message_and_logs_it() -> None:
    """Sending a chat message appends it in place; the writer sees it and the panel logs it."""
    text = f"hello {uuid.uuid4().hex[:6]}"
    app = AppTest.from_file(str(EXAMPLES / "chat.py"))
    app.run(timeout=30)
    app.chat_input[0].set_value(text).run(timeout=30)
    assert not app.exception
    assert any(text in markdown.value for markdown in app.markdown)
    # The sidebar's panel was drawn before the body appended; on a server the writer's panel
    # fragment reruns after its run, and AppTest has no reruns: look at the next run.
    app.run(timeout=30)
    newest = app.sidebar.expander[1].label.replace("\\", "")  # [0] holds the filters
    name = app.sidebar.text_input[0].value
    assert f"{name} · general/messages.append(" in newest  # the origin the example sets
    assert text in app.sidebar.expander[1].code[0].value
