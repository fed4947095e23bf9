"""The command line. click is imported here and nowhere else; the heavy modules
are imported inside the commands so that `cappolicy --version` starts quickly."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from ..report.formats import FORMATS
from .common import (
    checked_files,
    Failure,
    fixed_ruleset,
    named_ruleset,
    report_inputs,
    report_language,
    rulesets_in_scope,
    settings_in_force,
    settings_of_files,
    severity_of,
)
from .options import (color_option, country_code, outputs_over_inputs, rulesets_option,
                      same_file, write_file, write_output, write_reports)

if TYPE_CHECKING:
    from ..proposal.model import Proposal
    from ..rulesets.catalog import EffectiveRuleset, Rulesets

SEVERITIES = ("must", "should", "advisory")
#: `check`'s report formats (report/formats.py, which imports no renderer)
CHECK_FORMATS = FORMATS


def _outputs(ctx: click.Context, param: click.Parameter,
             values: tuple[str, ...]) -> tuple[tuple[str, Path], ...]:
    """`--output FORMAT=FILE` values as (format, file) pairs; each file named once."""
    from ..base.errors import suggestion

    pairs: list[tuple[str, Path]] = []
    for value in values:
        fmt, sep, file = value.partition("=")
        fmt = fmt.strip().lower()
        if not sep or not file:
            raise click.BadParameter(f"{value!r} is not FORMAT=FILE, e.g. sarif=report.sarif")
        if fmt not in CHECK_FORMATS:
            hint = suggestion(fmt, CHECK_FORMATS) or f"formats: {', '.join(CHECK_FORMATS)}"
            raise click.BadParameter(f"unknown format {fmt!r} in {value!r}; {hint}")
        path = Path(file)
        if any(same_file(path, other) for _, other in pairs):
            raise click.BadParameter(f"{file} is named by more than one --output")
        pairs.append((fmt, path))
    return tuple(pairs)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, with those of cappolicy.cli.commands imported only when
    one is looked up: asking whether a command exists, or listing them, imports none."""

    def __init__(self, loaded: Mapping[str, click.Command]) -> None:
        self._loaded = dict(loaded)

    def loaded(self, name: str) -> click.Command | None:
        """The command if it is imported already (never imports it)."""
        return self._loaded.get(name)

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            from .commands import load

            command = load(name)
            if command is None:
                raise KeyError(name)
            self._loaded[name] = command
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        from .commands import names

        return name in self._loaded or name in names()

    def __iter__(self) -> Iterator[str]:
        from .commands import names

        yield from self._loaded
        yield from (name for name in names() if name not in self._loaded)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]


class CommandGroup(click.Group):
    """The `cappolicy` group. `check`, `graph`, `import` and `rulesets` are defined in
    this module; the others, one module each in cappolicy.cli.commands, are imported only
    when run (or looked up by name): `commands` lists them all, and `--help` shows them
    all, without importing them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: LazyCommands = LazyCommands(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, but a command not imported yet shows its help from SHORT_HELP."""
        from .commands import SHORT_HELP

        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.loaded(name)
            if command is None and name in SHORT_HELP:  # stands in for the command's own
                command = click.Command(name, help=SHORT_HELP[name])
            elif command is None:
                command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit))
                                    for name, command in rows])


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cappolicy")
@click.option("--config", "config_file", type=click.Path(path_type=Path), metavar="FILE",
              help="Project settings (default: the nearest cappolicy.toml, or pyproject.toml "
                   "with [tool.cappolicy], in this folder or above).")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """Check cyber-capacity-building proposals against host-country rulesets.

    A project may keep settings in cappolicy.toml (or [tool.cappolicy] in
    pyproject.toml): `rulesets` (folders of its own rulesets), `country` (check
    every proposal against this country's ruleset) and `fail_on`. Options given
    on the command line win."""
    ctx.ensure_object(dict)
    ctx.obj["config_file"] = config_file
    if ctx.invoked_subcommand != "check":  # which releases it once it has checked a file
        from ..base import collector

        collector.release()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--ruleset", "ruleset_ref", metavar="FILE|ID",
              help="Check every proposal against this ruleset: a file, a folder or a ruleset "
                   "id (baseline, regional/aec, national/xa).")
