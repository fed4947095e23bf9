"""Project settings: a proposal repository says where its own rulesets live and
which country it checks for, once, instead of on every command line.

Read from `cappolicy.toml` (keys at the top level) or from the `[tool.cappolicy]`
table of `pyproject.toml`, whichever is found first walking up from the current
folder (a `cappolicy.toml` wins over a `pyproject.toml` in the same folder), up to
the project's root and never above it: the first folder holding `.git` (a folder, or
the file of a worktree) or the user's home folder, whichever comes first. Outside
both, only the current folder is looked in: a settings file in /tmp or another
shared folder above a checkout never applies to it, and the search never climbs into a
folder another user could have written to (project_root). A project has one settings
file: one found below another of the same project is refused (CP440), since the nearer
would replace the project's for the files below it (`_outer`).
Command-line options override the file; `--config FILE` names it outright.

    rulesets = ["policy/rulesets"]   # folders, relative to the file
    country = "XA"                   # check every proposal against this country's ruleset
    fail_on = "should"               # must | should | advisory (or error | warning | info)
    sources = "docs/sources"         # the cited source documents, relative to the file
    lang = "fr"                      # the language of the text, markdown and html reports
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..base.deferred import N_
from ..base.errors import CappolicyError, Diagnostic, did_you_mean
from ..base.files import held_within, project_root, read_text, search_folders, untrusted_above
from ..base.patterns import lazy
from ..base.record import Record
from ..base.span import Span, source_lines

if TYPE_CHECKING:
    import types


def _toml() -> types.ModuleType:
    """The TOML reader, imported when there is a settings file to read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib


KEYS = ("rulesets", "country", "fail_on", "sources", "lang")
#: the most of a settings file cappolicy reads
MAX_BYTES = 1024 * 1024
#: the most parts a dotted key of a settings file may have (`tool.cappolicy.lang` has
#: three): tomllib's memory grows with the square of a key's parts (1.6 GB for one key of
#: 20,000), so a file with a longer key is refused before tomllib reads it
MAX_KEY_PARTS = 32
#: the most unknown settings said one by one; the others are counted
MAX_UNKNOWN = 20
SEVERITIES = ("must", "should", "advisory")
#: the words reports print for a failing finding of each severity, accepted for it
SEVERITY_WORDS = {"error": "must", "warning": "should", "info": "advisory"}


class Settings(Record):
    """The settings in force and the file they came from (None: defaults)."""

    __slots__ = ("file", "rulesets", "country", "fail_on", "sources", "lang")
    file: Path | None
    rulesets: tuple[Path, ...]
    country: str | None
    fail_on: str | None
    sources: Path | None  # the folder of the cited source documents
    lang: str | None  # the reports' language (i18n.py)

    def __init__(self, file: Path | None = None, rulesets: tuple[Path, ...] = (),
                 country: str | None = None, fail_on: str | None = None,
                 sources: Path | None = None, lang: str | None = None) -> None:
        _set = object.__setattr__
        _set(self, "file", file)
        _set(self, "rulesets", rulesets)
        _set(self, "country", country)
        _set(self, "fail_on", fail_on)
        _set(self, "sources", sources)
        _set(self, "lang", lang)


def find(start: Path) -> Path | None:
    """The nearest `cappolicy.toml`, or `pyproject.toml` with a `[tool.cappolicy]`
    table, in `start` or a folder above it within the project (search_folders)."""
    for folder in search_folders(start):
        found = _settings_in(folder)
        if found is not None:
            return found
    stopped = untrusted_above(start)
    if stopped is not None and stopped not in _SAID:  # never silently: say why once a run
        _SAID.add(stopped)
        print(f"note: settings and a .git at or above {stopped} are not read: another user "
              "can write to that folder or owns it (docs/security.md)", file=sys.stderr)
    return None


#: the folders `find` has said it does not climb into, once each a run
_SAID: set[Path] = set()


def _is_country(code: str) -> bool:
    from ..proposal.validate import is_country

    return is_country(code)


def _has_table(path: Path) -> bool:
    try:
        text = read_text(path, MAX_BYTES, what="settings file")
    except (OSError, UnicodeDecodeError):
        return True  # let `load` report what is wrong with it
    if _deep_key(text) is not None:
        return True  # never handed to tomllib: `load` refuses it
    if "cappolicy" not in text and "\\u" not in text and "\\U" not in text:
        # a key is spelt as it is written but through a quoted key's escapes: a file that
        # names no `cappolicy` has no such table, and is not parsed (a Python project's
        # pyproject.toml above the proposals: about 2 ms of every run's start)
        return False
    tomllib = _toml()
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return True
    tool = data.get("tool")
    return isinstance(tool, Mapping) and "cappolicy" in tool


