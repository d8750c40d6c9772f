"""Synced dashboards: rooms whose widgets and ``st.session_state`` are shared, with presence.

```python
room = select_room()                      # sidebar; also ?room=...
with sync(room):                          # widgets and session_state shared in the room
    x = st.slider("x", 0, 100, key="x")
    name = st.text_input("name", key=not_synced("name"))   # private to this session
    st.write(room_presence(room))         # who is here now
```

Built on the shared ``observable.Store`` (so ``OBSERVABLE_STORE_URL`` makes rooms durable
or shared between servers) and on ``server_state``'s binding and coalesced reruns.
"""

from __future__ import annotations

from .block import READ_ONLY_MESSAGE, leave_room, not_synced, sync
from .presence import Presence, room_presence
from .rooms import Room, private_room, select_room

__all__ = [
    "READ_ONLY_MESSAGE",
    "Presence",
    "Room",
    "leave_room",
    "not_synced",
    "private_room",
    "room_presence",
    "select_room",
    "sync",
]
