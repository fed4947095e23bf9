"""`cappolicy test`: run the rule tests (`*.test.yaml`) of rulesets, and show which rules
they make fail and pass (docs/rule-tests.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..options import color_option, rulesets_option

if TYPE_CHECKING:
    from ...rulesets.catalog import EffectiveRuleset, Rulesets, RulesetSource

#: the folder `cappolicy test` runs when no path is given and the current folder has it
DEFAULT_FOLDER = "rulesets"


def _percent(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    text = value.strip().removesuffix("%").strip()
    try:
        pct = float(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a percentage (80, or 80%)") from None
    if not 0 <= pct <= 100:
        raise click.BadParameter(f"{value!r} is not between 0 and 100")
    return pct


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@rulesets_option
@click.option("--coverage", is_flag=True,
              help="Show, for each rule and principle, whether some case makes it fail and "
                   "some case makes it pass.")
@click.option("--min-coverage", callback=_percent, metavar="PCT",
              help="Exit 1 when fewer than PCT percent of the rules both fail and pass in "
                   "some case (implies --coverage).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("-v", "--verbose", is_flag=True, help="Show every case, not only those that fail.")
@color_option
def command(paths: tuple[Path, ...], extra_roots: tuple[Path, ...], coverage: bool,
            min_coverage: float | None, fmt: str, verbose: bool, color: bool | None) -> None:
    """Run rule tests: every *.test.yaml file given, or below the folders given.

    Without PATH: the project's rulesets folders (`rulesets` in cappolicy.toml) and
    ./rulesets when there is one. A test file tests the ruleset it names as found
    beside it (a folder above it holding that ruleset), else among the shipped rulesets,
    the project's and --rulesets folders. Coverage counts every rule of every ruleset
    in scope (the test files' rulesets, and every ruleset below a folder given): a rule
    no case names is uncovered. A rule file (.cpol) given stands for the rule
    tests of its ruleset (the whole ruleset, for a file of a multi-file one) found below
    its folder. Exit code: 0 every case gives what it
    expects; 1 a case does not, or the coverage is below --min-coverage; 2 a test
    file has an error (a rule the ruleset does not have is one)."""
    from ... import __version__
    from ...base.errors import CappolicyError, Diagnostic, SourceCache
    from ...render.testreport import render_coverage, render_rule_tests, rule_tests_to_json
    from ...rulesets.testing import cover, covered_percent, run, with_scope
    from ..common import Failure, rulesets_in_scope, settings_in_force

    if not paths:
        paths = _default_paths(settings_in_force().rulesets)
        if not paths:
            raise Failure([Diagnostic(
                "CP421", "no rule tests to run: no path given, no `rulesets` folders in the "
                f"project's settings and no ./{DEFAULT_FOLDER} folder", None,
                "give a folder or a *.test.yaml file: cappolicy test rulesets/")])
    coverage = coverage or min_coverage is not None
    try:
        rulesets = rulesets_in_scope(extra_roots)
        scope = _scope(paths, rulesets) if coverage else []
        paths = tuple(p for path in paths for p in (
            tests_of_rule_file(path) if path.suffix == ".cpol" and path.is_file() else [path]))
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    report = with_scope(run(paths, rulesets), scope)
    coverages = cover(report) if coverage else None
    code = report.exit_code
    if code == 0 and coverages is not None and min_coverage is not None \
            and covered_percent(coverages) < min_coverage:
        code = 1
    if fmt == "json":
        from ...render.jsontext import dumps

        doc = rule_tests_to_json(report, coverages=coverages, min_coverage=min_coverage,
                                 exit_code=code, tool_version=__version__)
        click.echo(dumps(doc))
        sys.exit(code)
    use_color = sys.stdout.isatty() if color is None else color
    text = render_rule_tests(report, color=use_color, verbose=verbose, sources=SourceCache())
    if coverages is not None:
        text += "\n\n" + render_coverage(coverages, min_coverage=min_coverage)
    click.echo(text, color=use_color)
    sys.exit(code)


def _scope(paths: tuple[Path, ...], rulesets: Rulesets) -> list[EffectiveRuleset]:
    """The rulesets coverage counts besides those the test files test: every ruleset
    stored below a folder given, and the ruleset of a rule file given. One that does not
    load is an error (CappolicyError): its rules cannot be counted."""
    from ...rulesets.catalog import Catalog, source_from_path

    sources: list[RulesetSource] = []
    for path in paths:
        if path.is_dir():
            sources.extend(Catalog([path]).sources.values())
        elif path.suffix == ".cpol" and path.is_file():
            sources.append(source_from_path(path))
    return [rulesets.get(source) for source in sources]


def _default_paths(project_roots: tuple[Path, ...]) -> tuple[Path, ...]:
    """The project's rulesets folders, then ./rulesets, each once."""
    found: dict[Path, Path] = {}
    for folder in (*project_roots, Path(DEFAULT_FOLDER)):
        if folder.is_dir():
            found.setdefault(folder.resolve(), folder)
    return tuple(found.values())


def tests_of_rule_file(path: Path) -> list[Path]:
    """The rule test files of the ruleset `path` belongs to: those below its folder whose
    `ruleset:` (read from the parsed document) names it. CP421 when there are none."""
    from ...base.errors import CappolicyError, Diagnostic
    from ...base.files import read_text
    from ...proposal.load import compose_yaml
    from ...rulesets.catalog import source_from_path
    from ...rulesets.testfile import discover

    source = source_from_path(path)
    name = source.id.rsplit("/", 1)[-1]
    folder = path.parent
    found: list[Path] = []
    for candidate in discover(folder):
        try:
            root = compose_yaml(read_text(candidate, what="rule test"), str(candidate))
        except (CappolicyError, OSError, UnicodeDecodeError):
            found.append(candidate)  # the run says what is wrong with it
            continue
        names = [str(v.value) for k, v in (root.value if root is not None and
                                           root.kind == "map" else [])
                 if k.kind == "scalar" and k.value == "ruleset" and v.kind == "scalar"]
        if any(n.rsplit("/", 1)[-1] == name for n in names):
            found.append(candidate)
    if not found:
        raise CappolicyError(Diagnostic(
            "CP421", f"no rule tests of ruleset {source.id} below {folder} (from {path})",
            None, "add a *.test.yaml file naming `ruleset: " + source.id + "` in a tests "
            "folder beside it"))
    return found
