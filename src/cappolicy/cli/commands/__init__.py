"""Commands beyond `check`, `graph` and `rulesets`, one module each.

Each module here defines `command`, a click command (or group) named as the module.
The `cappolicy` group (cli.py) lists them from this package and imports one only when
it is run: importing them all would slow every start, `cappolicy --version` included.
`cappolicy --help` lists them with the first sentence of their help, kept in SHORT_HELP
so that listing them imports none (tests/test_cli.py holds the sentences to the
commands' own help). A command also imports its heavy modules inside its function."""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click

#: command -> the first sentence of its help, as `cappolicy --help` shows it
SHORT_HELP = {
    "explain": "Explain RULE: its title and principle, the source paragraph it cites (quoted "
               "from the cited source documents), its severity and the ruleset layer that "
               "set it, every param it reads with its value and the layers that set it (and "
               "why), its "
               "condition, and cases of the rule tests that make it fail and pass, run against "
               "the ruleset explained.",
    "fmt": "Lay out rule files (.cpol) in the canonical layout, keeping their comments.",
    "init": "Write a proposal skeleton to FILE (YAML), or print it.",
    "lint": "Lint rulesets: files, folders or ruleset ids (baseline, regional/aec, "
            "national/xa), or with none every ruleset of the catalog (shipped, the project's "
            "and --rulesets folders).",
    "portfolio": "Summarise proposals, or the activities of IATI files, principle by principle.",
    "schema": "Print the JSON Schema (draft 2020-12) of proposal format v1.",
    "test": "Run rule tests: every *.test.yaml file given, or below the folders given.",
}


@lru_cache(maxsize=1)
def names() -> tuple[str, ...]:
    """The commands of this package: its modules, none imported."""
    here = os.path.dirname(__file__)
    return tuple(sorted(
        name[:-3] for name in os.listdir(here)
        if name.endswith(".py") and not name.startswith("_") and name[:-3].isidentifier()))


def load(name: str) -> click.Command | None:
    """The command `name`, imported now; None when this package has no such command."""
    if name not in names():
        return None
    command: click.Command = importlib.import_module(f"{__name__}.{name}").command
    return command


def register(main: click.Group) -> None:
    """Add every command to `main` now (importing them all)."""
    for name in names():
        command = load(name)
        if command is not None:
            main.add_command(command, name)
