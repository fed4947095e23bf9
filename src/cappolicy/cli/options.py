"""Command-line pieces several commands share: options spelt once, and writing a
command's output to standard output or a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: `--rulesets DIR`, repeatable: folders of rulesets besides the shipped ones.
rulesets_option = click.option(
    "--rulesets", "extra_roots", multiple=True, type=click.Path(path_type=Path),
    help="A folder of rulesets to use besides the shipped ones (repeatable).")

#: `--color/--no-color`: colour on a terminal unless told.
color_option = click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: on a terminal).")


def sources_option(command: F) -> F:
    """`--sources DIR`: the folder of the cited source documents (parameter `sources`),
    and `--seeds DIR`, its former name, hidden (parameter `seeds_alias`): give both to
    sources_folder."""
    folder = click.Path(path_type=Path, file_okay=False, exists=True)
    command = click.option("--seeds", "seeds_alias", type=folder, hidden=True,
                           help="Former name of --sources.")(command)
    return click.option(
        "--sources", "sources", type=folder, metavar="DIR",
        help="The folder of the cited source documents, the texts that `source` clauses "
             "cite (default: `sources` in the project's cappolicy.toml; never looked for "
             "elsewhere).")(command)


def sources_folder(sources: Path | None, seeds_alias: Path | None) -> Path | None:
    """The folder of the cited source documents: --sources (or its former name --seeds),
    else the project's `sources` setting, else None (not given)."""
    if sources is not None or seeds_alias is not None:
        return sources or seeds_alias
    from .main import _settings

    folder: Path | None = _settings().sources
    return folder


def write_output(text: str, output: Path | None, *, make_folder: bool = False) -> None:
    """`text` to standard output, or to `output` (with `make_folder`, its folder made
    first), written whole and never through a symbolic link (files.write_atomic); a
    file that cannot be written is a CP422 error, exit 2."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        if make_folder:
            output.parent.mkdir(parents=True, exist_ok=True)
        from ..base.files import write_atomic

        write_atomic(output, text)
    except OSError as exc:
        from ..base.errors import Diagnostic
        from .main import Failure

        raise Failure([Diagnostic("CP422", f"cannot write {output}: "
                                  f"{exc.strerror or exc}")]) from None
