"""Frozen value classes made without generating code when cappolicy starts.

attrs writes and compiles the `__init__`, `__eq__`, `__hash__` and `__repr__` of each of
its classes when the class is defined: about a third of a millisecond a class, paid by
every run for every class it imports. The syntax tree's classes (lang/ast.py) are
imported by every command and made by the thousand when a rule file is read, so they
are `Record`s instead: each writes its own `__init__` (compiled once, into the module's
bytecode), and the methods that only need the list of fields are shared by all of them.

A record is as an attrs class that is frozen, slotted and compared by value: its
fields are its `__slots__` (a class with `__slots__ = ()` is a base records share), in the order `__init__` takes them, each given by position
or by name; `__eq__` and `__hash__` read the fields but those in `UNCOMPARED` (and two
records are equal only if of the same class); `__repr__` shows the fields but those in
`UNSHOWN`, in attrs' layout; setting or deleting a field raises `FrozenError`. A record
pickles and copies as a call of its class with its fields' values (as pickling.by_fields
makes attrs classes do). `fields(cls)` lists the fields and `replace(obj, **changes)`
makes a changed copy, as `attrs.fields` and `attrs.evolve` do for attrs classes.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

R = TypeVar("R", bound="Record")


class FrozenError(AttributeError):
    """A field of a record was set or deleted."""


class Record:
    """The base of frozen value classes; see the module's documentation."""

    __slots__ = ()
    #: fields that equality and hashing leave out (a node's place in its file, say)
    UNCOMPARED: ClassVar[frozenset[str]] = frozenset()
    #: fields that `repr` leaves out
    UNSHOWN: ClassVar[frozenset[str]] = frozenset()
    #: the fields, in `__init__`'s order (the class's `__slots__`)
    FIELDS: ClassVar[tuple[str, ...]] = ()
    _shown: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = cls.__dict__.get("__slots__")
        if names is None or isinstance(names, str):
            raise TypeError(f"{cls.__name__}: a record names its fields in __slots__")
        if not names:
            return  # `__slots__ = ()`: a base that its records share, itself no record
        cls.FIELDS = tuple(names)
        cls._shown = tuple(name for name in cls.FIELDS if name not in cls.UNSHOWN)
        setattr(cls, "__match_args__", cls.FIELDS)
        setattr(cls, "_key", staticmethod(
            _getter([name for name in cls.FIELDS if name not in cls.UNCOMPARED])))
        setattr(cls, "_values", staticmethod(_getter(list(cls.FIELDS))))

    @staticmethod
    def _key(obj: Any) -> tuple[Any, ...]:
        """The values equality and hashing compare (made for each class)."""
        return ()

    @staticmethod
    def _values(obj: Any) -> tuple[Any, ...]:
        """The values of all the fields, in `__init__`'s order (made for each class)."""
        return ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(self._key(self) == self._key(other))

    def __ne__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(self._key(self) != self._key(other))

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self._key(self)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"{self.__class__.__name__} is frozen: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"{self.__class__.__name__} is frozen: cannot delete {name}")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return self.__class__, self._values(self)


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function of a record giving the tuple of the values of `names` (made in C)."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        (name,) = names
        return lambda obj: (getattr(obj, name),)
    return attrgetter(*names)


def fields(cls: type[Record]) -> tuple[str, ...]:
    """The names of a record class's fields, in `__init__`'s order."""
    return cls.FIELDS


def replace(obj: R, **changes: Any) -> R:
    """A copy of the record `obj` with the fields `changes` names given new values."""
    unknown = set(changes) - set(obj.FIELDS)
    if unknown:
        raise TypeError(f"{obj.__class__.__name__} has no field {', '.join(sorted(unknown))}")
    values = dict(zip(obj.FIELDS, obj._values(obj)))
    values.update(changes)
    made: R = obj.__class__(**values)
    return made
