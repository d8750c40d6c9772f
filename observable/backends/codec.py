"""The safe codec backends use: JSON, plus a registry of the Python types JSON lacks.

Plain JSON values (``None``, ``bool``, ``int``, ``float``, ``str``, ``list`` and ``dict``
with string keys) are written as themselves. Every other value becomes a *tagged* object,
``{"$": tag, ...}``:

============================== ==============================================
Python                         tag
============================== ==============================================
``tuple``                      ``tuple`` (``"v"``: items)
``set`` / ``frozenset``        ``set`` / ``frozenset``
``bytes`` / ``bytearray``      ``bytes`` / ``bytearray`` (base64)
``dict`` with other keys       ``dict`` (``"v"``: ``[[key, value], ...]``)
``OrderedDict``, ``Counter``   ``odict``, ``counter`` (pairs)
``defaultdict``                ``ddict`` (pairs, plus a factory: a builtin
                               type or a registered type)
``deque``                      ``deque`` (items and ``maxlen``)
``datetime``, ``date``,        ``datetime``, ``date``, ``time``, ``timedelta``,
``time``, ``timedelta``,       ``timezone``, ``zone`` (``zoneinfo``)
``timezone``, ``ZoneInfo``
``Decimal``, ``Fraction``,     ``decimal``, ``fraction``, ``complex``,
``complex``, ``UUID``,         ``uuid``, ``range``, ``slice``
``range``, ``slice``
dataclass, ``NamedTuple``,     ``obj`` (``"t"``: the registered name,
``Enum`` and registered types  ``"v"``: the encoded state), ``enum``
:data:`~observable.MISSING`,   ``missing``, ``member``
:class:`~observable.Member`
============================== ==============================================

A plain dict that has a ``"$"`` key is written in the ``dict`` pair form, so tags never
collide with data.

**User types.** :func:`register_type` teaches the codec a class, under a stable name.
Without ``encode``/``decode`` functions the instance attributes are stored and restored
without calling ``__init__``. Dataclasses, ``NamedTuple`` classes and ``Enum`` classes work
without registration, as long as the reading process has imported the module that
defines them (the codec never imports a module named in the data). A value of any other
type raises :class:`CodecError`, which names the type and how to register it.

**Pickle** is off by default. ``Codec(allow_pickle=True)`` (URL option ``pickle=1``)
pickles values of unregistered types and unpickles them when reading. Unpickling runs
arbitrary code chosen by whoever wrote the data: enable it only when every process that
can write to the backend (and the backend itself) is fully trusted. A codec without
pickle refuses pickled data it reads, with a :class:`CodecError`.

Limits: JSON has no identity, so a mutable value reached twice is written twice and read
back as two copies, and a cyclic value raises :class:`CodecError`.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import json
import pickle
import sys
import threading
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from ..change import MISSING, Change, Effect, Member, Missing
from ..values import instance_attributes

__all__ = [
    "DEFAULT_CODEC",
    "Codec",
    "CodecError",
    "EncodedChange",
    "register_type",
    "registered_types",
    "unregister_type",
]

T = TypeVar("T", bound=type)


class CodecError(TypeError):
    """A value cannot be encoded, or stored data cannot be decoded, by the backend codec."""


class EncodedChange(NamedTuple):
    """A change decoded from a backend, with whether it was made inside ``store.silent()``."""

    change: Change
    silent: bool


class _Registration(NamedTuple):
    cls: type
    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


_by_type: dict[type, _Registration] = {}
_by_name: dict[str, _Registration] = {}
_registry_lock = threading.Lock()

_BUILTIN_BASES = (
    int,
    float,
    complex,
    str,
    bytes,
    bytearray,
    tuple,
    list,
    dict,
    set,
    frozenset,
    collections.deque,
)


def _default_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _attributes_encoder(value: Any) -> dict[str, Any]:
    return instance_attributes(value)


def _attributes_decoder(cls: type) -> Callable[[Any], Any]:
    def decode(state: Any) -> Any:
        if not isinstance(state, dict):
            raise CodecError(f"stored state of {cls.__qualname__} is not a mapping of attributes")
        instance: Any = object.__new__(cls)
        for name, item in state.items():
            object.__setattr__(instance, name, item)
        return instance

    return decode


def _namedtuple_decoder(cls: type) -> Callable[[Any], Any]:
    def decode(state: Any) -> Any:
        return tuple.__new__(cls, state)

    return decode


def register_type(
    cls: T,
    *,
    name: str | None = None,
    encode: Callable[[Any], Any] | None = None,
    decode: Callable[[Any], Any] | None = None,
) -> T:
    """Teach every codec to store instances of ``cls`` under ``name``; return ``cls``.

    ``encode(value)`` returns something the codec can store (it may contain other
    registered types); ``decode(state)`` rebuilds the value. Without them the instance
    attributes (``__dict__`` and slots) are stored and restored without calling
    ``__init__``. ``name`` defaults to ``module.QualName`` and must be the same in every
    process. Registering a name again replaces it (a Streamlit script that reruns
    re-registers its classes). Usable as a class decorator.
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_type() needs a class, not {cls!r}")
    if (encode is None) != (decode is None):
        raise TypeError("give both encode= and decode=, or neither")
    if encode is None or decode is None:
        if issubclass(cls, tuple) and hasattr(cls, "_fields"):
            encode, decode = list, _namedtuple_decoder(cls)
        elif issubclass(cls, _BUILTIN_BASES):
            raise TypeError(
                f"{cls.__qualname__} subclasses a builtin type: give encode= and decode= "
                "functions to register it"
            )
        else:
            encode, decode = _attributes_encoder, _attributes_decoder(cls)
    key = name if name is not None else _default_name(cls)
    if not isinstance(key, str) or not key:
        raise TypeError(f"a registered name must be a non-empty str, not {key!r}")
    registration = _Registration(cls, key, encode, decode)
    with _registry_lock:
        previous = _by_name.get(key)
        if previous is not None:
            _by_type.pop(previous.cls, None)
        _by_type[cls] = registration
        _by_name[key] = registration
    return cls