def load_found(path: Path) -> Settings:
    """The settings of a file `find` found, not one named with --config: held to its
    project (the folder project_root finds above it, else its own folder). A settings
    file that is a symbolic link leading out of the project is not read, and the
    folders it names must lie inside the project, so that settings a pull request
    brings cannot make a check read or scan other files of the machine (`rulesets =
    ["/"]` would walk the whole file system). --config trusts the file it names."""
    inside, target = _held(path)
    outer = _outer(path)
    if outer is not None:
        raise CappolicyError(Diagnostic("CP440", N_(
            "settings file {file} lies within the project of {outer}, whose settings it "
            "would replace for the files below it: not read", file=str(path),
            outer=str(outer)), Span(str(path), 0, 0), N_(
            "a project has one settings file: merge the two, or name the one to use with "
            "--config")))
    if not target.is_relative_to(inside):
        raise CappolicyError(Diagnostic("CP440", N_(
            "settings file {file} is a symbolic link to {target}, outside its project "
            "{project}: not read", file=str(path), target=str(target), project=str(inside)),
            Span(str(path), 0, 0), N_("name the settings file with --config to use it")))
    return load(path, inside)


def _settings_in(folder: Path) -> Path | None:
    """The settings file of `folder`, if it has one: its `cappolicy.toml` (a FIFO or a
    device too: `load` refuses it), else its `pyproject.toml` with a [tool.cappolicy]
    table."""
    own = folder / "cappolicy.toml"
    if own.exists() and not own.is_dir():
        return own
    project = folder / "pyproject.toml"
    if project.is_file() and _not_out(project) and _has_table(project):
        return project
    return None


def _outer(path: Path) -> Path | None:
    """A settings file of the same project above the one found, if any: the nearer one
    would replace it for the files below it, so that a file a pull request adds beside
    its proposal (even an empty one) would relax the project's `fail_on` or bring
    rulesets of its own, and the only trace would be its name on the report's first
    line. Nothing above is read but to ask whether it is a settings file."""
    root = project_root(path.parent)
    if root is None or not os.path.lexists(root / ".git"):
        return None  # the home folder's settings are the user's, not a project's
    for folder in path.parent.parents:
        if not folder.is_relative_to(root):
            return None
        found = _settings_in(folder)
        if found is not None:
            return found
    return None


def _held(path: Path) -> tuple[Path, Path]:
    """The project a settings file found in its folder is held to (the folder project_root
    finds above it, else its own folder), and the file it is, links followed."""
    return held_within(path.parent), Path(os.path.realpath(path))


def _not_out(project: Path) -> bool:
    """Whether a pyproject.toml may be read to ask if it has a [tool.cappolicy] table:
    not a symbolic link leading out of its project. Reading one would tell, by the run's
    exit, whether a file elsewhere on the machine names cappolicy; it is left unread, and
    said so once a run (a Python project's own pyproject.toml is seldom a link)."""
    if not project.is_symlink():
        return True
    inside, target = _held(project)
    if target.is_relative_to(inside):
        return True
    if project not in _SAID:
        _SAID.add(project)
        print(f"note: {project} is a symbolic link to {target}, outside its project "
              f"{inside}: not read for settings (name it with --config to use it)",
              file=sys.stderr)
    return False