@click.option("--country", metavar="CC", callback=country_code,
              help="Check every proposal against this country's ruleset (ISO 3166-1 alpha-2).")
@rulesets_option
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text",
              show_default=True, help="Format of the report on standard output: text, json, "
                                      "sarif (2.1.0), junit (XML), github (workflow-command "
                                      "annotations), markdown (a pull-request comment) or "
                                      "html (one self-contained page for people).")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=FILE", callback=_outputs,
              help="Also write the report in FORMAT to FILE, e.g. sarif=report.sarif "
                   "(repeatable; missing folders are made). The exit code stays the "
                   "check's; a file that cannot be written exits 2.")
@click.option("--sarif-root", type=click.Path(path_type=Path, file_okay=False, exists=True),
              default=None, metavar="DIR",
              help="The repository root that file names in sarif, github and markdown "
                   "reports are relative to (default: the current folder).")
@click.option("--fail-on", type=click.Choice([*SEVERITIES, "error", "warning", "info"]),
              default=None,
              help="Exit 1 when a finding of this severity or above fails (default: must, "
                   "or the project's fail_on); error, warning and info, as reports print "
                   "them, are must, should and advisory.")
@click.option("--allow-unknown", is_flag=True,
              help="Do not fail the run for rules that cannot be decided for missing data.")
@click.option("--as-of", callback=_date, metavar="YYYY-MM-DD",
              help="The date the check is made on (default: today).")
@click.option("-v", "--verbose", is_flag=True, help="List passing and not-applicable findings too.")
@color_option
@click.option("--only-proposals", is_flag=True,
              help="Skip files with no top-level 'cappolicy:' key: the other YAML and JSON "
                   "files a hook or a folder brings.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              metavar="N",
              help="Check the files in up to N processes (0: one per CPU), for many files: "
                   "each process must get 50 files or more, else fewer are started. The "
                   "report and the exit code are those of -j 1.")
@click.option("--lang", metavar="LANG", default=None,
              help="The language of the text, markdown and html reports: en, fr or es (default: "
                   "en, or the project's lang); messages without a translation stay in "
                   "English, and are counted. JSON, SARIF, JUnit and GitHub reports are "
                   "the same in every language.")
def check(paths: tuple[Path, ...], ruleset_ref: str | None, country: str | None,
          extra_roots: tuple[Path, ...], fmt: str, fail_on: str | None, allow_unknown: bool,
          as_of: dt.date, verbose: bool, color: bool | None, only_proposals: bool = False,
          outputs: tuple[tuple[str, Path], ...] = (), sarif_root: Path | None = None,
          jobs: int = 1, lang: str | None = None) -> None:
    """Check proposal files (YAML or JSON), IATI activity files (XML), or folders of them.

    Each proposal is checked against the ruleset of its host_country unless
    --ruleset or --country says otherwise; a country with no national ruleset is
    checked against the baseline, with a note. Each activity of an IATI file is
    checked as a proposal (docs/iati.md). One run can write several reports:
    --format for standard output, --output FORMAT=FILE for each file (see
    docs/ci-formats.md). Exit code: 0 nothing fails at or above --fail-on, 1
    something does, 2 bad input, a bad ruleset or a report file that cannot be
    written."""
    from ..base import collector
    from ..base.errors import CappolicyError, Diagnostic, SourceCache
    from ..run.check import Job, Writing, check_files

    if ruleset_ref is not None and country is not None:
        raise click.UsageError("give --ruleset or --country, not both")
    unread: list[tuple[Path, Diagnostic]] = []  # named paths that are no file to check
    files = checked_files(paths, only_proposals, unread)
    if clash := outputs_over_inputs([file for _, file in outputs], files):
        raise Failure(clash)
    project = settings_of_files(files)
    fail_on = severity_of(fail_on or project.fail_on) or "must"
    if ruleset_ref is None and country is None:
        country = project.country
    lang = report_language(lang, project)  # refused before the check
    rulesets = rulesets_in_scope(extra_roots, texts=lang is not None)  # English: no texts
    fixed = fixed_ruleset(rulesets, ruleset_ref)
    use_color = sys.stdout.isatty() if color is None else color
    shown = (fmt, use_color and fmt == "text")  # files get no colour
    wanted = tuple(dict.fromkeys([shown, *((out_fmt, False) for out_fmt, _ in outputs)]))
    # workers write their parts of the reports in English only: in another language the
    # whole report is written here, so that the untranslated strings are counted once
    writing = Writing(wanted, fail_on, allow_unknown, verbose) if lang is None else None
    job = Job(tuple(rulesets.catalog.roots), ruleset_ref, country, as_of, writing, lang)
    from ..run.collect import FileNames

    names = FileNames(files)  # held by name while they are checked: no Path a file
    del files
    try:
        checked = check_files(names, job, rulesets, fixed, jobs)
    except CappolicyError as exc:  # the temporary file of the reports (CP470)
        raise Failure(exc.diagnostics) from None
    finally:
        collector.release()  # if no file was checked here (none, or all in workers)
    if unread:  # said in the report as those paths' errors; the other files are checked
        from ..render import FileError

        checked.outcomes[:0] = [FileError(str(path), (why,)) for path, why in unread]
    with checked:  # its temporary file, if it has one, closed on every way out
        report = checked.report(fail_on, as_of, __version__, allow_unknown, report_inputs(rulesets))
        sources = SourceCache()

        def text_of(out_fmt: str, out_color: bool) -> Iterator[str]:
            """The report, a piece at a time: a run of many files never holds it whole."""
            return checked.pieces(report, out_fmt, color=out_color, verbose=verbose,
                                  sources=sources, root=sarif_root, writing=writing, lang=lang)

        write_reports(text_of, shown, outputs, use_color)
        code = checked.exit_code(report)
    sys.exit(code)


