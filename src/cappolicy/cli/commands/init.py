"""`cappolicy init`: write a commented proposal skeleton to fill in."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from ..options import country_code


@click.command("init")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--country", metavar="CC", callback=country_code,
              help="The host country, ISO 3166-1 alpha-2 (default: the project's country "
                   "setting, else XX, a placeholder).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_context
def command(ctx: click.Context, file: Path | None, country: str | None, force: bool) -> None:
    """Write a proposal skeleton to FILE (YAML), or print it.

    Every section of format v1 is there, each with a comment saying what it is
    for and which principles need it. The skeleton loads, but placeholders
    (TODO texts, empty values and lists) make `cappolicy check` fail on it with
    a finding at each line to fill in. FILE's folder is made if missing; an
    existing FILE is left alone unless --force is given. FILE is written whole (a
    temporary file renamed over it); a symbolic link at FILE is replaced by the
    skeleton, never written through. Exit code: 0 written,
    2 FILE exists or cannot be written, or the country is not a country code."""
    from ...base.errors import CappolicyError, Diagnostic
    from ...proposal.load import load_proposal_text
    from ...proposal.skeleton import skeleton
    from ...run.settings import settings
    from ..common import Failure
    from ..options import write_output

    if file is not None and file.suffix.lower() == ".json":
        raise Failure([Diagnostic(
            "CP422", f"cannot write {file}: the skeleton is YAML, with comments that JSON "
            "cannot hold", None, "name the file .yaml or .yml")])
    if country is None:
        root = ctx.find_root()
        try:
            country = settings((root.obj or {}).get("config_file"),
                               file.parent if file is not None else None).country
        except CappolicyError as exc:
            raise Failure(exc.diagnostics) from None
    country = (country or "XX").strip().upper()
    if not re.fullmatch("[A-Z]{2}", country):
        raise click.BadParameter(
            f"'{country}' is not a country code: write two letters, ISO 3166-1 alpha-2 "
            "(XA to XZ for illustrative countries)", param_hint="'--country'")
    text = skeleton(country)
    try:  # the skeleton must load; only an unassigned country code can stop it
        load_proposal_text(text, str(file or "skeleton.yaml"))
    except CappolicyError as exc:
        problem = exc.diagnostics[0]
        raise click.BadParameter(problem.message + (f"; {problem.help}" if problem.help else ""),
                                 param_hint="'--country'") from None
    if file is None:
        write_output(text, None)
        return
    if os.path.lexists(file) and not force:  # a link, even a broken one, is there too
        raise Failure([Diagnostic("CP422", f"{file} exists; cappolicy init does not overwrite it",
                                  None, "give --force to replace it, or another file name")])
    write_output(text, file, make_folder=True)
    click.echo(f"wrote {file}: a skeleton for a programme in {country}; fill it in, then run "
               f"`cappolicy check {file}`", err=True)
