"""`cappolicy portfolio`: many proposals at a glance, principle by principle."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..options import country_code, outputs_over_inputs, rulesets_option, write_output

FORMATS = ("text", "markdown", "json")


@click.command("portfolio")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text, markdown (a table for a comment or a page) or json.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write to this file instead of standard output.")
@click.option("--ruleset", "ruleset_ref", metavar="FILE|ID",
              help="Check every proposal against this ruleset (a file, a folder or an id).")
@click.option("--country", metavar="CC", callback=country_code, help="Check every proposal against this country's "
                                              "ruleset.")
@rulesets_option
@click.option("--fail-on", type=click.Choice(("must", "should", "advisory")), default=None,
              help="The severity at or above which a finding fails a proposal (default: must).")
@click.option("--allow-unknown", is_flag=True,
              help="A proposal with undecided rules does not fail for them.")
@click.option("--as-of", metavar="YYYY-MM-DD", default=None,
              help="The date the check is made on (default: today).")
@click.option("--lang", metavar="LANG", default=None,
              help="The language of the text and markdown portfolio: en, fr or es (default: "
                   "en, or the project's lang). JSON is the same in every language.")
def command(paths: tuple[Path, ...], fmt: str, output: Path | None, ruleset_ref: str | None,
            country: str | None, extra_roots: tuple[Path, ...], fail_on: str | None,
            allow_unknown: bool, as_of: str | None, lang: str | None) -> None:
    """Summarise proposals, or the activities of IATI files, principle by principle.

    Checks every proposal as `cappolicy check` does, then shows, for each principle,
    how many proposals fail it, cannot be judged on it (unknown) and pass it, and one
    line per proposal with where it is and its counts; for IATI files, what to ask the
    publishers for. Exit code: 0 nothing fails, 1 a proposal fails, 2 bad input."""
    from ...base.errors import Diagnostic
    from ...render import FileError
    from ...render.portfolio import Portfolio
    from ...run.check import file_outcomes
    from ..common import (Failure, checked_files, fixed_ruleset, report_inputs,
                          report_language, rulesets_in_scope, settings_of_files)

    if ruleset_ref is not None and country is not None:
        raise click.UsageError("give --ruleset or --country, not both")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        raise click.BadParameter(f"{as_of!r} is not a date (YYYY-MM-DD)",
                                 param_hint="--as-of") from None
    unread: list[tuple[Path, Diagnostic]] = []  # named paths that are no file to check
    files = checked_files(paths, unread=unread)
    if output is not None and (clash := outputs_over_inputs([output], files)):
        raise Failure(clash)
    project = settings_of_files(files)
    if ruleset_ref is None and country is None:
        country = project.country
    lang = report_language(lang, project)  # refused before the check, as `check` does
    rulesets = rulesets_in_scope(extra_roots)
    fixed = fixed_ruleset(rulesets, ruleset_ref)
    portfolio = Portfolio(fail_on or project.fail_on or "must", allow_unknown,
                          inputs=report_inputs(rulesets))
    for path, why in unread:  # said as those paths' errors; the other files are checked
        portfolio.add(FileError(str(path), (why,)))
    for file in files:
        for outcome in file_outcomes(file, rulesets, fixed, country, day):
            portfolio.add(outcome)
    write_output(portfolio.render(fmt, lang) + "\n", output)
    sys.exit(portfolio.exit_code())
