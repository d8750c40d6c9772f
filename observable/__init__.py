"""Deep, transparent proxies that record every in-place mutation in a change journal.

>>> import observable
>>> messages = observable.observe([])
>>> messages.append({"text": "hi"})
>>> observable.journal_of(messages).version
1
"""

from __future__ import annotations

from . import _identity  # noqa: F401  (refuses PyPI's unrelated 'observable'; see its doc)
from . import describe as describe
from . import proxies as proxies
from .backends import Backend, BackendUnavailable, MemoryBackend, backend_from_url
from .change import MISSING, Change, Effect, Member, Path
from .errors import Conflict, JournalTruncated, ObservableError, PatchError, ReadOnlyError
from .journal import DEFAULT_RETENTION, Journal, Subscriber
from .observe import PassesThroughRaw, is_observed, journal_of, observe, path_of, snapshot, unwrap
from .origin import current_origin, origin
from .patch import apply, invert, to_json_document, to_json_patch
from .proxies import ObservedProxy
from .readonly import readonly
from .registry import proxy_class_for, register_proxy, unregister_proxy
from .shared import SharedDefault, observe_shared
from .store import ReadOnlyStore, Store
from .store_keys import keys_of
from .values import SCALAR_TYPES, indistinguishable

__all__ = [
    "DEFAULT_RETENTION",
    "MISSING",
    "SCALAR_TYPES",
    "Backend",
    "BackendUnavailable",
    "Change",
    "Conflict",
    "Effect",
    "Journal",
    "JournalTruncated",
    "Member",
    "MemoryBackend",
    "ObservableError",
    "ObservedProxy",
    "PassesThroughRaw",
    "PatchError",
    "Path",
    "ReadOnlyError",
    "ReadOnlyStore",
    "SharedDefault",
    "Store",
    "Subscriber",
    "apply",
    "backend_from_url",
    "current_origin",
    "indistinguishable",
    "invert",
    "is_observed",
    "journal_of",
    "keys_of",
    "observe",
    "observe_shared",
    "origin",
    "path_of",
    "proxy_class_for",
    "readonly",
    "register_proxy",
    "snapshot",
    "to_json_document",
    "to_json_patch",
    "unregister_proxy",
    "unwrap",
]

__version__ = "0.1.0"
