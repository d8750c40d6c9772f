"""The registry of user types the backend codec may store, and the safe lookup of names.

Encoding a dataclass, ``NamedTuple`` or ``Enum`` registers its class (that is code the
writer runs). Decoding never registers anything and never imports: a name read from the
backend resolves to a registered class, or else to a dataclass, ``NamedTuple`` or
``Enum`` defined at module level in a module this process already imported, found by
plain dictionary lookups (no ``getattr``, so no module ``__getattr__`` runs). Classes of
the standard library and of observable itself are never found that way.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import sys
import threading
import types
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from ..values import instance_attributes
from .errors import CodecError

__all__ = [
    "Registration",
    "class_attribute",
    "default_name",
    "enum_member",
    "find_enum",
    "find_registration",
    "is_automatic",
    "register_type",
    "registered_types",
    "registration_of",
    "safe_name",
    "settable",
    "unregister_type",
]

T = TypeVar("T", bound=type)


class Registration(NamedTuple):
    """How one class is stored: its stable name, and its encode and decode functions."""

    cls: type
    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


_by_type: dict[type, Registration] = {}
_by_name: dict[str, Registration] = {}
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

_ABSENT = object()


def default_name(cls: type) -> str:
    """Return the name a class is stored under unless registered otherwise."""
    return f"{cls.__module__}.{cls.__qualname__}"


def safe_name(name: object) -> bool:
    """Tell whether ``name`` may be an attribute name read from a backend.

    It must be an identifier, not a dunder, and not a wrapt proxy's ``_self_`` name.
    """
    return (
        isinstance(name, str)
        and name.isidentifier()
        and not (name.startswith("__") and name.endswith("__"))
        and not name.startswith("_self_")
    )


def class_attribute(cls: type, name: str) -> Any:
    """Return what ``cls`` (or a base) holds under ``name`` without running any code."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name, _ABSENT)
        if found is not _ABSENT:
            return found
    return _ABSENT


def settable(cls: type, name: str) -> bool:
    """Tell whether data may set instance attribute ``name`` on an instance of ``cls``.

    Allowed: a safe name the class does not define, a slot, or a plain class-level
    default (a dataclass field default). Never a method, property or other descriptor.
    """
    if not safe_name(name):
        return False
    found = class_attribute(cls, name)
    if found is _ABSENT or type(found) is types.MemberDescriptorType:
        return True
    kind = type(found)
    return not (callable(found) or hasattr(kind, "__get__") or hasattr(kind, "__set__"))


def _attributes_decoder(cls: type) -> Callable[[Any], Any]:
    def decode(state: Any) -> Any:
        if not isinstance(state, dict):
            raise CodecError(f"stored state of {cls.__qualname__} is not a mapping of attributes")
        fields = (
            {field.name for field in dataclasses.fields(cls)}
            if dataclasses.is_dataclass(cls)
            else None
        )
        instance: Any = object.__new__(cls)
        for name, item in state.items():
            if (fields is not None and name not in fields) or not settable(cls, name):
                raise CodecError(f"stored state of {cls.__qualname__} sets attribute {name!r}")
            object.__setattr__(instance, name, item)
        return instance

    return decode


def _namedtuple_decoder(cls: type) -> Callable[[Any], Any]:
    fields = len(getattr(cls, "_fields", ()))

    def decode(state: Any) -> Any:
        if not isinstance(state, list) or len(state) != fields:
            raise CodecError(f"stored {cls.__qualname__} needs a list of {fields} items")
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
    ``__init__`` (only names the class does not use for methods or properties).
    ``name`` defaults to ``module.QualName`` and must be the same in every process.
    Registering a name again replaces it (a Streamlit script that reruns re-registers
    its classes). Usable as a class decorator.
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
            encode, decode = instance_attributes, _attributes_decoder(cls)
    key = name if name is not None else default_name(cls)
    if not isinstance(key, str) or not key:
        raise TypeError(f"a registered name must be a non-empty str, not {key!r}")
    registration = Registration(cls, key, encode, decode)
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


def is_automatic(cls: type) -> bool:
    """Tell whether ``cls`` is stored without registration (dataclass or NamedTuple)."""
    return dataclasses.is_dataclass(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))


def registration_of(cls: type) -> Registration | None:
    """Return how ``cls`` is stored, registering a dataclass or NamedTuple on first use.

    Called when encoding, by the writer's own code.
    """
    registration = _by_type.get(cls)
    if registration is None and is_automatic(cls):
        register_type(cls)
        registration = _by_type.get(cls)
    return registration


def _library_module(module_name: str) -> bool:
    top = module_name.partition(".")[0]
    return top in sys.stdlib_module_names or top in ("observable", "builtins")


def _loaded_class(name: str) -> type | None:
    """Find ``module.QualName`` among imported modules by dictionary lookups only."""
    if not isinstance(name, str) or "<" in name or len(name) > 500:
        return None
    module_name, _, qualname = name.rpartition(".")
    while module_name:
        module = sys.modules.get(module_name)
        if isinstance(module, types.ModuleType) and not _library_module(module_name):
            target: Any = object.__getattribute__(module, "__dict__").get(
                qualname.partition(".")[0]
            )
            for part in qualname.split(".")[1:]:
                if not isinstance(target, type):
                    break
                target = target.__dict__.get(part)
            if isinstance(target, type) and default_name(target) == name:
                return target
        module_name, _, head = module_name.rpartition(".")
        qualname = f"{head}.{qualname}"
    return None


def find_registration(name: object) -> Registration:
    """Return how to decode the type stored as ``name``, without registering anything."""
    if isinstance(name, str):
        registration = _by_name.get(name)
        if registration is not None:
            return registration
        cls = _loaded_class(name)
        if cls is not None and is_automatic(cls):
            if issubclass(cls, tuple):
                return Registration(cls, name, list, _namedtuple_decoder(cls))
            return Registration(cls, name, instance_attributes, _attributes_decoder(cls))
    raise CodecError(
        f"cannot decode a value of type {name!r}: no such type is registered in this process. "
        "Import the module that defines it, or call "
        f"observable.backends.codec.register_type(ThatClass, name={name!r}) "
        "before the store is opened"
    )


def find_enum(name: object) -> type[enum.Enum]:
    """Return the enum class stored as ``name`` (registered, or defined in a loaded module)."""
    registration = _by_name.get(name) if isinstance(name, str) else None
    cls = registration.cls if registration is not None else _loaded_class(str(name))
    if cls is None or not issubclass(cls, enum.Enum):
        raise CodecError(
            f"cannot decode a member of enum {name!r}: import the module that defines it"
        )
    return cls


def enum_member(cls: type[enum.Enum], value: Any) -> enum.Enum:
    """Return the member of ``cls`` whose value is ``value`` (no ``_missing_`` hook runs)."""
    for member in cls.__members__.values():
        if type(member.value) is type(value) and member.value == value:
            return member
    raise CodecError(f"{cls.__qualname__} has no member with value {value!r}")