@main.group("import")
def import_() -> None:
    """Import proposals published in other formats, to complete and check them."""


@import_.command("iati")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", required=True, metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="The folder to write the proposals into (made if missing).")
def import_iati(files: tuple[Path, ...], out: Path) -> None:
    """Write each activity of IATI activity files (XML) as a format-v1 YAML proposal.

    One file per activity, named after its iati-identifier. Each value is commented
    with the line of the XML it comes from; each field IATI does not publish is a
    commented prompt, for a reviewer to complete. Checking the files written gives
    the outcomes checking the XML gives (docs/iati.md). A file already in DIR is not
    overwritten: it may hold a reviewer's completions. Exit code: 0 every activity
    written, 2 a file or an activity could not be read or written (the others are)."""
    from ..proposal.iati_import import run_import

    problems = run_import(files, out, click.echo)
    if problems:
        Failure(problems).show()
        sys.exit(2)


GRAPH_FORMATS = ("dot", "json", "svg")
GRAPH_SUFFIXES = {".dot": "dot", ".gv": "dot", ".json": "json", ".svg": "svg"}


@main.command()
@click.argument("proposal_path", metavar="PROPOSAL", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default=None,
              help="Output format (default: from the -o suffix, else dot).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file instead of standard output.")
@click.option("--ruleset", "ruleset_ref", metavar="FILE|ID",
              help="Check against this ruleset (a file, a folder or a ruleset id) and mark "
                   "the edges of failing findings.")
@click.option("--country", metavar="CC", callback=country_code,
              help="Check against this country's ruleset and mark the edges of failing findings.")
@rulesets_option
@click.option("--as-of", callback=_date, metavar="YYYY-MM-DD",
              help="The date the check is made on (default: today).")
