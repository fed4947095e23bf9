"""The command line. click is imported here and nowhere else; the heavy modules
are imported inside the commands so that `cappolicy --version` starts quickly."""

from __future__ import annotations

import datetime as dt
import sys
import itertools
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .options import color_option, rulesets_option, write_output

if TYPE_CHECKING:
    from .errors import Diagnostic
    from .proposal import Proposal
    from .render.report import Inputs
    from .rulesets import EffectiveRuleset, Rulesets

PROPOSAL_SUFFIXES = (".yaml", ".yml", ".json")
SEVERITIES = ("must", "should", "advisory")
#: `check`'s report formats: cappolicy.render.FORMATS, written out so that the
#: command line does not import the renderers to start.
CHECK_FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")


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


def _outputs(ctx: click.Context, param: click.Parameter,
             values: tuple[str, ...]) -> tuple[tuple[str, Path], ...]:
    """`--output FORMAT=FILE` values as (format, file) pairs; each file named once."""
    from .errors import suggestion

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
        if any(path == other for _, other in pairs):
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
    """A group's commands by name, with those of cappolicy.commands imported only when
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
    """The `cappolicy` group. `check`, `graph` and `rulesets` are defined in this module;
    the others, one module each in cappolicy.commands, are imported only when run (or
    looked up by name): `commands` lists them all, and `--help` shows them all, without
    importing them."""

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


def _settings() -> Any:
    """The project settings in force (loaded once per command)."""
    from .config import settings
    from .errors import CappolicyError

    ctx = click.get_current_context()
    root = ctx.find_root()
    root.ensure_object(dict)
    if "settings" not in root.obj:
        try:
            root.obj["settings"] = settings(root.obj.get("config_file"))
        except CappolicyError as exc:
            raise Failure(exc.diagnostics) from None
    return root.obj["settings"]


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--ruleset", "ruleset_ref", metavar="FILE|ID",
              help="Check every proposal against this ruleset: a file, a folder or a ruleset "
                   "id (baseline, regional/aec, national/xa).")
@click.option("--country", metavar="CC",
              help="Check every proposal against this country's ruleset (ISO 3166-1 alpha-2).")
@rulesets_option
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text",
              show_default=True, help="Format of the report on standard output: text, json, "
                                      "sarif (2.1.0), junit (XML), github (workflow-command "
                                      "annotations) or markdown (a pull-request comment).")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=FILE", callback=_outputs,
              help="Also write the report in FORMAT to FILE, e.g. sarif=report.sarif "
                   "(repeatable; missing folders are made). The exit code stays the "
                   "check's; a file that cannot be written exits 2.")
@click.option("--sarif-root", type=click.Path(path_type=Path, file_okay=False, exists=True),
              default=None, metavar="DIR",
              help="The repository root that file names in sarif, github and markdown "
                   "reports are relative to (default: the current folder).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding of this severity or above fails (default: must, "
                   "or the project's fail_on).")
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
def check(paths: tuple[Path, ...], ruleset_ref: str | None, country: str | None,
          extra_roots: tuple[Path, ...], fmt: str, fail_on: str | None, allow_unknown: bool,
          as_of: dt.date, verbose: bool, color: bool | None, only_proposals: bool = False,
          outputs: tuple[tuple[str, Path], ...] = (), sarif_root: Path | None = None,
          jobs: int = 1) -> None:
    """Check proposal files (YAML or JSON) or folders of them.

    Each proposal is checked against the ruleset of its host_country unless
    --ruleset or --country says otherwise; a country with no national ruleset is
    checked against the baseline, with a note. One run can write several reports:
    --format for standard output, --output FORMAT=FILE for each file (see
    docs/ci-formats.md). Exit code: 0 nothing fails at or above --fail-on, 1
    something does, 2 bad input, a bad ruleset or a report file that cannot be
    written."""
    from .check import Job, Writing, check_files
    from .errors import CappolicyError, SourceCache

    if ruleset_ref is not None and country is not None:
        raise click.UsageError("give --ruleset or --country, not both")
    project = _settings()
    fail_on = fail_on or project.fail_on or "must"
    if ruleset_ref is None and country is None:
        country = project.country
    from .files import collect

    files, problems = collect(paths, PROPOSAL_SUFFIXES, "CP421", "proposal files")
    missing = [d for d in problems if d.level != "note"]
    if missing:
        raise Failure(missing)
    for note in problems:  # files skipped in folders: said, then the others are checked
        click.echo(note.render(), err=True)
    if only_proposals:
        from .recognise import looks_like_proposal

        files = [file for file in files if looks_like_proposal(file)]
    rulesets = _rulesets(extra_roots)
    fixed = None
    if ruleset_ref is not None:
        try:
            fixed = _named_ruleset(rulesets, ruleset_ref)
        except CappolicyError as exc:
            raise Failure(exc.diagnostics) from None
    use_color = sys.stdout.isatty() if color is None else color
    shown = (fmt, use_color and fmt == "text")  # files get no colour
    wanted = tuple(dict.fromkeys([shown, *((out_fmt, False) for out_fmt, _ in outputs)]))
    writing = Writing(wanted, fail_on, allow_unknown, verbose)
    job = Job(tuple(rulesets.catalog.roots), ruleset_ref, country, as_of, writing)
    checked = check_files(files, job, rulesets, fixed, jobs)
    report = checked.report(fail_on, as_of, __version__, allow_unknown, _inputs(rulesets))
    sources = SourceCache()

    def text_of(out_fmt: str, out_color: bool) -> Iterator[str]:
        """The report, a piece at a time: a run of many files never holds it whole."""
        return checked.pieces(report, out_fmt, color=out_color, verbose=verbose,
                              sources=sources, root=sarif_root, writing=writing)

    for piece in text_of(*shown):
        click.echo(piece, nl=False, color=use_color)
    click.echo("", color=use_color)
    unwritten = [problem for out_fmt, file in outputs
                 if (problem := _write_report(text_of(out_fmt, False), file)) is not None]
    if unwritten:
        raise Failure(unwritten)
    sys.exit(checked.exit_code(report))


def _inputs(rulesets: Rulesets) -> Inputs:
    """The settings file and rulesets folders of the run, as its reports name them."""
    from .render.report import Inputs
    from .resources import shipped_rulesets
    from .rulesets import display_path

    shipped = shipped_rulesets().resolve()
    file = _settings().file
    return Inputs(display_path(file) if file is not None else None,
                  tuple("<shipped>" if Path(root).resolve() == shipped else display_path(root)
                        for root in rulesets.catalog.roots))


def _write_report(text: Iterable[str], file: Path) -> Diagnostic | None:
    """Write one --output file (making its folder) whole, from the pieces of the report,
    replacing a symbolic link there rather than writing through it; a CP422 diagnostic
    when it cannot be."""
    from .errors import Diagnostic
    from .files import write_atomic

    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file, itertools.chain(text, ["\n"]))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return Diagnostic("CP422", f"cannot write the report file {file}: {reason}", None,
                          "check that its folder exists or can be made, and can be written to")
    return None


def _rulesets(extra_roots: Sequence[Path]) -> Rulesets:
    """The shipped rulesets, then the project's (settings), then --rulesets folders;
    a later folder's ruleset hides an earlier one of the same id."""
    from .resources import shipped_rulesets
    from .rulesets import Catalog, Rulesets

    return Rulesets(Catalog([shipped_rulesets(), *_settings().rulesets, *extra_roots]))