def unregister_type(cls_or_name: type | str) -> None:
    """Forget a registered type, given by class or by name."""
    with _registry_lock:
        if isinstance(cls_or_name, str):
            registration = _by_name.pop(cls_or_name, None)
            if registration is not None:
                _by_type.pop(registration.cls, None)
        else:
            registration = _by_type.pop(cls_or_name, None)
            if registration is not None:
                _by_name.pop(registration.name, None)


def registered_types() -> dict[str, type]:
    """Return the registered names and their classes."""
    with _registry_lock:
        return {name: registration.cls for name, registration in _by_name.items()}


def _lookup_loaded(name: str) -> type | None:
    """Find a class by ``module.QualName`` among modules already imported (never import)."""
    module_name, _, qualname = name.rpartition(".")
    while module_name:
        module = sys.modules.get(module_name)
        if module is not None:
            target: Any = module
            for part in qualname.split("."):
                target = getattr(target, part, None)
                if target is None:
                    break
            if isinstance(target, type):
                return target
        module_name, _, head = module_name.rpartition(".")
        qualname = f"{head}.{qualname}"
    return None


def _is_automatic(cls: type) -> bool:
    """Tell whether ``cls`` may be stored without registration (dataclass or NamedTuple)."""
    return dataclasses.is_dataclass(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))


def _registration_for_name(name: str) -> _Registration:
    registration = _by_name.get(name)
    if registration is not None:
        return registration
    cls = _lookup_loaded(name)
    if cls is not None and _is_automatic(cls) and _default_name(cls) == name:
        register_type(cls)
        return _by_name[name]
    raise CodecError(
        f"cannot decode a value of type {name!r}: no such type is registered in this process. "
        "Import the module that defines it, or call "
        f"observable.backends.codec.register_type(ThatClass, name={name!r}) "
        "before the store is opened"
    )


_DEFAULT_FACTORIES: dict[str, Any] = {
    t.__name__: t for t in (list, dict, set, frozenset, tuple, int, float, str, bytes, bool)
}
_FACTORY_NAMES = {factory: name for name, factory in _DEFAULT_FACTORIES.items()}


