"""The `cappolicy` program: `cappolicy --version` answered at once, anything else by
the command line (cli.py).

Importing click and defining the commands takes longer than Python takes to start,
and a version check (as scripts and package managers make) should not wait for it.
The answer is click's own `--version` text, held to it by tests/test_cli.py.

Anything else starts with the garbage collector held off (base/collector.py): the
command releases it when it has work of its own to do, and it is released when the
command ends, whichever way."""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from .. import __version__

        sys.stdout.write(f"cappolicy, version {__version__}\n")
        sys.stdout.flush()
        return
    from ..base import collector

    _on_interrupt()
    if "CAPPOLICY_TIME_BUDGET" in os.environ:  # the runner's own setting: a wrong one is
        from ..engine.budget import refused  # said, exit 2 (imported only when set)

        if (wrong := refused()) is not None:
            sys.stderr.write(f"error: {wrong}; give the seconds a proposal's rules may "
                             "take, such as 30, or unset it\n")
            sys.exit(2)
    collector.hold()
    try:
        from .main import main as cli

        cli()
    finally:  # however the command ends: a program may call this in its own process
        collector.release()


def _on_interrupt() -> None:
    """Ctrl-C ends the run with exit code 130 (128 + SIGINT, as shells report it), never
    1, which says that a proposal fails, nor a traceback. Only where Python's own handler
    is in force: a program that runs cappolicy in its process keeps its own."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)


def _interrupted(signum: int, frame: object) -> None:
    sys.stderr.write("\ncappolicy: interrupted\n")
    raise SystemExit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