def graph(proposal_path: Path, fmt: str | None, output: Path | None, ruleset_ref: str | None,
          country: str | None, extra_roots: tuple[Path, ...], as_of: dt.date) -> None:
    """Draw the governance graph of one proposal: who funds, chairs, leads and
    decides, and where data goes.

    With --ruleset or --country the proposal is checked first and the edges that
    failing findings cite are drawn red. Notes on what could not be linked go to
    standard error. Exit code: 0 the graph was written, 2 bad input."""
    from ..base.errors import CappolicyError, Diagnostic, SourceCache
    from ..graph.governance import build
    from ..proposal.load import load_proposal
    from ..render import graphout

    if ruleset_ref is not None and country is not None:
        raise click.UsageError("give --ruleset or --country, not both")
    if fmt is None:
        fmt = GRAPH_SUFFIXES.get(output.suffix.lower(), "dot") if output is not None else "dot"
    if proposal_path.is_dir():
        raise Failure([Diagnostic("CP421", f"{proposal_path} is a folder; `cappolicy graph` "
                                  "draws one proposal file")])
    if not proposal_path.is_file():
        raise Failure([Diagnostic("CP421", f"no such file: {proposal_path}")])
    from ..proposal.iati import is_iati
    if proposal_path.suffix.lower() == ".xml" and is_iati(proposal_path):  # activities, many
        raise Failure([Diagnostic(
            "CP421", f"{proposal_path} is an IATI activity file; `cappolicy graph` draws one "
            "proposal", None, "write each activity as a proposal with `cappolicy import iati "
            "FILE -o DIR`, then draw one of them (check --format html draws every activity)")])
    if output is not None and (clash := outputs_over_inputs([output], [proposal_path])):
        raise Failure(clash)
    try:
        proposal = load_proposal(proposal_path)
        findings = None
        ruleset_id = None
        if ruleset_ref is not None or country is not None:
            eff, note = _graph_ruleset(rulesets_in_scope(extra_roots), ruleset_ref, country, proposal)
            if note:
                click.echo(f"note: {note}", err=True)
            from ..engine.evaluate import evaluate

            findings = evaluate(eff.compiled(), proposal, as_of, ruleset=eff.id, effective=eff)
            ruleset_id = eff.id
        governance = build(proposal.data)
        highlight = highlight_nodes = marks = None
        if findings is not None:  # what each failing finding is about (marks.py)
            from ..render.marks import Marker

            marker = Marker(governance, proposal)
            marks = {i: marker.marks(f) for i, f in enumerate(findings) if f.outcome == "fail"}
            highlight = {e for m in marks.values() for e in m.edges}
            highlight_nodes = {n for m in marks.values() for n in m.nodes}
        if fmt == "json":
            from ..render.jsontext import dumps

            text = dumps(graphout.to_json(governance, proposal, highlight=highlight,
                                          findings=findings, ruleset=ruleset_id,
                                          highlight_nodes=highlight_nodes,
                                          marks=marks)) + "\n"
        else:
            text = graphout.to_dot(governance, highlight or frozenset(), proposal,
                                   highlight_nodes or frozenset())
            if fmt == "svg":
                text = graphout.to_svg(text)
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    sources = SourceCache()
    for warning in proposal.warnings:
        click.echo(warning.render(sources), err=True)
    for note in governance.notes:
        click.echo(f"note: {note}", err=True)
    if findings is not None:
        failing = sum(1 for f in findings if f.outcome == "fail")
        nodes = len(highlight_nodes or ())
        click.echo(f"note: {failing} failing finding{'s' if failing != 1 else ''} against "
                   f"{ruleset_id}; {len(highlight or ())} edge"
                   f"{'s' if len(highlight or ()) != 1 else ''} and {nodes} "
                   f"node{'s' if nodes != 1 else ''} marked", err=True)
    write_output(text, output)


def _graph_ruleset(rulesets: Rulesets, ref: str | None, country: str | None,
                   proposal: Proposal) -> tuple[EffectiveRuleset, str | None]:
    """The ruleset `graph` checks against: a file or folder, a ruleset id, or a country's."""
    if ref is None:
        country = country or settings_in_force().country
        choice = rulesets.for_country((country or proposal.host_country or "").upper() or None)
        return choice.ruleset, choice.note
    return named_ruleset(rulesets, ref), None


@main.group("rulesets", invoke_without_command=True)
@rulesets_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
              help="Output format (default: text).")