def load(path: Path, within: Path | None = None) -> Settings:
    """The settings in `path`; CappolicyError (exit 2) for anything wrong, located.
    With `within`, the folders they name must lie inside it (load_found)."""
    try:
        text = read_text(path, MAX_BYTES, what="settings file")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise CappolicyError(Diagnostic("CP440", N_("cannot read settings file {file}: {reason}",
                                                           file=str(path), reason=str(reason)),
                                        Span(str(path), 0, 0))) from None
    deep = _deep_key(text)
    if deep is not None:
        raise CappolicyError(Diagnostic("CP440", N_(
            "invalid TOML: {problem}", problem=f"a key of more than {MAX_KEY_PARTS} dotted "
            "parts, more than any setting has: not read"), Span(str(path), *deep)))
    tomllib = _toml()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raw = str(exc.args[0] if exc.args else exc)
        at = re.search(r"\(at line (\d+), column (\d+)\)", raw)
        if at is not None:
            line, col = int(at.group(1)), int(at.group(2))
        else:  # "(at end of document)"
            line, col = max(1, len(source_lines(text))), 1
        message = re.sub(r"\s*\(at [^)]*\)$", "", raw)
        raise CappolicyError(Diagnostic("CP440", N_("invalid TOML: {problem}", problem=message),
                                        Span(str(path), line, col))) from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise CappolicyError(Diagnostic("CP440", N_(
            "invalid TOML: {problem}", problem="arrays or tables nested too deeply to read"),
            Span(str(path), 1, 1))) from None
    table: Any = data
    where = ""
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("cappolicy", {}) if isinstance(
            data.get("tool"), Mapping) else {}
        where = "[tool.cappolicy] "
    errors: list[Diagnostic] = []
    spans: dict[str, Span] = {}

    def err(key: str, message: str, help_: str | None = None) -> None:
        if not spans:
            spans.update(_key_spans(path, text))
        errors.append(Diagnostic("CP441", N_("[tool.cappolicy] {message}", message=message)
                                 if where else message,
                                 spans.get(key, Span(str(path), 1, 1)), help_))

    def outside(key: str, written: str, folder: Path) -> bool:
        """Whether `folder` lies outside the project the settings are held to (said)."""
        if within is None or folder.is_relative_to(within):
            return False
        err(key, N_("{key} folder '{folder}' is outside the project {project}",
                    key=key, folder=written, project=str(within)) if written == str(folder)
            else N_("{key} folder '{folder}' is {path}, outside the project {project}",
                    key=key, folder=written, path=str(folder), project=str(within)),
            N_("a settings file found in a project names folders inside it; name the "
               "settings file with --config, or the folder with an option, to use a "
               "folder elsewhere"))
        return True

    def unusable(key: str, written: str, reason: str) -> None:
        err(key, N_("{key} folder '{folder}' cannot be used: {reason}", key=key,
                    folder=written, reason=reason))

    def checked_folder(key: str, written: str) -> tuple[Path, bool] | None:
        """The folder a `rulesets` or `sources` setting names, and whether it is missing
        (for the caller to say in its key's words); None when it cannot be used or lies
        outside the project (said)."""
        found = _realpath(path.parent, written)
        if isinstance(found, str):
            unusable(key, written, found)
            return None
        if outside(key, written, found):
            return None
        problem = _folder_problem(found)
        if problem:
            unusable(key, written, problem)
        return found, problem == ""

    if not isinstance(table, Mapping):
        raise CappolicyError(Diagnostic("CP441", N_("[tool.cappolicy] must be a table of settings")
                                        if where else N_("must be a table of settings"),
                                        Span(str(path), 1, 1)))
    unknown = [str(key) for key in table if key not in KEYS]
    for key in unknown[:MAX_UNKNOWN]:
        best = did_you_mean(key, KEYS)
        err(key, N_("unknown setting '{key}'", key=key),
            N_("did you mean '{name}'?", name=best) if best
            else N_("settings: {keys}", keys=", ".join(KEYS)))
    if len(unknown) > MAX_UNKNOWN:  # a file of thousands is one mistake, said once
        err(unknown[MAX_UNKNOWN], N_("... and {n} more", n=len(unknown) - MAX_UNKNOWN),
            N_("settings: {keys}", keys=", ".join(KEYS)))
    roots: list[Path] = []
    raw = table.get("rulesets", [])
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        err("rulesets", N_("'rulesets' is a folder or a list of folders, as text"))
    else:
        for item in items:
            got = checked_folder("rulesets", item)
            if got is None:
                continue
            root, missing = got
            if missing:
                err("rulesets", N_("rulesets folder '{folder}' does not exist "
                                   "(looked for {path})", folder=item, path=str(root)))
            roots.append(root)
    country = table.get("country")
    if country is not None and not (isinstance(country, str) and len(country) == 2
                                    and country.isalpha() and _is_country(country.upper())):
        err("country", N_("'country' is a two-letter country code, not {value}",
                          value=repr(country)))
        country = None
    fail_on = table.get("fail_on")
    if isinstance(fail_on, str):
        fail_on = SEVERITY_WORDS.get(fail_on, fail_on)
    if fail_on is not None and fail_on not in SEVERITIES:
        err("fail_on", N_("'fail_on' is one of {values}, not {value}",
                          values=", ".join(SEVERITIES), value=repr(fail_on)))
        fail_on = None
    sources = table.get("sources")
    folder = None
    if sources is not None and not isinstance(sources, str):
        err("sources", N_("'sources' is the folder of the cited source documents, as text"))
    elif sources is not None and (got := checked_folder("sources", sources)) is not None:
        folder, missing = got
        if missing:
            err("sources", N_("sources folder '{folder}' does not exist (looked for "
                              "{path})", folder=sources, path=str(folder)))
    lang = table.get("lang")
    if lang is not None:
        from ..lang.i18n import translator  # here: only a project that sets it pays for it

        try:
            lang = translator(lang).lang if isinstance(lang, str) else None
        except CappolicyError as exc:
            lang = None
            err("lang", exc.diagnostics[0].message, exc.diagnostics[0].help)
        else:
            if lang is None:
                err("lang", N_("'lang' is a language, such as \"fr\", not {value}",
                               value=repr(table["lang"])))
    if errors:
        raise CappolicyError(errors)
    return Settings(path, tuple(roots), country.upper() if isinstance(country, str) else None,
                    fail_on, folder, lang)