def _b64(data: bytes | bytearray) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise CodecError("bytes must be stored as base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class Codec:
    """Encodes values and changes as JSON text, and decodes them again.

    ``allow_pickle=True`` pickles values of unregistered types and unpickles them on
    reading; see the module documentation before enabling it.
    """

    __slots__ = ("_dumps", "_handlers", "allow_pickle")

    def __init__(self, *, allow_pickle: bool = False) -> None:
        self.allow_pickle = allow_pickle
        """Whether unregistered types are pickled, and pickled data is unpickled."""
        self._dumps = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=True
        ).encode
        self._handlers: dict[type, Callable[[Any], Any]] = {
            tuple: lambda v: {"$": "tuple", "v": [self.to_json(x) for x in v]},
            set: lambda v: {"$": "set", "v": [self.to_json(x) for x in v]},
            frozenset: lambda v: {"$": "frozenset", "v": [self.to_json(x) for x in v]},
            bytes: lambda v: {"$": "bytes", "v": _b64(v)},
            bytearray: lambda v: {"$": "bytearray", "v": _b64(v)},
            collections.deque: lambda v: {
                "$": "deque",
                "v": [self.to_json(x) for x in v],
                "maxlen": v.maxlen,
            },
            collections.OrderedDict: lambda v: {"$": "odict", "v": self._pairs(v)},
            collections.Counter: lambda v: {"$": "counter", "v": self._pairs(v)},
            collections.defaultdict: self._defaultdict,
            datetime.datetime: self._datetime,
            datetime.date: lambda v: {"$": "date", "v": v.isoformat()},
            datetime.time: self._time,
            datetime.timedelta: lambda v: {
                "$": "timedelta",
                "v": [v.days, v.seconds, v.microseconds],
            },
            datetime.timezone: self._timezone,
            zoneinfo.ZoneInfo: lambda v: {"$": "zone", "v": v.key},
            decimal.Decimal: lambda v: {"$": "decimal", "v": str(v)},
            fractions.Fraction: lambda v: {"$": "fraction", "v": [v.numerator, v.denominator]},
            complex: lambda v: {"$": "complex", "v": [v.real, v.imag]},
            uuid.UUID: lambda v: {"$": "uuid", "v": str(v)},
            range: lambda v: {"$": "range", "v": [v.start, v.stop, v.step]},
            slice: lambda v: {
                "$": "slice",
                "v": [self._to_json(x) for x in (v.start, v.stop, v.step)],
            },
            Missing: lambda v: {"$": "missing"},
            Member: lambda v: {"$": "member", "v": v.text},
        }

    def __repr__(self) -> str:
        return f"Codec(allow_pickle={self.allow_pickle})"

    # -- values --------------------------------------------------------------------
    def encode(self, value: Any) -> str:
        """Return the JSON text of ``value``; raise :class:`CodecError` if it has none."""
        return self._dumps(self.to_json(value))

    def decode(self, text: str | bytes) -> Any:
        """Return the value that :meth:`encode` wrote as ``text``."""
        try:
            return json.loads(text, object_hook=self._object_hook)
        except CodecError:
            raise
        except (ValueError, TypeError, KeyError, IndexError) as error:
            raise CodecError(f"stored data is not valid codec JSON: {error}") from error

    def to_json(self, value: Any) -> Any:
        """Return ``value`` as plain JSON data (nested lists, dicts and scalars)."""
        try:
            return self._to_json(value)
        except RecursionError:
            raise CodecError(
                "value is nested too deeply or contains a cycle, which JSON cannot express"
            ) from None

    def _to_json(self, value: Any) -> Any:
        kind = type(value)
        if kind in _JSON_SCALARS:
            return value
        if kind is list:
            return [self._to_json(item) for item in value]
        if kind is dict:
            if "$" not in value:
                out = {}
                for key, item in value.items():
                    if type(key) is not str:
                        return {"$": "dict", "v": self._pairs(value)}
                    out[key] = self._to_json(item)
                return out
            return {"$": "dict", "v": self._pairs(value)}
        handler = self._handlers.get(kind)
        if handler is not None:
            return handler(value)
        return self._other(value)

    def _pairs(self, mapping: Any) -> list[list[Any]]:
        return [[self._to_json(key), self._to_json(item)] for key, item in mapping.items()]

    def _defaultdict(self, value: collections.defaultdict[Any, Any]) -> Any:
        factory = value.default_factory
        if factory is None:
            name: str | None = None
        elif factory in _FACTORY_NAMES:
            name = _FACTORY_NAMES[factory]
        elif isinstance(factory, type) and factory in _by_type:
            name = "obj:" + _by_type[factory].name
        else:
            raise CodecError(
                f"defaultdict with default_factory={factory!r} cannot be encoded: the factory "
                "must be None, a builtin type (list, dict, set, int, ...) or a class given to "
                "observable.backends.codec.register_type()"
            )
        return {"$": "ddict", "f": name, "v": self._pairs(value)}

    def _datetime(self, value: datetime.datetime) -> Any:
        out: dict[str, Any] = {"$": "datetime", "v": value.replace(tzinfo=None).isoformat()}
        if value.tzinfo is not None:
            out["tz"] = self._to_json(value.tzinfo)
        if value.fold:
            out["fold"] = 1
        return out

    def _time(self, value: datetime.time) -> Any:
        out: dict[str, Any] = {"$": "time", "v": value.replace(tzinfo=None).isoformat()}
        if value.tzinfo is not None:
            out["tz"] = self._to_json(value.tzinfo)
        if value.fold:
            out["fold"] = 1
        return out

    def _timezone(self, value: datetime.timezone) -> Any:
        offset = value.utcoffset(None)
        name = value.tzname(None)
        default = datetime.timezone(offset).tzname(None)
        return {
            "$": "timezone",
            "v": [offset.days, offset.seconds, offset.microseconds],
            "name": None if name == default else name,
        }

    def _other(self, value: Any) -> Any:
        from ..proxies.base import PROXY_TYPES, unwrap

        kind = type(value)
        if kind in PROXY_TYPES:
            return self._to_json(unwrap(value))
        registration = _by_type.get(kind)
        if registration is None and _is_automatic(kind):
            register_type(kind)
            registration = _by_type[kind]
        if registration is not None:
            return {
                "$": "obj",
                "t": registration.name,
                "v": self._to_json(registration.encode(value)),
            }
        if isinstance(value, enum.Enum):
            return {"$": "enum", "t": _default_name(kind), "v": self._to_json(value.value)}
        if self.allow_pickle:
            try:
                data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as error:
                raise CodecError(f"cannot pickle a {kind.__qualname__}: {error}") from error
            return {"$": "pickle", "v": _b64(data)}
        raise CodecError(
            f"cannot store a value of type {kind.__module__}.{kind.__qualname__} in the "
            f"backend: the codec knows JSON types, set, tuple, bytes, datetime, Decimal, "
            f"deque, dataclasses, NamedTuples, enums and registered types. Register it with "
            f"observable.backends.codec.register_type({kind.__qualname__}) (optionally with "
            "encode=/decode= functions) in every process, or convert it to a supported type"
        )

    # -- decoding --------------------------------------------------------------------
    def _object_hook(self, obj: dict[str, Any]) -> Any:
        tag = obj.get("$")
        if tag is None:
            return obj
        value: Any = obj.get("v")
        if tag == "tuple":
            return tuple(value)
        if tag == "dict":
            return dict(map(tuple, value))
        if tag == "set":
            return set(value)
        if tag == "frozenset":
            return frozenset(value)
        if tag == "bytes":
            return _unb64(value)
        if tag == "bytearray":
            return bytearray(_unb64(value))
        if tag == "deque":
            return collections.deque(value, obj.get("maxlen"))
        if tag == "odict":
            return collections.OrderedDict(map(tuple, value))
        if tag == "counter":
            return collections.Counter(dict(map(tuple, value)))
        if tag == "ddict":
            return self._decode_defaultdict(obj.get("f"), value)
        if tag == "datetime":
            result = datetime.datetime.fromisoformat(value)
            return result.replace(tzinfo=obj.get("tz"), fold=obj.get("fold", 0))
        if tag == "date":
            return datetime.date.fromisoformat(value)
        if tag == "time":
            moment = datetime.time.fromisoformat(value)
            return moment.replace(tzinfo=obj.get("tz"), fold=obj.get("fold", 0))
        if tag == "timedelta":
            return datetime.timedelta(*value)
        if tag == "timezone":
            offset = datetime.timedelta(*value)
            name = obj.get("name")
            return datetime.timezone(offset) if name is None else datetime.timezone(offset, name)
        if tag == "zone":
            return zoneinfo.ZoneInfo(value)
        if tag == "decimal":
            return decimal.Decimal(value)
        if tag == "fraction":
            return fractions.Fraction(*value)
        if tag == "complex":
            return complex(*value)
        if tag == "uuid":
            return uuid.UUID(value)
        if tag == "range":
            return range(*value)
        if tag == "slice":
            return slice(*value)
        if tag == "missing":
            return MISSING
        if tag == "member":
            return Member(value)
        if tag == "obj":
            return _registration_for_name(obj["t"]).decode(value)
        if tag == "enum":
            return self._decode_enum(obj["t"], value)
        if tag == "pickle":
            if not self.allow_pickle:
                raise CodecError(
                    "refusing to unpickle data read from the backend: pickle is disabled. "
                    "Enable it (pickle=1 in the store URL) only if every writer is trusted"
                )
            return pickle.loads(_unb64(value))
        raise CodecError(f"unknown codec tag {tag!r}")

    def _decode_defaultdict(self, factory_name: Any, pairs: Any) -> Any:
        factory: Any
        if factory_name is None:
            factory = None
        elif factory_name in _DEFAULT_FACTORIES:
            factory = _DEFAULT_FACTORIES[factory_name]
        elif isinstance(factory_name, str) and factory_name.startswith("obj:"):
            factory = _registration_for_name(factory_name[4:]).cls
        else:
            raise CodecError(f"unknown defaultdict factory {factory_name!r}")
        result: collections.defaultdict[Any, Any] = collections.defaultdict(factory)
        for key, item in pairs:
            result[key] = item
        return result

    def _decode_enum(self, name: str, value: Any) -> Any:
        registration = _by_name.get(name)
        cls = registration.cls if registration is not None else _lookup_loaded(name)
        if cls is None or not issubclass(cls, enum.Enum):
            raise CodecError(
                f"cannot decode a member of enum {name!r}: import the module that defines it"
            )
        return cls(value)

    # -- changes ---------------------------------------------------------------------
    def encode_change(self, change: Change, *, silent: bool = False) -> str:
        """Return the JSON text of ``change`` without its ``seq`` (the backend numbers it).

        An origin the codec cannot store is written as its ``repr``.
        """
        try:
            origin = self.to_json(change.origin)
        except CodecError:
            origin = repr(change.origin)
        record = [
            [self.to_json(key) for key in change.path],
            change.op,
            [self.to_json(arg) for arg in change.args],
            self._effect_to_json(change.effect),
            origin,
        ]
        if silent:
            record.append(1)
        try:
            return self._dumps(record)
        except RecursionError:
            raise CodecError("change is nested too deeply to encode") from None

    def _effect_to_json(self, effect: Effect) -> Any:
        kind = effect[0]
        enc = self.to_json
        if kind == "splice":
            return [kind, effect[1], [enc(v) for v in effect[2]], [enc(v) for v in effect[3]]]
        if kind == "permute":
            return [kind, list(effect[1])]
        if kind in ("item", "attr"):
            return [kind, enc(effect[1]), enc(effect[2]), enc(effect[3])]
        if kind == "members":
            return [kind, [enc(v) for v in effect[1]], [enc(v) for v in effect[2]]]
        if kind == "reorder":
            return [kind, [enc(v) for v in effect[1]], [enc(v) for v in effect[2]]]
        if kind == "sequence":
            return [kind, [self._effect_to_json(step) for step in effect[1]]]
        raise CodecError(f"unknown effect kind {kind!r}")

    def decode_changes(self, text: str | bytes, first_seq: int) -> list[EncodedChange]:
        """Decode a JSON array of encoded changes, numbering them from ``first_seq``."""
        records = self.decode(text)
        if not isinstance(records, list):
            raise CodecError("stored changes must be a JSON array")
        return [self.change_from_json(record, first_seq + i) for i, record in enumerate(records)]

    def decode_change(self, text: str | bytes, seq: int) -> EncodedChange:
        """Decode one change written by :meth:`encode_change`, giving it ``seq``."""
        return self.change_from_json(self.decode(text), seq)

    def change_from_json(self, record: Any, seq: int) -> EncodedChange:
        """Rebuild a change from its decoded JSON record."""
        try:
            path, op, args, effect, origin = record[:5]
            change = Change(
                seq,
                tuple(path),
                op,
                tuple(args),
                _effect_from_json(effect),
                origin,
            )
        except CodecError:
            raise
        except (ValueError, TypeError, IndexError) as error:
            raise CodecError(f"stored change {seq} is malformed: {error}") from error
        return EncodedChange(change, len(record) > 5 and bool(record[5]))


def _effect_from_json(effect: Any) -> Effect:
    kind = effect[0]
    if kind == "splice":
        return (kind, effect[1], tuple(effect[2]), tuple(effect[3]))
    if kind == "permute":
        return (kind, tuple(effect[1]))
    if kind in ("item", "attr"):
        return (kind, effect[1], effect[2], effect[3])
    if kind in ("members", "reorder"):
        return (kind, tuple(effect[1]), tuple(effect[2]))
    if kind == "sequence":
        return (kind, tuple(_effect_from_json(step) for step in effect[1]))
    raise CodecError(f"unknown effect kind {kind!r}")


DEFAULT_CODEC = Codec()
"""The codec backends use unless told otherwise: JSON and registered types, no pickle."""
