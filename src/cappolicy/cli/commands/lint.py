"""`cappolicy lint`: every problem static analysis finds in rulesets, at once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..options import rulesets_option, sources_folder, sources_option

if TYPE_CHECKING:
    from ...base.errors import Diagnostic
    from ...rulesets.catalog import Catalog, RulesetSource
    from ...rulesets.lint import LintReport

SCHEMA = "cappolicy.lint"
VERSION = 1


@click.command("lint")
@click.argument("refs", nargs=-1, metavar="[RULESET]...")
@rulesets_option
@sources_option
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings (and no errors).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def command(refs: tuple[str, ...], extra_roots: tuple[Path, ...], sources: Path | None,
            seeds_alias: Path | None, strict: bool, fmt: str) -> None:
    """Lint rulesets: files, folders or ruleset ids (baseline, regional/aec,
    national/xa), or with none every ruleset of the catalog (shipped, the project's
    and --rulesets folders).

    Reports, each with its file:line:col, a stable code and a help line: syntax
    errors, unknown names and fields with suggestions, type errors, layering errors
    (duplicate rules, overrides of rules no parent has, `set` of unknown params), a
    change without `because`, rules that can never apply, never fail or always fail
    (conditions decided by literals and params alone), `source` citations of no
    paragraph of the cited source documents (with --sources; else their form only), and,
    as warnings, rules without message or hint and params no rule uses.

    Exit code: 0 clean (or warnings only), 1 warnings with --strict, 2 errors."""
    from ...rulesets.lint import Linter
    from ..common import rulesets_in_scope

    folder = sources_folder(sources, seeds_alias)
    catalog = rulesets_in_scope(extra_roots).catalog
    linted, names, problems, catalog = _linted(catalog, refs)
    report = Linter(catalog, folder).lint(linted, names, problems)
    report = _given_first(report, refs)
    if fmt == "json":
        from ... import __version__
        from ...render.jsontext import dumps

        click.echo(dumps(to_json(report, strict, __version__)))
    else:
        click.echo(render_text(report))
    sys.exit(report.exit_code(strict))


def _linted(catalog: Catalog, refs: tuple[str, ...]
             ) -> tuple[list[RulesetSource], list[str], list[Diagnostic], Catalog]:
    """The rulesets to lint, their names as given, the arguments that name none, and the
    catalog to resolve them in (with any folder of rulesets given as an argument)."""
    from ...base.errors import CappolicyError, Diagnostic, suggestion
    from ...rulesets.catalog import (COLLECTIONS, Catalog, RulesetSource, rule_files,
                                     source_from_path)

    if not refs:
        ids = catalog.ids()
        return [catalog.sources[i] for i in ids], ids, [], catalog
    sources: list[RulesetSource] = []
    names: list[str] = []
    problems: list[Diagnostic] = []
    for ref in refs:
        path = Path(ref)
        if path.is_file() and path.parent.name in COLLECTIONS:  # national/xa.cpol, as cataloged
            beside = path.parent / path.stem  # with national/xa/ beside it: one ruleset
            try:
                siblings = rule_files(beside, recursive=False) if beside.is_dir() else []
            except CappolicyError as exc:
                problems.extend(exc.diagnostics)
                continue
            found = [RulesetSource(f"{path.parent.name}/{path.stem}", (path, *siblings),
                                   path.parent.parent)]
        elif path.is_dir() and path.name in COLLECTIONS and any(path.glob("*.cpol")):
            try:  # never a file linked from outside the folder, which a syntax error quotes
                files = rule_files(path, recursive=False)
            except CappolicyError as exc:
                problems.extend(exc.diagnostics)
                continue
            found = [RulesetSource(f"{path.name}/{f.stem}", (f,), path.parent) for f in files]
        elif path.is_dir() and any(f.parent != path for f in path.rglob("*.cpol")):
            # a folder of rulesets (it has rulesets in subfolders, like national/): each of
            # them, their parents looked up there first
            catalog = Catalog([*catalog.roots, path])
            own = Catalog([path])
            problems.extend(error for _, error in own.unread)  # a folder it cannot list
            found = [s for s in own.sources.values()]
        elif path.exists():
            try:
                found = [source_from_path(path)]
            except CappolicyError as exc:
                problems.extend(exc.diagnostics)
                continue
        else:
            source = catalog.find(ref)
            if source is None:
                problems.append(Diagnostic(
                    "CP420", f"no ruleset file, folder or id '{ref}'", None,
                    suggestion(ref, catalog.ids()) or
                    f"known rulesets: {', '.join(catalog.ids()) or 'none'}"))
                continue
            found = [source]
        for source in found:  # two files of one ruleset (as a hook passes them): linted once
            if any(s.root == source.root and s.id == source.id for s in sources):
                continue
            sources.append(source)
            names.append(ref if len(found) == 1 and path.exists() else source.id)
    return sources, names, problems, catalog


def _given_first(report: LintReport, refs: tuple[str, ...]) -> LintReport:
    """The diagnostics of the files named on the command line first, in their order; a
    file of a multi-file ruleset is linted with its whole ruleset, whose other files'
    diagnostics follow."""
    import attrs

    from ...rulesets.catalog import display_path

    given = [display_path(Path(ref)) for ref in refs if Path(ref).is_file()]
    if not given:
        return report

    def rank(d: Diagnostic) -> int:
        file = d.span.file if d.span is not None else None
        return given.index(file) if file in given else len(given)
    return attrs.evolve(report, diagnostics=tuple(sorted(report.diagnostics, key=rank)))


def render_text(report: LintReport) -> str:
    from ...base.errors import SourceCache

    cache = SourceCache()
    blocks = [d.render(cache) for d in report.diagnostics]
    errors, warnings = report.count("error"), report.count("warning")
    n = len(report.rulesets)
    what = f"{n} ruleset{'s' if n != 1 else ''}"
    if not errors and not warnings:
        summary = f"linted {what}: no problems"
    else:
        summary = (f"linted {what}: {errors} error{'s' if errors != 1 else ''}, "
                   f"{warnings} warning{'s' if warnings != 1 else ''}")
    return "\n\n".join([*blocks, summary])


def to_json(report: LintReport, strict: bool, tool_version: str) -> dict[str, Any]:
    """Schema "cappolicy.lint" version 1 (docs/language.md, section 17)."""
    from ...render.jsonfmt import diagnostic_to_json
    from ...rulesets.catalog import display_path

    return {
        "schema": SCHEMA,
        "version": VERSION,
        "tool": {"name": "cappolicy", "version": tool_version},
        "rulesets": list(report.rulesets),
        "seeds": [display_path(p) for p in report.seeds],
        "summary": {level + "s": report.count(level) for level in ("error", "warning", "note")},
        "exit_code": report.exit_code(strict),
        "diagnostics": [diagnostic_to_json(d) for d in report.diagnostics],
    }