def _named_ruleset(rulesets: Rulesets, ref: str) -> EffectiveRuleset:
    """A ruleset named on the command line: a file or folder, else a ruleset id."""
    from .rulesets import named_ruleset

    return named_ruleset(rulesets, ref)


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
@click.option("--country", metavar="CC",
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
    from .errors import CappolicyError, Diagnostic, SourceCache
    from .graph import build
    from .load import load_proposal
    from .render import graphout

    if ruleset_ref is not None and country is not None:
        raise click.UsageError("give --ruleset or --country, not both")
    if fmt is None:
        fmt = GRAPH_SUFFIXES.get(output.suffix.lower(), "dot") if output is not None else "dot"
    if proposal_path.is_dir():
        raise Failure([Diagnostic("CP421", f"{proposal_path} is a folder; `cappolicy graph` "
                                  "draws one proposal file")])
    if not proposal_path.is_file():
        raise Failure([Diagnostic("CP421", f"no such file: {proposal_path}")])
    try:
        proposal = load_proposal(proposal_path)
        findings = None
        ruleset_id = None
        if ruleset_ref is not None or country is not None:
            eff, note = _graph_ruleset(_rulesets(extra_roots), ruleset_ref, country, proposal)
            if note:
                click.echo(f"note: {note}", err=True)
            from .evaluate import evaluate

            findings = evaluate(eff.compiled(), proposal, as_of, ruleset=eff.id, effective=eff)
            ruleset_id = eff.id
        governance = build(proposal.data)
        highlight = None if findings is None else \
            {e for f in findings if f.outcome == "fail" for e in f.edges}
        if fmt == "json":
            from .render.jsontext import dumps

            text = dumps(graphout.to_json(governance, proposal, highlight=highlight,
                                          findings=findings, ruleset=ruleset_id)) + "\n"
        else:
            text = graphout.to_dot(governance, highlight or frozenset(), proposal)
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
        click.echo(f"note: {failing} failing finding{'s' if failing != 1 else ''} against "
                   f"{ruleset_id}; {len(highlight or ())} edge"
                   f"{'s' if len(highlight or ()) != 1 else ''} marked", err=True)
    write_output(text, output)


def _graph_ruleset(rulesets: Rulesets, ref: str | None, country: str | None,
                   proposal: Proposal) -> tuple[EffectiveRuleset, str | None]:
    """The ruleset `graph` checks against: a file or folder, a ruleset id, or a country's."""
    if ref is None:
        country = country or _settings().country
        choice = rulesets.for_country((country or proposal.host_country or "").upper() or None)
        return choice.ruleset, choice.note
    return _named_ruleset(rulesets, ref), None


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
    from .errors import SourceCache
    from .render import rulesetview
    from .render.jsontext import dumps
    from .resources import shipped_rulesets
    from .rulesets import BASELINE, survey

    catalog = _rulesets(extra_roots).catalog
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
    broken = any(not n.entry.ok for n in rulesetview.walk(forest))
    sys.exit(2 if broken else 0)


@rulesets_command.command("show")
@click.argument("ref", metavar="REF")
@rulesets_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None,
              help="Output format (default: text).")
