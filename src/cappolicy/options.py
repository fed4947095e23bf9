"""Command-line pieces several commands share: options spelt once, and writing a
command's output to standard output or a file."""

from __future__ import annotations

from pathlib import Path

import click

#: `--rulesets DIR`, repeatable: folders of rulesets besides the shipped ones.
rulesets_option = click.option(
    "--rulesets", "extra_roots", multiple=True, type=click.Path(path_type=Path),
    help="A folder of rulesets to use besides the shipped ones (repeatable).")

#: `--color/--no-color`: colour on a terminal unless told.
color_option = click.option(
    "--color/--no-color", default=None, help="Colour the text output (default: on a terminal).")


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
        from .files import write_atomic

        write_atomic(output, text)
    except OSError as exc:
        from .cli import Failure
        from .errors import Diagnostic

        raise Failure([Diagnostic("CP422", f"cannot write {output}: "
                                  f"{exc.strerror or exc}")]) from None