@color_option
@click.pass_context
def rulesets_command(ctx: click.Context, extra_roots: tuple[Path, ...], fmt: str | None,
                     color: bool | None) -> None:
    """List the available rulesets as a tree of inheritance: the baseline at the
    root, regional rulesets under it, national ones under those, each with its
    version, title, jurisdiction and the files it comes from.

    `cappolicy rulesets show REF` prints one effective ruleset. Exit code: 0 every
    ruleset loads, 2 one does not (it is listed with its errors)."""
    ctx.obj = {"extra_roots": extra_roots, "fmt": fmt, "color": color}
    if ctx.invoked_subcommand is not None:
        return
    from ..base.errors import SourceCache
    from ..base.resources import shipped_rulesets
    from ..render import rulesetview
    from ..render.jsontext import dumps
    from ..rulesets.catalog import BASELINE, survey

    catalog = rulesets_in_scope(extra_roots).catalog
    shipped = shipped_rulesets()
    forest = rulesetview.tree_of(survey(catalog), shipped)
    fallback = BASELINE if catalog.find(BASELINE) is not None else None
    use_color = sys.stdout.isatty() if color is None else color
    if fmt == "json":
        text = dumps(rulesetview.catalog_to_json(forest, catalog.roots, shipped, __version__,
                                                 fallback))
    else:
        text = rulesetview.render_catalog(forest, fallback, color=use_color, sources=SourceCache())
    click.echo(text, color=use_color)
    for _, error in catalog.unread:  # a folder not listed: what it holds is not shown
        click.echo(error.render(), err=True)
    sys.exit(2 if catalog.unread or any(not n.entry.ok for n in rulesetview.walk(forest)) else 0)


@rulesets_command.command("show")
@click.argument("ref", metavar="REF")
@rulesets_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
              help="Output format (default: text).")
@color_option
@click.option("--changes", is_flag=True,
              help="Show only what this ruleset's own layer changes against its parent: "
                   "params it declares or sets (old -> new, tightens or relaxes), rules it "
                   "adds, overrides or disables, each with its `because`.")
@click.pass_context
def rulesets_show(ctx: click.Context, ref: str, extra_roots: tuple[Path, ...], fmt: str | None,
                  color: bool | None, changes: bool = False) -> None:
    """Print the effective ruleset of REF after inheritance: a country (XA), a
    ruleset id (baseline, regional/aec, national/xa) or a ruleset file or folder.

    Shows the chain of layers; every param with its value, type, the file:line that
    set it, its `because` and what it replaced; every rule with its severity,
    principle, source and the layer that defined it; every disabled rule. Each
    relaxation of a parent ruleset is marked RELAXED. A country without a national
    ruleset falls back to the baseline, as `check` does. With --changes, only what
    REF's own layer changes against its parent. Exit code: 0 shown, 2 the
    reference or the ruleset is bad."""
    from ..base.errors import CappolicyError
    from ..base.resources import shipped_rulesets
    from ..render import rulesetview
    from ..render.jsontext import dumps

    group = ctx.obj or {}
    rulesets = rulesets_in_scope((*group.get("extra_roots", ()), *extra_roots))
    fmt = fmt or group.get("fmt") or "text"
    color = color if color is not None else group.get("color")
    try:
        eff, kind, country, note = _show_target(rulesets, ref)
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    if changes:
        click.echo(_layer_changes(rulesets, eff, ref, fmt))
        return
    shipped = shipped_rulesets()
    shown = rulesetview.Shown(ref, kind, country, note, eff, {
        layer.id: rulesetview.layer_where(layer, rulesets.catalog, shipped) for layer in eff.layers})
    use_color = sys.stdout.isatty() if color is None else color
    if fmt == "json":
        text = dumps(rulesetview.shown_to_json(shown, __version__))
    else:
        text = rulesetview.render_shown(shown, color=use_color)
    click.echo(text, color=use_color)