@color_option
@click.pass_context
def rulesets_show(ctx: click.Context, ref: str, extra_roots: tuple[Path, ...], fmt: str | None,
                  color: bool | None) -> None:
    """Print the effective ruleset of REF after inheritance: a country (XA), a
    ruleset id (baseline, regional/aec, national/xa) or a ruleset file or folder.

    Shows the chain of layers; every param with its value, type, the file:line that
    set it, its `because` and what it replaced; every rule with its severity,
    principle, source and the layer that defined it; every disabled rule. Each
    relaxation of a parent ruleset is marked RELAXED. A country without a national
    ruleset falls back to the baseline, as `check` does. Exit code: 0 shown, 2 the
    reference or the ruleset is bad."""
    from .errors import CappolicyError
    from .render import rulesetview
    from .render.jsontext import dumps
    from .resources import shipped_rulesets

    group = ctx.obj or {}
    rulesets = _rulesets((*group.get("extra_roots", ()), *extra_roots))
    fmt = fmt or group.get("fmt") or "text"
    color = color if color is not None else group.get("color")
    try:
        eff, kind, country, note = _show_target(rulesets, ref)
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    shipped = shipped_rulesets()
    shown = rulesetview.Shown(ref, kind, country, note, eff, {
        layer.id: rulesetview.layer_where(layer, rulesets.catalog, shipped) for layer in eff.layers})
    use_color = sys.stdout.isatty() if color is None else color
    if fmt == "json":
        text = dumps(rulesetview.shown_to_json(shown, __version__))
    else:
        text = rulesetview.render_shown(shown, color=use_color)
    click.echo(text, color=use_color)


def _show_target(rulesets: Rulesets, ref: str
                 ) -> tuple[EffectiveRuleset, str, str | None, str | None]:
    """The effective ruleset REF names, how REF was read (country, id or path), the
    country and the fallback note. Two letters are a country, as `check --country`
    reads them; then a ruleset id; then a file or folder."""
    from .errors import CappolicyError, Diagnostic, suggestion
    from .rulesets import BASELINE, source_from_path

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
