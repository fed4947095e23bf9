"""Command-line pieces several commands share: options spelt once, and writing a
command's output to standard output or a file."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..base.errors import Diagnostic

F = TypeVar("F", bound=Callable[..., Any])

#: `--rulesets DIR`, repeatable: folders of rulesets besides the shipped ones.
rulesets_option = click.option(
    "--rulesets", "extra_roots", multiple=True,
    # a folder that is not there (a typo) would leave the shipped rulesets in force unsaid
    type=click.Path(path_type=Path, exists=True, file_okay=False),
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
    from .common import settings_in_force

    folder: Path | None = settings_in_force().sources
    return folder


def country_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A --country option: a country code as a proposal's host_country is, in either case.
    Anything else (' XA', ZZ) is a usage error, exit 2: it would have found no national
    ruleset and checked against the baseline alone, which a typo must not do quietly."""
    if value is None:
        return None
    from ..proposal.validate import is_country

    code = value.upper()
    if not is_country(code):
        raise click.BadParameter(f"{value!r} is not a country code (ISO 3166-1 alpha-2, or "
                                 "XA to XZ for an illustrative country)")
    return code


def write_output(text: str, output: Path | None, *, make_folder: bool = False) -> None:
    """`text` to standard output, or to `output` (with `make_folder`, its folder made
    first), written whole and never through a symbolic link (files.write_atomic); a
    file that cannot be written is a CP422 error, exit 2."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    problem = write_file(text, output, make_folder=make_folder)
    if problem is not None:
        from .common import Failure

        raise Failure([problem])


def same_file(a: Path, b: Path) -> bool:
    """Whether two report files name the same place however they are spelt (`r.json`,
    `./r.json`, `../out/r.json`, an absolute path, a link to the folder): the second
    report would replace the first. A link at the place itself is replaced, never
    followed (files.write_atomic), so it is the link that is compared."""
    return _landing(a) == _landing(b)


def _landing(path: Path) -> str:
    """Where a report file lands: its folder resolved (realpath: a loop of links is left
    as it is, never raised), its own name as given."""
    return os.path.join(os.path.realpath(path.parent), path.name)


def outputs_over_inputs(outputs: list[Path], inputs: list[Path]) -> list[Diagnostic]:
    """A CP422 diagnostic for each report file that is a file being read: a report
    written there would replace it. A link there is replaced, never written through
    (files.write_atomic), so it is the link itself that is compared."""
    from ..base.deferred import N_
    from ..base.errors import Diagnostic

    if not outputs:  # nothing to compare: the inputs are not resolved one by one
        return []
    read = {os.path.realpath(file) for file in inputs}
    return [Diagnostic("CP422", N_("{file} is a file being checked; --output does not "
                                   "write a report over it", file=str(file)), None,
                       N_("name another file for the report"))
            for file in outputs if _landing(file) in read]


def write_file(text: str | Iterable[str], path: Path, *, make_folder: bool = False,
               what: str = "") -> Diagnostic | None:
    """Write `text` (or its pieces, in order) to `path` whole (with `make_folder`, its
    folder made first), replacing a symbolic link there rather than writing through it
    (files.write_atomic); a CP422 diagnostic naming the file (after `what`, such as
    "the report file ") when it cannot be. Every file a command writes is written here."""
    from ..base.files import write_atomic

    from ..base.files import led_out

    elsewhere = led_out(path)
    if elsewhere is not None:
        from ..base.errors import Diagnostic

        return Diagnostic("CP422", f"cannot write {what}{path}: its folder is a symbolic link "
                                   f"to {elsewhere}, outside the project", None,
                          "name the folder where it lies, or write the report elsewhere")
    try:
        if make_folder:
            path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    except OSError as exc:
        from ..base.errors import Diagnostic

        hint = "check that its folder exists or can be made, and can be written to" \
            if exc.errno not in (errno.EINVAL, errno.ENXIO) else \
            "name a file, or a terminal, /dev/null or a named pipe that a process reads"
        return Diagnostic("CP422", f"cannot write {what}{path}: {exc.strerror or exc}", None,
                          hint)
    return None


def write_reports(text_of: Callable[[str, bool], Iterable[str]], shown: tuple[str, bool],
                  outputs: Sequence[tuple[str, Path]], color: bool) -> None:
    """`check`'s reports, each a piece at a time as `text_of(format, colour)` gives it:
    the `shown` one on standard output, then each of `outputs` (format, file) to its
    file. A file that cannot be written (CP422), after the others are, or a report that
    cannot be read back from its temporary file (CP471) is a Failure, exit 2."""
    from itertools import chain

    from ..base.errors import CappolicyError
    from .common import Failure

    try:
        for piece in text_of(*shown):
            click.echo(piece, nl=False, color=color)
        click.echo("", color=color)
        unwritten = [problem for fmt, file in outputs
                     if (problem := write_file(chain(text_of(fmt, False), ["\n"]), file,
                                               make_folder=True, what="the report file "))
                     is not None]
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    if unwritten:
        raise Failure(unwritten)
