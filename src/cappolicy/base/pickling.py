"""attrs classes that pickle as a call of the class with their fields' values.

attrs pickles a slotted class as a dict of its fields and unpickles it by setting them
one by one from Python. The results that `check -j` workers send back to the process
that started them are thousands of small objects: calling the class with a tuple of the
values is about twice as quick both ways, and the pickle smaller. Copies (`copy.copy`,
`copy.deepcopy`) take the same way, through `__init__`.

Pickles go only between a process and the workers it spawned. Nothing cappolicy reads
from disk is unpickled: the on-disk cache (cache.py) keeps syntax trees as JSON data,
read back through an allow-list (cachedata.py).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, TypeVar

C = TypeVar("C", bound=type)


def by_fields(cls: C) -> C:
    """Make the attrs class `cls` pickle as `cls(*values)`. Every field must be an
    argument of `__init__`, by position, and its converter (if any) idempotent."""
    import attrs  # only where an attrs class is defined: records (record.py) need none

    fields = attrs.fields(cls)
    if not fields or any(not f.init or f.kw_only for f in fields):
        raise TypeError(f"{cls.__name__}: every field must be a positional argument of __init__")
    names = [f.name for f in fields]
    values: Callable[[Any], tuple[Any, ...]]
    if len(names) == 1:
        (name,) = names

        def values(obj: Any) -> tuple[Any, ...]:
            return (getattr(obj, name),)
    else:
        values = operator.attrgetter(*names)  # a tuple of them all, made in C

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment]
    return cls