def _layer_changes(rulesets: Rulesets, eff: EffectiveRuleset, ref: str, fmt: str) -> str:
    """`rulesets show REF --changes`: the ruleset against its parent (or, for a ruleset
    that extends none, against nothing: all of it is its own)."""
    from ..base.errors import CappolicyError
    from ..render import rulediff as view
    from ..render.jsontext import dumps
    from ..rulesets.catalog import EffectiveRuleset
    from ..rulesets.diff import diff

    top = eff.layers[-1] if eff.layers else None
    parent_ref = top.extends if top is not None else None
    if parent_ref is not None:
        source = rulesets.catalog.find(parent_ref)
        try:
            assert source is not None, "the chain resolved, so the parent is in the catalog"
            parent = rulesets.get(source)
        except CappolicyError as exc:
            raise Failure(exc.diagnostics) from None
    else:
        parent = EffectiveRuleset(id="(nothing)", title=None, version=None, chain=(),
                                  jurisdiction=(), params={}, param_decls={}, rules=[],
                                  disabled=[], files=())
    result = diff(parent.id, ref, parent, eff)
    if fmt == "json":
        return dumps(view.to_json(result, __version__, 0))
    title = (f"ruleset {eff.id}: what its layer changes against its parent {parent.id}"
             if parent_ref is not None else
             f"ruleset {eff.id} extends no ruleset: everything in it is its own")
    return view.render_text(result, title=title)


DIFF_FORMATS = ("text", "json", "markdown")


@rulesets_command.command("diff")
@click.argument("old_ref", metavar="OLD")
@click.argument("new_ref", metavar="NEW")
@click.argument("proposals", nargs=-1, type=click.Path(path_type=Path), metavar="[PROPOSALS]...")
@rulesets_option
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default=None,
              help="Output format (default: text); markdown for the pull request that "
                   "changes the ruleset.")
@click.option("--fail-on-impact", type=click.Choice(["worse", "any", "never"]),
              default="worse", show_default=True,
              help="Exit 1 when a proposal gets worse (a finding newly fails, fails at a "
                   "higher severity or becomes unknown), when any outcome changes, or never.")
@click.option("--all-proposals", is_flag=True,
              help="Compare every proposal given, also those whose host country is not in "
                   "the new ruleset's jurisdiction.")
@click.option("--as-of", callback=_date, metavar="YYYY-MM-DD",
              help="The date the proposals are checked on (default: today).")
@click.pass_context
def rulesets_diff(ctx: click.Context, old_ref: str, new_ref: str, proposals: tuple[Path, ...],
                  extra_roots: tuple[Path, ...], fmt: str | None, fail_on_impact: str,
                  all_proposals: bool, as_of: dt.date) -> None:
    """Show what changes from ruleset OLD to ruleset NEW and, given proposal files or
    folders, what that does to them.

    OLD and NEW are each a ruleset id (national/xa), a country (XA), a ruleset file
    or folder, or REF@REV: REF as a git revision had it (national/xa@HEAD,
    rulesets/national/xa.cpol@main~1), read from the repository's history, never
    from its working tree. Lists every param whose value changes (old -> new, and
    whether it tightens or relaxes), every rule added, removed, disabled or
    re-severitied, with its `because`; then, per proposal and rule, every outcome
    that changes, with the evidence of the new one, and a summary table. Proposals
    of other host countries than the new ruleset's jurisdiction are not compared
    unless --all-proposals. Exit code: 0 no proposal gets worse, 1 one does (see
    --fail-on-impact), 2 bad input (a bad reference, revision or ruleset, or a
    proposal that does not load)."""
    import tempfile

    from ..base.errors import CappolicyError, SourceCache
    from ..proposal.recognise import looks_like_proposal
    from ..render import rulediff as view
    from ..render.jsontext import dumps
    from ..rulesets.diff import diff
    from ..run.collect import PROPOSAL_SUFFIXES, collect

    group = ctx.obj or {}
    rulesets = rulesets_in_scope((*group.get("extra_roots", ()), *extra_roots))
    fmt = fmt or (group.get("fmt") if group.get("fmt") in DIFF_FORMATS else None) or "text"
    files: list[Path] = []
    if proposals:
        files, problems = collect(proposals, PROPOSAL_SUFFIXES, "CP421", "proposal files")
        missing = [d for d in problems if d.level != "note"]
        if missing:
            raise Failure(missing)
        named = {path for path in proposals if not path.is_dir()}
        files = [f for f in files if f in named or looks_like_proposal(f)]
    with tempfile.TemporaryDirectory(prefix="cappolicy-rev-") as scratch:
        namers = []
        sides = []
        for n, ref in enumerate((old_ref, new_ref)):
            try:
                eff, namer = _diff_side(rulesets, ref, Path(scratch) / str(n))
            except CappolicyError as exc:
                raise Failure(exc.diagnostics) from None
            sides.append(eff)
            namers.append(namer)

        def name(file: str) -> str:
            for namer in namers:
                file = namer(file)
            return file
        result = diff(old_ref, new_ref, sides[0], sides[1], files, as_of, all_proposals)
        broken = any(i.errors for i in result.impacts)
        if broken:
            code = 2
        elif fail_on_impact == "worse":
            code = 1 if result.worse else 0
        elif fail_on_impact == "any":
            code = 1 if result.changed or result.params or result.rules else 0
        else:
            code = 0
        if fmt == "json":
            text = dumps(view.to_json(result, __version__, code, name))
        elif fmt == "markdown":
            text = view.render_markdown(result, name)
        else:
            text = view.render_text(result, name)
        cache = SourceCache()
        for impact in result.impacts:
            for d in impact.errors:
                click.echo(d.render(cache), err=True)
    click.echo(text)
    sys.exit(code)


