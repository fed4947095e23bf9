"""The garbage collector held off while cappolicy starts.

Starting a command imports click and cappolicy's modules, and a check then reads and
compiles its rulesets: tens of thousands of objects that live as long as the run and
none of them garbage. Collecting while they are made only walks them again and again
(about fifty collections, a tenth of the time of a check of one proposal). The program
holds the collector off (`hold`) from its start until the command has work of its own
to do (`release`): any command but `check` as soon as its options are read, `check`
once its first proposal is checked, so that a long run collects as usual; and any
command when it ends, however it ends. Nothing else
changes the collector's state for the run: code that turns it off for a while restores
it as it found it.

On release, what was made until then is frozen (`gc.freeze`): moved out of the
generations the collector walks, as the modules, classes, rulesets and options it
mostly is will live until the run ends anyway. Else the first collection after it would
walk all of it at once, and so would the last one, when Python exits. (The little
garbage with cycles made while starting is not freed before the run ends.)"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Turn the collector off until `release`, if it is on."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Turn the collector back on if `hold` turned it off (else nothing)."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()


class paused:
    """`with paused():` holds the collector off for the block, then leaves it as it was:
    for work that makes thousands of objects that stay alive or go with no cycle, which
    each collection in the middle of it would only walk again."""

    __slots__ = ("collecting",)

    def __enter__(self) -> None:
        self.collecting = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.collecting:
            gc.enable()
