"""Commands beyond `check`, `graph` and `rulesets`, one module each.

Each module here defines `command`, a click command (or group); `register` adds
every one to the `cappolicy` group. A command imports its heavy modules inside
its function, so that `cappolicy --version` stays fast."""

from __future__ import annotations

import importlib
import pkgutil

import click


def register(main: click.Group) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        main.add_command(module.command)