@rulesets_command.command("impact")
@click.argument("changed", nargs=-1, type=click.Path(path_type=Path), metavar="[FILE]...")
@click.option("--revision", default="HEAD", show_default=True, metavar="REV",
              help="The git revision to compare the working tree's rulesets with.")
@click.option("--proposals", "proposal_paths", multiple=True, metavar="PATH",
              type=click.Path(path_type=Path),
              help="Proposal files or folders to compare (repeatable; default: every "
                   "proposal git tracks in the repository, outside its rulesets folders).")
@rulesets_option
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--as-of", callback=_date, metavar="YYYY-MM-DD",
              help="The date the proposals are checked on (default: today).")
def rulesets_impact(changed: tuple[Path, ...], revision: str, proposal_paths: tuple[Path, ...],
                    extra_roots: tuple[Path, ...], fmt: str, as_of: dt.date) -> None:
    """What the rule changes of the working tree do to the repository's proposals: the
    pre-commit hook of ruleset repositories (`cappolicy-impact`).

    Each proposal is compared under the ruleset `check` would use for it (the
    project's country, else its host country's, else the baseline) as REV has it
    and as the working tree has it, as `rulesets diff REF@REV REF PROPOSAL` does.
    FILE are the files the commit changes, as pre-commit passes them: with no rule
    file (.cpol) among them there is nothing to compare; a proposal among them may get
    worse (the commit updates it too), which is reported, not failed. Exit code: 0 no
    other proposal gets worse, 1 one does, 2 bad input (a ruleset of the working tree
    that does not load, a proposal that does not)."""
    import tempfile

    from ..base.errors import CappolicyError, SourceCache
    from ..proposal.recognise import looks_like_proposal
    from ..render import rulediff as view
    from ..render.jsontext import dumps
    from ..rulesets.catalog import Catalog
    from ..rulesets.catalog import Rulesets as Resolver
    from ..rulesets.diff import by_ruleset, diff
    from ..rulesets.history import commit_of, has_revision, repository_of, snapshot, tracked
    from ..run.collect import PROPOSAL_SUFFIXES, collect

    if changed and not any(path.suffix == ".cpol" for path in changed):
        sys.exit(0)  # no rule changes: nothing to compare
    try:
        top = repository_of(Path.cwd(), "rulesets impact")
        if not has_revision(top, revision) and revision == "HEAD":
            click.echo("note: the repository has no commit yet: nothing to compare", err=True)
            sys.exit(0)
        commit = commit_of(top, revision, revision)
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    rulesets = rulesets_in_scope(extra_roots)
    roots = [Path(root).resolve() for root in rulesets.catalog.roots]
    if proposal_paths:
        files, problems = collect(proposal_paths, PROPOSAL_SUFFIXES, "CP421", "proposal files")
        if [d for d in problems if d.level != "note"]:
            raise Failure([d for d in problems if d.level != "note"])
    else:
        from ..rulesets.catalog import display_path

        files = [Path(display_path(f)) for f in tracked(top, PROPOSAL_SUFFIXES)
                 if f.is_file() and not any(f.resolve().is_relative_to(r) for r in roots)]
    files = [f for f in files if looks_like_proposal(f)]
    exempt = {path.resolve() for path in changed}
    country = settings_in_force().country
    cache = SourceCache()
    code = 0
    texts: list[str] = []
    documents: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="cappolicy-rev-") as scratch:
        shot = snapshot(top, revision, commit, roots, Path(scratch))
        before = Resolver(Catalog([shot.mapped(root) or root for root in roots]))
        groups, problems, notes = by_ruleset(files, before, rulesets, country, revision)
        for d in problems:
            click.echo(d.render(cache), err=True)
            code = 2
        for note in notes:
            click.echo(f"note: {note}", err=True)
        blocking = 0
        for old, new, group in groups:
            result = diff(f"{old.id}@{revision}", new.id, old, new, group, as_of, True)
            if not (result.params or result.rules or result.changed):
                continue
            for impact in result.worse:
                if Path(impact.file).resolve() in exempt:
                    texts.append(f"note: {impact.file} gets worse, and this commit changes it "
                                 "too: not failed")
                else:
                    blocking += 1
            if fmt == "json":
                documents.append(view.to_json(result, __version__, 0, shot.display))
            elif fmt == "markdown":
                texts.insert(0, view.render_markdown(result, shot.display))
            else:
                texts.insert(0, view.render_text(result, shot.display))
    if blocking and code == 0:
        code = 1
        texts.append(f"{blocking} proposal{'s' if blocking != 1 else ''} get"
                     f"{'s' if blocking == 1 else ''} worse with this change: update "
                     f"{'it' if blocking == 1 else 'them'} in the same commit, or revise the "
                     "rules")
    if fmt == "json":
        click.echo(dumps({"schema": "cappolicy.rulesets-impact", "version": 1,
                          "revision": revision, "diffs": documents, "exit_code": code}))
    elif texts:
        click.echo("\n\n".join(texts))
    sys.exit(code)


