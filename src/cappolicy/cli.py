"""The command line. click is imported here and nowhere else; the heavy modules
are imported inside the commands so that `cappolicy --version` starts quickly."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__

if TYPE_CHECKING:
    from .errors import Diagnostic
    from .render import ProposalResult
    from .rulesets import EffectiveRuleset, Rulesets

PROPOSAL_SUFFIXES = (".yaml", ".yml", ".json")
SEVERITIES = ("must", "should", "advisory")


class Failure(click.ClickException):
    """Bad input found before checking started: diagnostics, exit code 2."""

    exit_code = 2

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics

    def show(self, file: Any = None) -> None:
        from .errors import SourceCache

        cache = SourceCache()
        for d in self.diagnostics:
            click.echo(d.render(cache), err=True)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cappolicy")
def main() -> None:
    """Check cyber-capacity-building proposals against host-country rulesets."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--ruleset", "ruleset_path", type=click.Path(path_type=Path),
              help="Check every proposal against this ruleset file or folder.")
@click.option("--country", metavar="CC",
              help="Check every proposal against this country's ruleset (ISO 3166-1 alpha-2).")
@click.option("--rulesets", "extra_roots", multiple=True, type=click.Path(path_type=Path),
              help="A folder of rulesets to use besides the shipped ones (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="must", show_default=True,
              help="Exit 1 when a finding of this severity or above fails.")
@click.option("--allow-unknown", is_flag=True,
              help="Do not fail the run for rules that cannot be decided for missing data.")
@click.option("--as-of", callback=_date, metavar="YYYY-MM-DD",
              help="The date the check is made on (default: today).")
@click.option("-v", "--verbose", is_flag=True, help="List passing and not-applicable findings too.")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal).")
def check(paths: tuple[Path, ...], ruleset_path: Path | None, country: str | None,
          extra_roots: tuple[Path, ...], fmt: str, fail_on: str, allow_unknown: bool,
          as_of: dt.date, verbose: bool, color: bool | None) -> None:
    """Check proposal files (YAML or JSON) or folders of them.

    Each proposal is checked against the ruleset of its host_country unless
    --ruleset or --country says otherwise; a country with no national ruleset is
    checked against the baseline, with a note. Exit code: 0 nothing fails at or
    above --fail-on, 1 something does, 2 bad input or a bad ruleset."""
    from .errors import CappolicyError, Diagnostic, SourceCache
    from .render import FileError, Report, exit_code, render

    if ruleset_path is not None and country is not None:
        raise click.UsageError("give --ruleset or --country, not both")
    files, missing = _proposal_files(paths)
    if missing:
        raise Failure(missing)
    rulesets = _rulesets(extra_roots)
    fixed = None
    if ruleset_path is not None:
        from .rulesets import source_from_path

        try:
            fixed = rulesets.get(source_from_path(ruleset_path))
        except CappolicyError as exc:
            raise Failure(exc.diagnostics) from None
    results: list[ProposalResult] = []
    errors: list[FileError] = []
    for file in files:
        try:
            results.append(_check_one(file, rulesets, fixed, country, as_of))
        except CappolicyError as exc:
            errors.append(FileError(str(file), tuple(exc.diagnostics)))
    report = Report(results=tuple(results), errors=tuple(errors), fail_on=fail_on, as_of=as_of,
                    tool_version=__version__, allow_unknown=allow_unknown)
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(render(report, fmt, color=use_color and fmt == "text", verbose=verbose,
                      sources=SourceCache()), color=use_color)
    sys.exit(exit_code(report))


def _proposal_files(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    from .errors import Diagnostic

    files: list[Path] = []
    missing: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in PROPOSAL_SUFFIXES
                           and p.is_file() and not any(part.startswith(".") for part in p.parts))
            if not found:
                missing.append(Diagnostic("CP421", f"{path} holds no proposal files "
                                          f"({', '.join(PROPOSAL_SUFFIXES)})"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Diagnostic("CP421", f"no such file or folder: {path}"))
    return list(dict.fromkeys(files)), missing


def _rulesets(extra_roots: Sequence[Path]) -> Rulesets:
    from .resources import shipped_rulesets
    from .rulesets import Catalog, Rulesets

    return Rulesets(Catalog([shipped_rulesets(), *extra_roots]))


def _check_one(file: Path, rulesets: Rulesets, fixed: EffectiveRuleset | None, country: str | None,
               as_of: dt.date) -> ProposalResult:
    from .evaluate import evaluate
    from .load import load_proposal
    from .render import ProposalResult

    proposal = load_proposal(file)
    note = None
    if fixed is not None:
        eff = fixed
    else:
        choice = rulesets.for_country((country or proposal.host_country or "").upper() or None)
        eff, note = choice.ruleset, choice.note
    findings = evaluate(eff.compiled(), proposal, as_of, ruleset=eff.id)
    return ProposalResult(file=proposal.file, proposal_id=proposal.id,
                          host_country=proposal.host_country, ruleset=eff.id, ruleset_note=note,
                          findings=tuple(findings), warnings=tuple(proposal.warnings))


if __name__ == "__main__":  # pragma: no cover
    main()
