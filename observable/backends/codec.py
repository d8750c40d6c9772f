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
defines them (the codec never imports a module named in the data, and decoding never
registers a type; see :mod:`observable.backends.types`). A value of any other type raises
:class:`CodecError`, which names the type and how to register it.

**Bounded decoding.** Stored text longer than ``max_size`` characters, nested deeper
than ``max_depth`` containers, or holding an integer of more than ``max_digits`` digits
is refused with :class:`CodecError` before it is parsed into values; encoding refuses
the same, so nothing is written that cannot be read back.

**Pickle** is off by default, and only code can turn it on for one store:
``SQLiteBackend(path, codec=Codec(allow_pickle=True))``. No URL option, environment
variable or stored data can enable it. Unpickling runs arbitrary code chosen by whoever
wrote the data: enable it only when every process that can write to the backend (and
the backend itself) is fully trusted. A codec without pickle refuses pickled data it
reads, with a :class:`CodecError`.

Limits: JSON has no identity, so a mutable value reached twice is written twice and read
back as two copies, and a cyclic value raises :class:`CodecError`.
"""

from __future__ import annotations

import base64
import collections
import datetime
import decimal
import enum
import fractions
import json
import pickle
import re
import sys
import uuid
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from ..change import MISSING, Change, Effect, Member, Missing
from ..effects import decode_effect, encode_effect
from ..errors import PatchError
from .errors import CodecError
from .types import (
    default_name,
    enum_member,
    find_enum,
    find_registration,
    register_type,
    registered_types,
    registration_of,
    unregister_type,
)

__all__ = [
    "DEFAULT_CODEC",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_DIGITS",
    "DEFAULT_MAX_SIZE",
    "Codec",
    "CodecError",
    "EncodedChange",
    "UndecodableChange",
    "change_key",
    "register_type",
    "registered_types",
    "unregister_type",
]

DEFAULT_MAX_SIZE = 64 * 1024 * 1024
"""Most characters of one stored text (a value or a log entry) a codec reads."""

DEFAULT_MAX_DEPTH = 100
"""Most nested containers in one stored text."""

DEFAULT_MAX_DIGITS = 4300
"""Most decimal digits of one stored integer (Python's own default limit)."""


class EncodedChange(NamedTuple):
    """A change decoded from a backend, with whether it was made inside ``store.silent()``."""

    change: Change
    silent: bool
    entry: str | None = None
    """Where the change is stored (for error messages)."""


class UndecodableChange(NamedTuple):
    """A stored change that could not be decoded: its ``seq``, key (if known) and error."""

    seq: int
    key: Any
    error: CodecError
    text: str


_DEFAULT_FACTORIES: dict[str, Any] = {
    t.__name__: t for t in (list, dict, set, frozenset, tuple, int, float, str, bytes, bool)
}
_FACTORY_NAMES = {factory: name for name, factory in _DEFAULT_FACTORIES.items()}
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")
_SHORT_TEXT = 100
_DECIMAL_EXPONENT = 999_999
_SHOWN = 300


def _b64(data: bytes | bytearray) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise CodecError("bytes must be stored as base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _too_deep(text: str, limit: int) -> bool:
    """Tell whether JSON ``text`` nests more than ``limit`` containers (C-speed fast path)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _ints(value: Any, count: int, what: str) -> list[int]:
    if (
        not isinstance(value, list)
        or len(value) != count
        or any(type(item) is not int for item in value)
    ):
        raise CodecError(f"a stored {what} needs a list of {count} integers, not {value!r:.80}")
    return value


def _short_str(value: Any, what: str, limit: int = _SHORT_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise CodecError(f"a stored {what} needs a text of at most {limit} characters")
    return value


def _tzinfo(value: Any) -> datetime.tzinfo | None:
    if value is None or isinstance(value, datetime.tzinfo):
        return value
    raise CodecError(f"a stored time zone must be a timezone or zone, not {type(value).__name__}")


def _fold(value: Any) -> int:
    if value not in (0, 1) or type(value) is not int:
        raise CodecError(f"a stored fold must be 0 or 1, not {value!r:.20}")
    return value


def _zone(key: Any) -> zoneinfo.ZoneInfo:
    key = _short_str(key, "zone name")
    if not _ZONE_KEY.fullmatch(key) or ".." in key:
        raise CodecError(f"{key!r} is not a time zone name")
    on_disk = any((Path(root) / key).is_file() for root in zoneinfo.TZPATH)
    if not on_disk and "tzdata" not in sys.modules:
        # ZoneInfo would import the tzdata package: decoding never imports.
        raise CodecError(f"time zone {key!r} is not installed (import tzdata to read it)")
    return zoneinfo.ZoneInfo(key)


def _number(value: Any) -> float | int:
    if type(value) not in (int, float):
        raise CodecError(f"a stored complex part must be a number, not {value!r:.40}")
    return value  # type: ignore[no-any-return]


def change_key(record: Any) -> Any:
    """Return the store key a raw (parsed, undecoded) change record touches, or None."""
    try:
        path, effect = record[0], record[3]
        if path:
            return path[0] if isinstance(path[0], str) else None
        while effect[0] == "sequence" and effect[1]:
            effect = effect[1][0]
        return effect[1] if effect[0] == "item" and isinstance(effect[1], str) else None
    except (TypeError, IndexError, KeyError):
        return None


def _where(key: Any, entry: str | None) -> str:
    where = "stored data" if entry is None else entry
    return where if key is None else f"{where} (store key {key!r:.80})"


def _shown(raw: Any) -> str:
    try:
        text = json.dumps(raw, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(raw)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


class Codec:
    """Encodes values and changes as JSON text, and decodes them again with bounded cost.

    ``allow_pickle=True`` pickles values of unregistered types and unpickles them on
    reading; see the module documentation before enabling it. ``max_size``,
    ``max_depth`` and ``max_digits`` bound what is written and read.
    """

    __slots__ = ("_allow_pickle", "_dumps", "_handlers", "_int_bound", "_tags", "limits")

    def __init__(
        self,
        *,
        allow_pickle: bool = False,
        max_size: int = DEFAULT_MAX_SIZE,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_digits: int = DEFAULT_MAX_DIGITS,
    ) -> None:
        if min(max_size, max_depth, max_digits) < 1:
            raise ValueError("max_size, max_depth and max_digits must be positive")
        self._allow_pickle = bool(allow_pickle)
        self.limits = (max_size, max_depth, max_digits)
        """``(max_size, max_depth, max_digits)``: what this codec refuses to write or read."""
        self._int_bound = 10**max_digits
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
        self._tags: dict[str, Callable[[dict[str, Any]], Any]] = {
            "tuple": lambda o: tuple(self._list(o)),
            "set": lambda o: set(self._list(o)),
            "frozenset": lambda o: frozenset(self._list(o)),
            "bytes": lambda o: _unb64(o.get("v")),
            "bytearray": lambda o: bytearray(_unb64(o.get("v"))),
            "deque": self._decode_deque,
            "dict": lambda o: dict(self._pairs_of(o)),
            "odict": lambda o: collections.OrderedDict(self._pairs_of(o)),
            "counter": lambda o: collections.Counter(dict(self._pairs_of(o))),
            "ddict": self._decode_defaultdict,
            "datetime": lambda o: datetime.datetime.fromisoformat(
                _short_str(o.get("v"), "datetime")
            ).replace(tzinfo=_tzinfo(o.get("tz")), fold=_fold(o.get("fold", 0))),
            "date": lambda o: datetime.date.fromisoformat(_short_str(o.get("v"), "date")),
            "time": lambda o: datetime.time.fromisoformat(_short_str(o.get("v"), "time")).replace(
                tzinfo=_tzinfo(o.get("tz")), fold=_fold(o.get("fold", 0))
            ),
            "timedelta": lambda o: datetime.timedelta(*_ints(o.get("v"), 3, "timedelta")),
            "timezone": self._decode_timezone,
            "zone": lambda o: _zone(o.get("v")),
            "decimal": self._decode_decimal,
            "fraction": self._decode_fraction,
            "complex": lambda o: complex(*(_number(part) for part in self._list(o, 2))),
            "uuid": lambda o: uuid.UUID(_short_str(o.get("v"), "uuid")),
            "range": lambda o: range(*_ints(o.get("v"), 3, "range")),
            "slice": lambda o: slice(*self._list(o, 3)),
            "missing": lambda o: MISSING,
            "member": lambda o: Member(_short_str(o.get("v"), "member", max_size)),
            "obj": lambda o: find_registration(o.get("t")).decode(o.get("v")),
            "enum": lambda o: enum_member(find_enum(o.get("t")), o.get("v")),
            "pickle": self._unpickle,
        }

    @property
    def allow_pickle(self) -> bool:
        """Whether unregistered types are pickled, and pickled data is unpickled (read-only)."""
        return self._allow_pickle

    def __repr__(self) -> str:
        return f"Codec(allow_pickle={self._allow_pickle})"

    # -- values --------------------------------------------------------------------
    def encode(self, value: Any) -> str:
        """Return the JSON text of ``value``; raise :class:`CodecError` if it has none."""
        return self._checked(self._dumps(self.to_json(value)))

    def _checked(self, text: str) -> str:
        """Refuse to write a text this codec would refuse to read."""
        max_size, max_depth, _ = self.limits
        if len(text) > max_size:
            raise CodecError(
                f"the encoded value is {len(text)} characters long; the codec stores at most "
                f"max_size={max_size}"
            )
        if _too_deep(text, max_depth):
            raise CodecError(
                f"the value nests more than max_depth={max_depth} containers, which the "
                "codec refuses to store"
            )
        return text

    def decode(self, text: str | bytes, *, key: Any = None, entry: str | None = None) -> Any:
        """Return the value that :meth:`encode` wrote as ``text``.

        Raise :class:`CodecError` (naming ``key`` and ``entry`` when given) for anything
        else, after a bounded amount of work.
        """
        return self.revive(self.parse(text, key=key, entry=entry), key=key, entry=entry)

    def parse(self, text: str | bytes, *, key: Any = None, entry: str | None = None) -> Any:
        """Parse stored text into plain JSON data, refusing it if it breaks the limits."""
        max_size, max_depth, _ = self.limits
        where = _where(key, entry)
        try:
            if not isinstance(text, str):
                if len(text) > max_size:
                    raise CodecError(f"is {len(text)} bytes long; max_size={max_size}")
                text = bytes(text).decode("utf-8")
            if len(text) > max_size:
                raise CodecError(f"is {len(text)} characters long; max_size={max_size}")
            if _too_deep(text, max_depth):
                raise CodecError(f"nests more than max_depth={max_depth} containers")
            return json.loads(text, parse_int=self._parse_int)
        except CodecError as error:
            raise CodecError(f"{where} {error}", key=key, entry=entry) from None
        except (ValueError, RecursionError) as error:
            raise CodecError(f"{where} is not valid JSON: {error}", key=key, entry=entry) from None

    def _parse_int(self, digits: str) -> int:
        if len(digits) > self.limits[2] + 1:
            raise CodecError(
                f"holds an integer of {len(digits)} digits; max_digits={self.limits[2]}"
            )
        return int(digits)

    def revive(self, raw: Any, *, key: Any = None, entry: str | None = None) -> Any:
        """Turn parsed JSON data back into the values it stands for (tags included)."""
        try:
            return self._revive(raw)
        except CodecError as error:
            raise CodecError(
                f"{_where(key, entry)} cannot be decoded: {error}", key=key, entry=entry
            ) from None
        except Exception as error:  # bad data may break any constructor
            raise CodecError(
                f"{_where(key, entry)} cannot be decoded: {type(error).__name__}: {error}",
                key=key,
                entry=entry,
            ) from error

    def _revive(self, raw: Any) -> Any:
        kind = type(raw)
        if kind is list:
            return [self._revive(item) for item in raw]
        if kind is dict:
            if "$" in raw:
                tag = raw["$"]
                handler = self._tags.get(tag) if isinstance(tag, str) else None
                if handler is None:
                    raise CodecError(f"unknown codec tag {tag!r:.40}")
                return handler({name: self._revive(item) for name, item in raw.items()})
            return {name: self._revive(item) for name, item in raw.items()}
        return raw

    def _list(self, obj: dict[str, Any], count: int | None = None) -> list[Any]:
        value = obj.get("v")
        if not isinstance(value, list) or (count is not None and len(value) != count):
            raise CodecError(f"a stored {obj['$']} needs a list")
        return value

    def _pairs_of(self, obj: dict[str, Any]) -> list[tuple[Any, Any]]:
        pairs = self._list(obj)
        if any(not isinstance(pair, list) or len(pair) != 2 for pair in pairs):
            raise CodecError(f"a stored {obj['$']} needs a list of [key, value] pairs")
        return [(pair[0], pair[1]) for pair in pairs]

    def _decode_deque(self, obj: dict[str, Any]) -> collections.deque[Any]:
        maxlen = obj.get("maxlen")
        if maxlen is not None and (type(maxlen) is not int or maxlen < 0):
            raise CodecError(f"a stored deque has maxlen {maxlen!r:.20}")
        return collections.deque(self._list(obj), maxlen)

    def _decode_defaultdict(self, obj: dict[str, Any]) -> Any:
        name = obj.get("f")
        factory: Any
        if name is None:
            factory = None
        elif isinstance(name, str) and name in _DEFAULT_FACTORIES:
            factory = _DEFAULT_FACTORIES[name]
        elif isinstance(name, str) and name.startswith("obj:") and name[4:] in registered_types():
            factory = registered_types()[name[4:]]  # only classes registered in code
        else:
            raise CodecError(f"unknown defaultdict factory {name!r:.80}")
        result: collections.defaultdict[Any, Any] = collections.defaultdict(factory)
        result.update(self._pairs_of(obj))
        return result

    def _decode_timezone(self, obj: dict[str, Any]) -> datetime.timezone:
        offset = datetime.timedelta(*_ints(obj.get("v"), 3, "timezone"))
        name = obj.get("name")
        if name is None:
            return datetime.timezone(offset)
        return datetime.timezone(offset, _short_str(name, "timezone name"))

    def _decode_decimal(self, obj: dict[str, Any]) -> decimal.Decimal:
        text = _short_str(obj.get("v"), "decimal", self.limits[2] + 40)
        number = decimal.Decimal(text)
        if number.is_finite() and abs(number.adjusted()) > _DECIMAL_EXPONENT:
            raise CodecError(f"a stored decimal has an exponent beyond ±{_DECIMAL_EXPONENT}")
        return number

    def _decode_fraction(self, obj: dict[str, Any]) -> fractions.Fraction:
        numerator, denominator = _ints(obj.get("v"), 2, "fraction")
        if denominator == 0:
            raise CodecError("a stored fraction has a zero denominator")
        return fractions.Fraction(numerator, denominator)

    def _unpickle(self, obj: dict[str, Any]) -> Any:
        if not self._allow_pickle:
            raise CodecError(
                "refusing to unpickle data read from the backend: pickle is disabled. Only "
                "code can enable it for one store (codec=Codec(allow_pickle=True)), and only "
                "if every writer is trusted"
            )
        return pickle.loads(_unb64(obj.get("v")))

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
            if kind is int and not -self._int_bound < value < self._int_bound:
                raise CodecError(
                    f"an integer of more than max_digits={self.limits[2]} digits cannot be "
                    "stored; store it as text or as smaller parts"
                )
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
        registration = registration_of(factory) if isinstance(factory, type) else None
        if factory is None:
            name: str | None = None
        elif factory in _FACTORY_NAMES:
            name = _FACTORY_NAMES[factory]
        elif registration is not None:
            name = "obj:" + registration.name
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
        registration = registration_of(kind)
        if registration is not None:
            return {
                "$": "obj",
                "t": registration.name,
                "v": self._to_json(registration.encode(value)),
            }
        if isinstance(value, enum.Enum):
            return {"$": "enum", "t": default_name(kind), "v": self._to_json(value.value)}
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

    # -- changes ---------------------------------------------------------------------
    def encode_change(self, change: Change, *, silent: bool = False) -> str:
        """Return the JSON text of ``change`` without its ``seq`` (the backend numbers it).

        The record is ``[path, op, args, effect, origin]``, then ``silent`` (0 or 1) and the
        timestamp when there is one.

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
        if silent or change.timestamp is not None:
            record.append(1 if silent else 0)
        if change.timestamp is not None:
            record.append(change.timestamp)
        try:
            return self._checked(self._dumps(record))
        except RecursionError:
            raise CodecError("change is nested too deeply to encode") from None

    def _effect_to_json(self, effect: Effect) -> Any:
        return encode_effect(effect, self.to_json)

    def decode_entry(
        self, text: str | bytes, first_seq: int, count: int, entry: str
    ) -> list[EncodedChange | UndecodableChange]:
        """Decode a JSON array of ``count`` changes numbered from ``first_seq``.

        Never raises for bad data: each change that cannot be decoded comes back as an
        :class:`UndecodableChange` (all of them, with no key, when the array itself
        cannot be read), so one bad change harms only its own key.
        """
        try:
            records = self.parse(text, entry=entry)
            if not isinstance(records, list) or len(records) != count:
                raise CodecError(f"{entry} must hold a JSON array of {count} changes", entry=entry)
        except CodecError as error:
            shown = _shown(
                text if isinstance(text, str) else bytes(text[:_SHOWN]).decode("latin-1")
            )
            return [UndecodableChange(first_seq + i, None, error, shown) for i in range(count)]
        decoded: list[EncodedChange | UndecodableChange] = []
        for offset, record in enumerate(records):
            seq = first_seq + offset
            key = change_key(record)
            try:
                decoded.append(self.change_from_json(record, seq, entry=entry))
            except CodecError as error:
                decoded.append(UndecodableChange(seq, key, error, _shown(record)))
        return decoded

    def decode_changes(self, text: str | bytes, first_seq: int) -> list[EncodedChange]:
        """Decode a JSON array of encoded changes, numbering them from ``first_seq``.

        Raise :class:`CodecError` for the first change that cannot be decoded.
        """
        records = self.parse(text)
        if not isinstance(records, list):
            raise CodecError("stored changes must be a JSON array")
        return [self.change_from_json(record, first_seq + i) for i, record in enumerate(records)]

    def decode_change(
        self, text: str | bytes, seq: int, *, entry: str | None = None
    ) -> EncodedChange:
        """Decode one change written by :meth:`encode_change`, giving it ``seq``."""
        return self.change_from_json(self.parse(text, entry=entry), seq, entry=entry)

    def change_from_json(self, record: Any, seq: int, *, entry: str | None = None) -> EncodedChange:
        """Rebuild a change from its parsed JSON record; raise :class:`CodecError` if bad."""
        key = change_key(record)
        where = f"{entry or 'stored data'}, change {seq}"
        try:
            if not isinstance(record, list) or len(record) not in (5, 6, 7):
                raise CodecError("a stored change must be a list of 5 to 7 items")
            timestamp = record[6] if len(record) == 7 else None
            if timestamp is not None and type(timestamp) not in (int, float):
                raise CodecError("a stored change's timestamp must be a number")
            path, op, args, effect, origin = (self._revive(part) for part in record[:5])
            if not isinstance(path, list) or not isinstance(args, list):
                raise CodecError("a stored change needs a list path and list args")
            if not isinstance(op, str):
                raise CodecError("a stored change needs a text op")
            change = Change(
                seq, tuple(path), op, tuple(args), _effect_from_json(effect, 0), origin, timestamp
            )
        except CodecError as error:
            raise CodecError(
                f"{_where(key, where)} is malformed: {error}", key=key, entry=where
            ) from None
        except Exception as error:  # bad data may break any constructor
            raise CodecError(
                f"{_where(key, where)} is malformed: {type(error).__name__}: {error}",
                key=key,
                entry=where,
            ) from error
        return EncodedChange(change, len(record) > 5 and bool(record[5]), entry)


_MAX_EFFECT_NESTING = 8


def _effect_from_json(effect: Any, depth: int) -> Effect:
    try:
        return decode_effect(effect, depth)
    except PatchError as error:
        raise CodecError(str(error)) from None


DEFAULT_CODEC = Codec()
"""The codec backends use unless told otherwise: JSON and registered types, no pickle."""
