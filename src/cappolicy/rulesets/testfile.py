"""Rule test files (*.test.yaml): read, each value checked and located, into the cases
they hold; docs/rule-tests.md describes the format."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..base.errors import CappolicyError, Diagnostic, ProposalError, did_you_mean
from ..base.files import nearest_marked, scan_folder
from ..base.record import replace
from ..base.span import Span
from ..engine.findings import OUTCOMES
from ..engine.waivers import CHECKS as WAIVER_CHECKS
from ..proposal.load import compose_yaml
from ..proposal.nodes import Node
from .edits import (
    Edit,
    node_origin,
    parse_path,
)

FORMAT_VERSION = 1


SUFFIX = ".test.yaml"


_FILE_KEYS = ("cappolicy-test", "ruleset", "base", "as_of", "cases")


_CASE_KEYS = ("name", "set", "remove", "expect")


_RULE_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


_WAIVER_IDS = frozenset(c.id for c in WAIVER_CHECKS)


@attrs.frozen
class Expectation:
    rule: str
    target: str | None  # `RULE@target`: an element id (A2) or a finding's path
    outcome: str
    span: Span  # of the `RULE` key in the test file

    @property
    def label(self) -> str:
        return f"{self.rule}@{self.target}" if self.target else self.rule


@attrs.frozen(eq=False)
class Case:
    name: str
    span: Span
    edits: tuple[Edit, ...]  # every `set` in order, then every `remove`
    expect: tuple[Expectation, ...]


@attrs.frozen(eq=False)
class FixtureFile:
    path: str  # as shown in diagnostics
    ruleset: str
    ruleset_span: Span
    base: Path
    base_span: Span
    as_of: dt.date | None
    cases: tuple[Case, ...]


#: the rule tests a folder scan passed over, said in this run
_SAID: set[Path] = set()


def discover(path: Path, errors: list[Diagnostic] | None = None) -> list[Path]:
    """The test files at `path`: the file itself, or every `*.test.yaml` below a folder
    (in any case), but a link that leads out of it, round a loop or nowhere, and what is
    not a regular file, each skipped with a note on standard error (files.scan_folder).
    A folder below it that cannot be listed is an error (CP425), put in `errors` when
    given, else said on standard error: the tests it holds are not run."""
    if path.is_dir():
        found, skipped = scan_folder(path, (SUFFIX,), hidden=True)
        for item in skipped:
            said = Diagnostic("CP425", item.message, None, item.help,
                              level="error" if item.unread else "note")
            if item.unread and errors is not None:
                errors.append(said)
            elif item.path not in _SAID:  # said once a run: `docs` may scan a folder twice
                _SAID.add(item.path)
                print(said.render(), file=sys.stderr)
        return found
    if path.is_file():
        return [path]
    raise CappolicyError(Diagnostic("CP421", f"no file or folder {path}", None,
                                    "name a rule test file (*.test.yaml) or a folder holding them"))


def _outside(test: Path, base: str) -> str | None:
    """Why the base proposal `base` of the rule test `test` is not read, if it is not: a
    base is a YAML or JSON file of the test's project (`_project`), or of the shipped
    rulesets for a shipped test. A stranger's rule test naming /etc/passwd or ../.env as
    its base made `cappolicy test` quote the file in its error."""
    from ..base.resources import shipped_rulesets

    if not base.lower().endswith((".yaml", ".yml", ".json")):
        return "not a YAML or JSON file"
    here = Path(os.path.realpath(test.parent))
    shipped = Path(os.path.realpath(shipped_rulesets()))
    top = shipped if here.is_relative_to(shipped) else _project(here)
    if not Path(os.path.realpath(here / base)).is_relative_to(top):
        return f"it lies outside the project ({_display(top)})"
    return None


def _project(here: Path) -> Path:
    """The project a rule test belongs to: the nearest folder at or above it that holds
    `.git` or `cappolicy.toml`, climbing only into folders no other user can write to
    (a cappolicy.toml left in /tmp marks no project of the tests below it); the test's
    own folder when none does (the home folder is no project: ~/.docker/config.json is
    not a base)."""
    return nearest_marked(here, (".git", "cappolicy.toml")) or here


def read_fixture(path: Path) -> FixtureFile:
    """Read and check a test file; raise CappolicyError listing every problem in it."""
    name = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise CappolicyError(Diagnostic("CP430", f"cannot read test file {name}: {reason}",
                                        Span(name, 1, 1))) from None
    return _Reader(name, path).read(text)


class _Bad(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Reader:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.errors: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span | None, help_: str | None = None) -> None:
        self.errors.append(Diagnostic(code, message, span or Span(self.name, 1, 1), help_))

    def read(self, text: str) -> FixtureFile:
        try:
            root = compose_yaml(text, self.name)
        except ProposalError as exc:
            raise CappolicyError([replace(d, code="CP430", help=_flow_help(d.help, d.message))
                                  for d in exc.diagnostics]) from None
        if root is None or _deref(root).kind != "map":
            raise CappolicyError(Diagnostic(
                "CP430", f"{self.name} is not a rule test file: it must be a mapping",
                root.span if root is not None else Span(self.name, 1, 1),
                "start it with `cappolicy-test: 1`, `ruleset:`, `base:` and `cases:`"))
        fields = self.fields(_deref(root), _FILE_KEYS, "a rule test file")
        version = fields.get("cappolicy-test")
        if version is None:
            self.error("CP430", "missing `cappolicy-test: 1`: the format version of rule tests",
                       root.span)
        elif _deref(version[1]).value != FORMAT_VERSION or _deref(version[1]).tag != "int":
            self.error("CP430", f"unsupported rule test format {_deref(version[1]).text!r}",
                       version[1].span, f"this cappolicy reads `cappolicy-test: {FORMAT_VERSION}`")
        ruleset = self.text_field(fields, "ruleset", root.span, "the ruleset under test, e.g. baseline")
        base = self.text_field(fields, "base", root.span,
                               "a complete proposal the cases edit, relative to this file")
        base_path = Path()
        if base is not None:
            base_path = self.path.parent / base[0]
            refused = _outside(self.path, base[0])
            if refused is not None:
                self.error("CP430", f"base proposal {base[0]} is not read: {refused}", base[1],
                           "give the path of a proposal (.yaml, .yml or .json) of this "
                           "project, relative to this test file")
            elif not base_path.is_file():
                self.error("CP430", f"base proposal {base[0]} not found (looked for "
                           f"{_display(base_path)})", base[1],
                           "give a path relative to this test file")
        as_of = None
        if "as_of" in fields:
            node = _deref(fields["as_of"][1])
            if node.kind == "scalar" and isinstance(node.value, dt.date):
                as_of = node.value
            else:
                self.error("CP430", "as_of must be a date such as 2027-01-15", node.span)
        cases = self.cases(fields.get("cases"), root.span)
        if self.errors:
            raise CappolicyError(sorted(self.errors, key=_line))
        assert ruleset is not None and base is not None
        return FixtureFile(self.name, ruleset[0], ruleset[1], base_path, base[1], as_of, cases)

    def fields(self, node: Node, known: Sequence[str], what: str) -> dict[str, tuple[Node, Node]]:
        """The mapping's entries by key, with an error for each unknown or repeated key."""
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            key = _deref(key)
            word = key.value if key.kind == "scalar" else None
            if not isinstance(word, str) or word not in known:
                best = did_you_mean(str(word), known)
                self.error("CP430", f"unknown field {key.text or '?'!r} in {what}", key.span,
                           f"did you mean '{best}'?" if best else f"the fields are {', '.join(known)}")
            elif word in out:
                self.error("CP430", f"field '{word}' is given twice", key.span)
            else:
                out[word] = (key, value)
        return out

    def text_field(self, fields: Mapping[str, tuple[Node, Node]], key: str, at: Span,
                   what: str) -> tuple[str, Span] | None:
        if key not in fields:
            self.error("CP430", f"missing field '{key}': {what}", at)
            return None
        node = _deref(fields[key][1])
        if node.kind != "scalar" or not isinstance(node.value, str) or not node.value.strip():
            self.error("CP430", f"'{key}' must be text: {what}", node.span)
            return None
        return node.value.strip(), node.span

    def cases(self, entry: tuple[Node, Node] | None, at: Span) -> tuple[Case, ...]:
        if entry is None:
            self.error("CP430", "missing field 'cases': the list of cases", at)
            return ()
        node = _deref(entry[1])
        if node.kind != "seq" or not node.value:
            self.error("CP430", "'cases' must be a list of at least one case", node.span,
                       "each case has a name, optional set/remove, and expect")
            return ()
        cases: list[Case] = []
        seen: dict[str, Span] = {}
        for item in node.value:
            case = self.case(_deref(item))
            if case is None:
                continue
            if case.name in seen:
                self.error("CP430", f"two cases are named {case.name!r}", case.span,
                           f"the first is at line {seen[case.name].line}; names identify cases "
                           "in reports, so make them unique")
                continue
            seen[case.name] = case.span
            cases.append(case)
        return tuple(cases)

    def case(self, node: Node) -> Case | None:
        if node.kind != "map":
            self.error("CP430", "a case must be a mapping with name and expect", node.span)
            return None
        before = len(self.errors)
        fields = self.fields(node, _CASE_KEYS, "a case")
        named = self.text_field(fields, "name", node.span, "what the case shows")
        name = named[0] if named else "?"
        edits = [*self.sets(fields.get("set")), *self.removes(fields.get("remove"))]
        expect = self.expect(fields.get("expect"), node.span, name)
        if len(self.errors) > before:
            return None
        return Case(name, node.span, tuple(edits), expect)

    def edit_path(self, node: Node) -> tuple[Any, ...] | None:
        text = node.value if node.kind == "scalar" else None
        steps = parse_path(text) if isinstance(text, str) else None
        if steps is None:
            self.error("CP433", f"{node.text or '?'!r} is not a path into the proposal",
                       node.span, "write paths as findings show them: funding.sources[1].by_year, "
                       "activities[0].data_flows[1].basis")
        return steps

    def sets(self, entry: tuple[Node, Node] | None) -> list[Edit]:
        if entry is None:
            return []
        node = _deref(entry[1])
        if node.kind != "map":
            self.error("CP430", "'set' must be a mapping of path: value", node.span)
            return []
        edits: list[Edit] = []
        seen: set[tuple[Any, ...]] = set()
        for key, value in node.value:
            key = _deref(key)
            steps = self.edit_path(key)
            if steps is None:
                continue
            if steps in seen:
                self.error("CP430", f"'set' names {key.value} twice", key.span)
                continue
            seen.add(steps)
            try:
                plain = _plain(value)
            except _Bad as exc:
                self.errors.append(exc.diagnostic)
                continue
            edits.append(Edit("set", steps, key.value, key.span, plain, node_origin(value, key.span)))
        return edits

    def removes(self, entry: tuple[Node, Node] | None) -> list[Edit]:
        if entry is None:
            return []
        node = _deref(entry[1])
        items = node.value if node.kind == "seq" else [node]
        edits: list[Edit] = []
        for item in items:
            item = _deref(item)
            steps = self.edit_path(item)
            if steps is not None:
                edits.append(Edit("remove", steps, item.value, item.span))
        return edits

    def expect(self, entry: tuple[Node, Node] | None, at: Span, case: str) -> tuple[Expectation, ...]:
        if entry is None:
            self.error("CP430", f"case {case!r} expects nothing", at,
                       "add `expect: {RULE-ID: fail}` (a case that checks nothing cannot fail)")
            return ()
        node = _deref(entry[1])
        if node.kind != "map" or not node.value:
            self.error("CP430", "'expect' must map rule ids to outcomes, e.g. {FIN-01: fail}",
                       node.span)
            return ()
        out: list[Expectation] = []
        seen: set[str] = set()
        for key, value in node.value:
            key, value = _deref(key), _deref(value)
            label = key.value if key.kind == "scalar" and isinstance(key.value, str) else None
            rule, _, target = (label or "").partition("@")
            if label is None or not _RULE_ID.fullmatch(rule) or (label.endswith("@")):
                self.error("CP430", f"{key.text or '?'!r} is not a rule id", key.span,
                           "write RULE-ID, or RULE-ID@ELEMENT for one element of a `for` rule "
                           "(OWN-02@A2)")
                continue
            if label in seen:
                self.error("CP430", f"case {case!r} expects {label} twice", key.span)
                continue
            seen.add(label)
            word = value.value if value.kind == "scalar" else None
            if not isinstance(word, str) or word not in OUTCOMES:
                best = did_you_mean(str(word), OUTCOMES) if isinstance(word, str) else None
                self.error("CP432", f"unknown outcome {value.text or '?'!r} for {label}",
                           value.span, f"did you mean '{best}'?" if best else
                           f"the outcomes are {', '.join(OUTCOMES)}")
                continue
            out.append(Expectation(rule, target or None, word, key.span))
        return tuple(out)


def _flow_help(help_: str | None, message: str) -> str | None:
    if "expected ','" in message or "flow" in message:
        extra = ("a path with [ ] inside { ... } or [ ... ] must be quoted; or write the "
                 "mapping or list one entry per line")
        return f"{help_}; {extra}" if help_ else extra
    return help_


def _deref(node: Node) -> Node:
    while node.kind == "alias":
        node = node.value
    return node


def _plain(node: Node) -> Any:
    """A composed value as plain Python data, as a proposal holds it."""
    node = _deref(node)
    if node.problem is not None:
        _, message, help_ = node.problem
        raise _Bad(Diagnostic("CP430", message, node.span, help_))
    if node.kind == "map":
        out: dict[Any, Any] = {}
        for key, value in node.value:
            key = _deref(key)
            if key.kind != "scalar" or key.value is None:
                raise _Bad(Diagnostic("CP430", "a key must be a plain value", key.span))
            out[key.value] = _plain(value)
        return out
    if node.kind == "seq":
        return [_plain(item) for item in node.value]
    return node.value


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _line(d: Diagnostic) -> tuple[int, int]:
    return (d.span.line, d.span.column) if d.span else (0, 0)