def _realpath(base: Path, written: str) -> Path | str:
    """The folder `written` names from `base`, its links resolved (a loop of them does not
    raise); or why it names none."""
    try:
        return Path(os.path.realpath(base / written))
    except ValueError:  # a NUL in the name, which TOML may spell as "\u0000"
        return "its name holds a NUL character"
    except OSError as exc:
        return exc.strerror or str(exc)


def _folder_problem(folder: Path) -> str | None:
    """None when `folder` is a folder, "" when it is not, else why it cannot be looked at
    (a name longer than the system allows, a folder above it that cannot be entered); of
    a file, only the last is of interest."""
    try:
        return None if folder.is_dir() else ""
    except OSError as exc:
        return exc.strerror or str(exc)


def settings(explicit: Path | None, start: Path | None = None) -> Settings:
    """The settings of the project around `start` (default: the current folder), or
    of `explicit` when given."""
    if explicit is not None:
        problem = _folder_problem(explicit)  # a name too long raises from is_file
        if problem:
            raise CappolicyError(Diagnostic("CP440", N_(
                "cannot read settings file {file}: {reason}", file=str(explicit),
                reason=problem), Span(str(explicit), 0, 0)))
        if not explicit.is_file():
            raise CappolicyError(Diagnostic("CP440", N_("no settings file {file}", file=str(explicit)),
                                            Span(str(explicit), 0, 0)))
        return load(explicit)
    found = find((start or Path.cwd()).resolve())
    return load_found(found) if found is not None else Settings()


def _key_spans(path: Path, text: str) -> dict[str, Span]:
    """Where each key is first set in the file, read in one pass: a line `key = ...`
    (`key.more = ...` too, and a quoted key) or a table `[key]` (`[tool.cappolicy.key]`
    in pyproject.toml), so that locating the keys of many errors stays linear."""
    spans: dict[str, Span] = {}
    for number, line in enumerate(source_lines(text), start=1):
        stripped = line.lstrip()
        column = len(line) - len(stripped) + 1
        found = _HEADER.match(stripped) or _SETTING.match(stripped)
        if found is None:
            continue
        for group in range(1, (found.re.groups or 0) + 1):
            name = found.group(group)
            key = name.strip("\"'") if name is not None else None
            if key is not None and key not in spans:
                at = column + found.start(group)
                spans[key] = Span(str(path), number, at, number, at + len(name))
    return spans


_NAME = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
# `[a.b]` or `[[a.b]]`: its first part, and the part after `tool.cappolicy.`
_HEADER = lazy(rf"\[\[?[ \t]*({_NAME})(?:[ \t]*\.[ \t]*cappolicy[ \t]*\.[ \t]*({_NAME}))?")
# `key = ` or `key.more = `
_SETTING = lazy(rf"({_NAME})[ \t]*[.=]")


# The tokens of a TOML text, enough to tell the parts of its dotted keys: each token is
# matched once, where the last one ended, so the scan is linear in the text; a string is
# one token (the dots inside it are no key's), as is a comment. A quote that opens no
# string closed where TOML closes it ends the scan: tomllib stops there too.
_TOKEN = lazy(r"""
    (?P<long>\"\"\"(?:[^"\\]|\\[\s\S]|"(?!""))*+"{3,5}|'''(?:[^']|'(?!''))*+'{3,5})
  | (?P<open>\"\"\"|''')
  | (?P<part>[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')
  | (?P<dot>\.)
  | (?P<space>[ \t]++)
  | (?P<other>\#[^\n]*+|[^A-Za-z0-9_"'.\# \t-]++)
  | (?P<quote>["'])
""", re.VERBOSE)


def _deep_key(text: str) -> tuple[int, int] | None:
    """The line and column of the first dotted key (`a.b.c`, a table's `[a.b.c]`, quoted
    parts too) of more than MAX_KEY_PARTS parts in a TOML text; None when there is none.
    Floats and dates have at most two parts; dots in strings and comments are no key's."""
    parts = 0  # of the key being read
    start = 0  # where it began
    after_dot = False
    for token in _TOKEN.finditer(text):
        kind = token.lastgroup
        if kind == "space":
            continue
        if kind in ("open", "quote"):  # a string never closed: tomllib reads no further
            return None
        if kind == "part":
            if after_dot:
                parts += 1
                if parts > MAX_KEY_PARTS:
                    line = text.count("\n", 0, start) + 1
                    return line, start - (text.rfind("\n", 0, start) + 1) + 1
            else:
                parts, start = 1, token.start()
            after_dot = False
        elif kind == "dot" and parts and not after_dot:
            after_dot = True
        else:
            parts, after_dot = 0, False
    return None
