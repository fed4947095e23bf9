"""`cappolicy fmt`: rule files in the canonical layout, comments kept (cappolicy.lang.fmt)."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click


@click.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True,
              help="Write nothing; list the files that would change, and exit 1 if any would.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print the changes as a unified diff, and exit 1 if there "
                   "are any.")
def command(paths: tuple[Path, ...], check: bool, show_diff: bool) -> None:
    """Lay out rule files (.cpol) in the canonical layout, keeping their comments.

    Give rule files, or folders to search for *.cpol files. Without --check or --diff,
    every file not yet in the layout is rewritten in place. A file that does not parse is
    reported and left as it is. Exit code: 0 done, or nothing to change; 1 (with --check
    or --diff) a file would change; 2 a file cannot be read or does not parse."""
    from ...base.errors import CappolicyError, SourceCache
    from ...lang.fmt import FormatError, format_text
    from ...run.collect import collect

    files, problems = collect(paths, (".cpol",), "CP420", "rule files")
    cache = SourceCache()
    # a file passed over with a note (a link out of the folder) is no file that failed
    failed = sum(1 for d in problems if d.level == "error")
    for diagnostic in problems:
        click.echo(diagnostic.render(), err=True)
    changed = unchanged = 0
    for path in files:
        try:
            text = _read(path)
            cache.add(str(path), text)
            formatted = format_text(text, str(path))
        except CappolicyError as exc:
            failed += 1
            for diagnostic in exc.diagnostics:
                click.echo(diagnostic.render(cache), err=True)
            continue
        except FormatError as exc:  # a bug of the formatter: never write what it made
            failed += 1
            click.echo(f"error: {exc}; {path} is left as it is (please report this)", err=True)
            continue
        if formatted == text:
            unchanged += 1
            continue
        changed += 1
        if show_diff:
            click.echo(_diff(str(path), text, formatted), nl=False)
        elif check:
            click.echo(f"would reformat {path}")
        else:
            problem = _write(path, formatted)
            if problem is not None:
                failed += 1
                changed -= 1
                click.echo(problem, err=True)
                continue
            click.echo(f"reformatted {path}", err=True)
    verb = "would be reformatted" if check or show_diff else "reformatted"
    summary = f"{_files(changed)} {verb}, {_files(unchanged)} unchanged"
    if failed:
        summary += f", {failed} with errors (left as they are)"
    click.echo(summary, err=True)
    if failed:
        sys.exit(2)
    if changed and (check or show_diff):
        sys.exit(1)


def _write(path: Path, text: str) -> str | None:
    """Write the formatted `text` over the rule file `path` whole (files.write_atomic: a
    run stopped half-way leaves the file as it was, never half written), through a
    symbolic link named on the command line, which stays a link, when it leads to a file
    of the same project; the error to print when it cannot be. A link out of the project
    is not written through: a pre-commit hook names the files a pull request brings, and
    one of them may be a link to a file elsewhere on the reviewer's machine."""
    from ...base.errors import Diagnostic
    from ...base.files import held_within, write_atomic

    target = path.resolve()
    folder = held_within(path.absolute().parent)
    if not target.is_relative_to(folder):  # the file, or a folder on its way, a link
        return Diagnostic("CP425", f"{path} leads through a symbolic link to {target}, "
                                   f"outside its project {folder}: not rewritten", None,
                          "format the file it leads to where it lies").render()
    try:
        write_atomic(target, text)
    except OSError as exc:
        return Diagnostic("CP422", f"cannot write {path}: {exc.strerror or exc}; it is left "
                                   "as it was", None,
                          "check that it and its folder can be written to").render()
    return None


def _read(path: Path) -> str:
    """The file's text, line ends as written (so that CRLF files count as changed)."""
    from ...base.errors import CappolicyError, Diagnostic
    from ...base.span import Span
    from ...lang.parse import read_rule_bytes

    data = read_rule_bytes(str(path))  # no further than a rule file may be long
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CappolicyError(Diagnostic("CP100", f"{path} is not UTF-8 text ({exc.reason})",
                                        Span(str(path), 1, 1))) from None


def _diff(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.split("\n"), after.split("\n"), name, name, lineterm="")
    return "".join(line + "\n" for line in lines)


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"