def _diff_side(rulesets: Rulesets, text: str, scratch: Path
               ) -> tuple[EffectiveRuleset, Any]:
    """The effective ruleset one side of `rulesets diff` names, and how to name its files:
    REF (as `rulesets show` reads it) or REF@REV (from a copy of the revision's rule files,
    whose names are shown as `REV:path`)."""
    from ..rulesets.history import ruleset_at, split_ref

    def same(file: str) -> str:
        return file
    ref, revision = split_ref(text)
    if revision is None or Path(text).exists():
        return _show_target(rulesets, text)[0], same
    return ruleset_at(rulesets.catalog.roots, ref, revision, text, scratch)


def _show_target(rulesets: Rulesets, ref: str
                 ) -> tuple[EffectiveRuleset, str, str | None, str | None]:
    """The effective ruleset REF names, how REF was read (country, id or path), the
    country and the fallback note. Two letters are a country, as `check --country`
    reads them; then a ruleset id; then a file or folder."""
    from ..base.errors import CappolicyError, Diagnostic, suggestion
    from ..rulesets.catalog import BASELINE, source_from_path

    catalog = rulesets.catalog
    ref = ref.strip()
    if len(ref) == 2 and ref.isascii() and ref.isalpha():
        country = ref.upper()
        choice = rulesets.for_country(country)
        note = choice.note
        same_name = catalog.find(ref.lower())
        if note is not None and same_name is not None and same_name.id != BASELINE:
            note += (f" (the ruleset {same_name.id} has that name: "
                     f"`cappolicy rulesets show {same_name.id}`)")
        return choice.ruleset, "country", country, note
    path = Path(ref)
    source = catalog.find(ref)
    if path.exists() and (source is None or ref.endswith(".cpol") or path.is_absolute()
                          or ref.startswith(".")):
        return rulesets.get(source_from_path(path)), "path", None, None
    if source is not None:
        return rulesets.get(source), "id", None, None
    raise CappolicyError(Diagnostic(
        "CP420", f"no ruleset id, country or ruleset file '{ref}'", None,
        suggestion(ref, catalog.ids()) or
        f"known rulesets: {', '.join(catalog.ids()) or 'none'}; a country is two letters (XA)"))


if __name__ == "__main__":  # pragma: no cover
    main()
