"""The time a proposal's evaluation may take.

A ruleset may come from anyone who can open a pull request, and its size and nesting are
bounded (lang/parse.py), but not what it costs to decide: five `any` nested over a
proposal's 68 organisations are 68 to the fifth power steps, hours of them. So the rules
of one proposal are decided within a budget of time (`SECONDS`): when it is spent, the
rule being decided stops, and it and every rule after it are unknown for the proposal,
saying why. Such an unknown names no missing field, so it fails the run even with
--allow-unknown (report/model.is_failing): a proposal nobody could judge does not pass.

How: once a process first evaluates, a timer rings every `TICK` seconds
(`signal.setitimer`), and its handler raises `Overtime` wherever the evaluation is when
the deadline of the budget in force has passed. Setting a deadline costs a read of the
clock, not a system call, so a budget costs nothing a small proposal would notice.
`Overtime` is a BaseException, so that no `except Exception` on the way (a rule's own
fault handling) takes it for a fault of the rule and goes on unbounded. The timer is
started only in a process's main thread, where Python delivers signals, when nothing
else has claimed the signal (one a parent set to be ignored is taken: `trap '' ALRM`
would otherwise turn the budget off) or runs a timer (a host such as a test runner may), and on
systems that have it; elsewhere evaluation is unbounded as before. A process forked from
one that ticks starts its own timer (timers are not inherited). Nested budgets (a check
that evaluates again what a rule relied on) share the outer deadline.
"""

from __future__ import annotations

import atexit
import math
import os
import signal
import threading
import time
from typing import Any

def _seconds(default: float) -> float:
    """The budget the environment sets (CAPPOLICY_TIME_BUDGET, seconds), else `default`:
    the environment is the runner's own, never a proposal's or a project's. A value that
    is no number of seconds above 0 leaves `default`; the command line refuses it first
    (`refused`)."""
    return default if refused() else float(os.environ.get(ENV, default))


#: the variable of the environment that sets the budget
ENV = "CAPPOLICY_TIME_BUDGET"


def refused() -> str | None:
    """What is wrong with CAPPOLICY_TIME_BUDGET, if it is set to no number of seconds
    above 0 (`2s`, `0`, `nan`): said and refused by the command line, never taken for
    the default in silence."""
    text = os.environ.get(ENV)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value > 0:
        return None
    return f"{ENV}={text!r} is not a number of seconds above 0"


#: how long the rules of one proposal may take, in seconds: a large proposal is decided
#: by the shipped rulesets in a fraction of a second on a slow machine
SECONDS = _seconds(30.0)
#: how often the timer rings, in seconds: how late a budget may be noticed
TICK = 0.5


class Overtime(BaseException):
    """The time for a proposal's evaluation is spent."""


#: the deadline in force (time.monotonic), infinite outside a budget
_deadline = [math.inf]
#: whether this process's timer runs: None until first asked
_ticking: list[bool | None] = [None]


#: whether the budget in force is spent: Overtime was raised once, and is not again
_spent = [False]


def _ring(signum: int, frame: Any) -> None:
    if not _spent[0] and time.monotonic() > _deadline[0]:
        _spent[0] = True  # raised once; what follows asks spent() and stops at once
        raise Overtime()


def spent() -> bool:
    """Whether the time of the budget in force has run out: evaluation that would start
    now gives unknown at once (the deadline stays, so that nothing after it runs free)."""
    return _spent[0]


def _start() -> bool:
    """Start this process's timer if it can be (see the module's documentation)."""
    usable = hasattr(signal, "setitimer") and \
        signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None) and \
        signal.getitimer(signal.ITIMER_REAL)[0] == 0
    if usable:
        signal.signal(signal.SIGALRM, _ring)
        signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
    _ticking[0] = usable
    return usable


def _forked() -> None:
    if _ticking[0]:  # the handler is inherited, the timer is not: started when needed
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    _ticking[0] = None
    _deadline[0] = math.inf
    _spent[0] = False




def arm(seconds: float | None = None) -> bool:
    """Start a budget: Overtime is raised once `seconds` (default SECONDS) have passed,
    give or take a TICK, where the timer runs; until `disarm`. False, and nothing done,
    within a budget already (its deadline stands) or where no timer runs. The caller
    disarms what it armed in a `finally`, and catches Overtime outside it too: the time
    may run out just as its block ends."""
    if _deadline[0] != _NONE or _thread() != _MAIN:
        return False
    ticking = _ticking[0]
    if not (_start() if ticking is None else ticking):
        return False
    _deadline[0] = _clock() + (SECONDS if seconds is None else seconds)
    return True


def disarm() -> None:
    """End the budget `arm` started."""
    _deadline[0] = _NONE
    _spent[0] = False


#: what arm() asks, looked up once: it is asked before every proposal is decided
_NONE, _clock, _thread = math.inf, time.monotonic, threading.get_ident
_MAIN = threading.main_thread().ident


def _stop() -> None:
    """Stop the timer as the process ends: a ring after Python has given up its handler
    would end the process with the signal's default action (\"Alarm clock\")."""
    if _ticking[0]:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        _ticking[0] = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)
atexit.register(_stop)
