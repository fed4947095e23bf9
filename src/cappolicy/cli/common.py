"""What the commands share: the failure that ends a command on bad input (exit 2), the
settings in force, and the rulesets in scope."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..base.errors import Diagnostic
    from ..report.model import Inputs
    from ..rulesets.catalog import EffectiveRuleset, Rulesets
    from ..run.settings import Settings


class Failure(click.ClickException):
    """Bad input found before checking started: diagnostics, exit code 2."""

    exit_code = 2

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics

    def show(self, file: Any = None) -> None:
        from ..base.errors import SourceCache

        cache = SourceCache()
        for d in self.diagnostics:
            click.echo(d.render(cache), err=True)


def report_inputs(rulesets: Rulesets) -> Inputs:
    """The settings file and rulesets folders of the run, as its reports name them."""
    import os

    from ..base.resources import shipped_rulesets
    from ..report.model import Inputs
    from ..rulesets.catalog import display_path

    shipped = shipped_rulesets().resolve()
    file = settings_in_force().file
    return Inputs(display_path(file) if file is not None else None,
                  tuple("<shipped>" if Path(os.path.realpath(root)) == shipped  # a loop: no raise
                        else display_path(root)
                        for root in rulesets.catalog.roots))


def settings_in_force() -> Any:
    """The project settings in force (loaded once per command)."""
    from ..base.errors import CappolicyError
    from ..run.settings import settings

    ctx = click.get_current_context()
    root = ctx.find_root()
    root.ensure_object(dict)
    if "settings" not in root.obj:
        try:
            root.obj["settings"] = settings(root.obj.get("config_file"))
        except CappolicyError as exc:
            raise Failure(exc.diagnostics) from None
    return root.obj["settings"]


def rulesets_in_scope(extra_roots: Sequence[Path], *, texts: bool = True) -> Rulesets:
    """The shipped rulesets, then the project's (settings), then --rulesets folders;
    a later folder's ruleset hides an earlier one of the same id. Without `texts`, the
    files that only translate rule texts are not read (a run in English)."""
    from ..base.resources import shipped_rulesets
    from ..rulesets.catalog import Catalog, Rulesets

    return Rulesets(Catalog([shipped_rulesets(), *settings_in_force().rulesets, *extra_roots],
                            texts=texts))


def named_ruleset(rulesets: Rulesets, ref: str) -> EffectiveRuleset:
    """A ruleset named on the command line: a file or folder, else a ruleset id."""
    from ..rulesets.catalog import named_ruleset as named

    return named(rulesets, ref)


def severity_of(value: str | None) -> str | None:
    """A severity of --fail-on: must, should, advisory, or the word a report prints for
    it (error, warning, info)."""
    from ..run.settings import SEVERITY_WORDS

    return SEVERITY_WORDS.get(value, value) if value is not None else None


def settings_of_files(files: Sequence[Path]) -> Any:
    """The settings of the project the files belong to, found from each file's folder
    (not the current one); --config names them outright. Files of two projects with
    different settings cannot be checked in one run: said, exit 2."""
    from ..base.errors import CappolicyError, Diagnostic
    from ..run.settings import Settings, find, load_found

    root = click.get_current_context().find_root()
    root.ensure_object(dict)
    if root.obj.get("config_file") is not None or not files:
        return settings_in_force()
    found: dict[Path | None, list[Path]] = {}
    settings: dict[Path, Path | None] = {}  # a folder's, for the files it holds
    for file in files:
        folder = file.parent
        if folder not in settings:
            settings[folder] = find(folder.resolve())
        found.setdefault(settings[folder], []).append(file)
    if len(found) > 1:
        lines = [f"{'no settings file' if where is None else where}: {', '.join(map(str, of[:3]))}"
                 f"{' ...' if len(of) > 3 else ''}" for where, of in found.items()]
        raise Failure([Diagnostic(
            "CP443", "the files belong to projects with different settings, which one run "
            "cannot use together: " + "; ".join(lines), None,
            "check each project's files in a run of their own, or name one settings file "
            "with --config")])
    (where,) = found
    try:
        root.obj["settings"] = load_found(where) if where is not None else Settings()
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    return root.obj["settings"]


def report_language(lang: str | None, project: Settings) -> str | None:
    """The language a command's reports for people are written in: --lang, else the
    project's `lang`; None for English (the text as written). One no catalogue is shipped
    for, or no language tag ("" included), ends the command before anything is checked
    (exit 2)."""
    from ..base.errors import CappolicyError
    from ..lang.i18n import is_english, translator

    lang = lang if lang is not None else project.lang  # "" is no language: refused
    if lang is None:
        return None
    try:
        lang = translator(lang).lang
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None
    return None if is_english(lang) else lang


def fixed_ruleset(rulesets: Rulesets, ref: str | None) -> EffectiveRuleset | None:
    """The ruleset --ruleset names, every proposal to be checked against it; None when
    none is named. One that cannot be loaded ends the command (exit 2)."""
    if ref is None:
        return None
    from ..base.errors import CappolicyError

    try:
        return named_ruleset(rulesets, ref)
    except CappolicyError as exc:
        raise Failure(exc.diagnostics) from None


def checked_files(paths: Sequence[Path], only_proposals: bool = False,
                  unread: list[tuple[Path, Diagnostic]] | None = None) -> list[Path]:
    """The files `check` and `portfolio` read from the paths named: every file named, and
    the proposal and IATI files the folders hold. A path that cannot be read (missing,
    not a regular file, a folder with none) ends the command (exit 2), unless `unread` is
    given: then each such path and its diagnostic are put there, for the report to give
    as that path's error while the other files are checked. What a folder brings that is
    not a proposal is said on standard error and skipped. With `only_proposals`, a file
    named is skipped too when it is not one."""
    from ..proposal.recognise import looks_like_proposal
    from ..base.deferred import N_
    from ..run.collect import CHECKED_SUFFIXES, collect, iati_in_folders

    files: list[Path] = []
    problems: list[Diagnostic] = []
    missing: list[Diagnostic] = []
    brought: dict[Path, list[Path]] = {}  # a folder named: the files it holds
    for path in dict.fromkeys(paths):
        found, said = collect([path], CHECKED_SUFFIXES, "CP421", N_("proposal files"))
        files.extend(found)
        if found and path.is_dir():
            brought[path] = found
        problems.extend(d for d in said if d.level == "note")
        for bad in (d for d in said if d.level != "note"):
            missing.append(bad)
            if unread is not None:
                unread.append((path, bad))
    files = list(dict.fromkeys(files))
    if missing and (unread is None or not files):
        raise Failure(missing)
    for note in problems:  # files skipped in folders: said, then the others are checked
        click.echo(note.render(), err=True)
    named = {path for path in paths if not path.is_dir()}
    # a file a folder brings, or any file with --only-proposals, is checked when its
    # document has a top-level `cappolicy` key (or does not parse: the loader says why)
    # (an .xml file is an IATI file or not by its root element: iati_in_folders)
    others = [file for file in files
              if (only_proposals or file not in named) and file.suffix.lower() != ".xml"
              and not looks_like_proposal(file)]
    if others:
        skip = set(others)  # a set: thousands of files each looked up in a list was slow
        files = [file for file in files if file not in skip]
        if any(file not in named for file in others):
            _said_skipped(others, "YAML/JSON file", "YAML/JSON files",
                          "with no top-level `cappolicy` key (not proposals)")
    kept = iati_in_folders(files, () if only_proposals else paths)
    taken = set(kept)  # .xml files a folder brought that are not IATI files: said, as
    xml = [file for file in files if file not in taken and file not in named]  # YAML is
    if xml:
        _said_skipped(xml, "XML file", "XML files",
                      "whose root is not <iati-activities> (not IATI activity files)")
    _no_proposals(brought, set(kept), unread)
    return kept


def _no_proposals(brought: dict[Path, list[Path]], kept: set[Path],
                  unread: list[tuple[Path, Diagnostic]] | None) -> None:
    """CP421 for a folder named whose files are all other files than proposals (a wrong
    folder, say `.github`): a run that checked none of it passed. Said as that folder's
    error, the other paths checked, when `unread` is given; else the command ends."""
    from ..base.deferred import N_
    from ..base.errors import Diagnostic

    for folder, found in brought.items():
        if any(file in kept for file in found):
            continue
        why = Diagnostic("CP421", N_("{folder} holds no proposals: each of its YAML, JSON "
                                     "and XML files is another file (no top-level "
                                     "`cappolicy` key, or no IATI activity file)",
                                     folder=str(folder)), None,
                         N_("name the folder of the proposals, or add `cappolicy: 1` to a "
                            "proposal that lacks it"))
        if unread is None:
            raise Failure([why])
        unread.append((folder, why))


def _said_skipped(files: list[Path], one: str, many: str, why: str) -> None:
    """The note on standard error naming the files a folder brought that are skipped."""
    from ..base.visible import visible

    shown = ", ".join(str(f) for f in files[:5]) + (
        f" and {len(files) - 5} more" if len(files) > 5 else "")
    # a file name is the committer's: a newline in it would start a line of its own on
    # standard error (a GitHub workflow command, `::error` or `::stop-commands::`)
    click.echo(visible(f"note: skipped {len(files)} {one if len(files) == 1 else many} "
                       f"{why}: {shown}"), err=True)
