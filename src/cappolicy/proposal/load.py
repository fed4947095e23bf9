"""Load a proposal file (YAML or JSON) into plain values with source positions.

    bytes --read--> text --compose--> Node tree (with spans, within budgets)
          --validate (validate.py, against cappolicy.proposal.schema)--> Proposal

Composing is ours, not `yaml.compose`: libyaml's composer recurses in C and crashes the
interpreter on a few hundred thousand nested brackets (well inside the 10 MiB limit), and
PyYAML's resolves YAML 1.1 (`NO` -> False, `1:30` -> 90). So we read PyYAML's event stream
(CSafeLoader when available; its marks count characters, like the pure-Python parser's) and
build the tree with an explicit stack, resolving plain scalars the YAML 1.2 core way and
counting depth, nodes and alias expansions as we go.

Most proposals take a quicker road to the same nodes (`_YamlComposer._tree`): libyaml
composes the tree in C, with a resolver of ours that only says which scalars are plain, and
we turn its nodes into ours. It is taken only when the text cannot reach what the event
reader guards against: no anchor, alias or tag (and so no alias to expand), no directive or
second document, at most 100,000 characters (so at most that many values), and few enough
characters that open a level for libyaml's recursion to stay shallow whatever its version.
The depth limit is checked on the way; anything else (a syntax error, a level too deep) goes
back to the event reader, which says exactly what and where.

A valid proposal goes quicker still (`_YamlComposer.direct`, direct.py): libyaml's
nodes are walked straight into the values and positions validate.py would give, with
no nodes of ours; texts as the quicker road takes them, and also those whose anchors
and aliases are a record's scalar values (PyYAML's writer aliases a date used twice).
At the first thing validate.py would report, the walk gives up and the roads above
read the text. JSON gets its own small reader with the same nodes, so both formats
share one validator and one set of diagnostics.
"""

from __future__ import annotations

import bisect
import errno
import json.decoder
import operator
import re
import sys
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any, NoReturn

import yaml

from ..base.collector import paused
from ..base.deferred import N_
from ..base.errors import Diagnostic, ProposalError, did_you_mean
from ..base.files import read_bytes
from ..base.patterns import lazy
from ..base.span import Span
from .direct import PLAIN as _PLAIN
from .direct import Bail, Positions, Walk
from .iati_codes import MARK as IATI_MARK
from .iati_codes import claimed, from_iati, unpublished
from .linebreaks import unquoted_break, yaml_hint
from .model import Proposal
from .nodes import Node, Problem
from .placeholders import readable
from .scalars import _STD, MAX_DIGITS, _integer, resolve_plain  # noqa: F401
from .validate import clip, validate

MAX_BYTES = 10 * 1024 * 1024  # larger files are refused before parsing
MAX_DEPTH = 64  # nested mappings and lists
MAX_NODES = 200_000  # values after expanding aliases
MAX_ALIASES = 10_000  # alias uses
_UTF8 = N_("save the file as UTF-8")
_GENERATED = N_("a proposal needs only a few levels; is this file generated?")

_EVENT_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: libyaml's parser and composer, when PyYAML has them
_CPARSER: type[Any] | None = getattr(getattr(yaml, "cyaml", None), "CParser", None)

class _Fatal(Exception):
    """A problem that stops reading the file; carries its diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


# --- entry points -------------------------------------------------------------------------


def load_proposal(path: str | FilePath) -> Proposal:
    """Read a proposal from a .yaml/.yml/.json file (other suffixes are read as YAML)."""
    name = str(path)
    try:
        raw = read_bytes(path, MAX_BYTES, what="proposal")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EFBIG:
            reason = _too_large(name)
            raise ProposalError(_file_error(name, reason)) from None
        raise ProposalError(_file_error(name, N_("cannot read {file}: {reason}", file=name,
                                                 reason=reason))) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", "replace")) + 1
        span = Span(name, before.count(b"\n") + 1, column, before.count(b"\n") + 1, column + 1)
        raise ProposalError(Diagnostic(
            "CP401", N_("{file} is not UTF-8 text: byte {byte} cannot be decoded", file=name,
                        byte=f"0x{raw[exc.start]:02x}"), span, _UTF8)) from None
    return load_proposal_text(text, name)


def load_proposal_text(text: str, name: str, fmt: str | None = None) -> Proposal:
    """Read a proposal from text; `fmt` is "yaml", "json" or None (by `name`'s suffix)."""
    if fmt is None:
        fmt = "json" if name.lower().endswith(".json") else "yaml"
    if fmt not in ("yaml", "json"):
        raise ValueError(f"unknown proposal format {fmt!r}; expected 'yaml' or 'json'")
    text = text.removeprefix("\ufeff")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ProposalError(Diagnostic(
            "CP401", N_("{file} is not valid Unicode text: unpaired surrogate {char}",
                        file=name, char=f"U+{ord(text[exc.start]):04X}"),
            _Lines(text, name).span(exc.start, exc.start + 1), _UTF8)) from None
    if size > MAX_BYTES:
        raise ProposalError(_file_error(name, _too_large(name)))
    try:
        root: Node | None
        problems: list[Diagnostic] = []
        if fmt == "json":
            root = _JsonReader(text, name).read()
            start = root.span
        else:
            composer = _YamlComposer(text, name)
            with paused():  # libyaml's nodes, the values read from them: no garbage
                quick = composer.direct()
            if quick is not None:  # valid, and read in one walk (direct.py)
                data, positions, placeholders = quick
                return Proposal(name, data, positions, (),
                                readable(data) if placeholders else (data, {}))
            root, start, problems = composer.compose()
        result = validate(root, name, start, unique="&" not in text and "*" not in text)
    except _Fatal as exc:
        raise ProposalError(exc.diagnostic) from None
    except RecursionError:
        raise ProposalError(Diagnostic(
            "CP403", N_("the document is nested too deeply to read"), Span(name, 1, 1),
            N_("a proposal nests at most {n} mappings and lists", n=MAX_DEPTH))) from None
    found = _sorted([*problems, *result.diagnostics])
    if from_iati(result.data):  # imported from IATI: what it does not publish is unknown
        found = _sorted([*unpublished(found), claimed(result.positions.get((IATI_MARK,)))])
    if any(d.level == "error" for d in found):
        raise ProposalError(found)
    return Proposal(name, result.data, result.positions, tuple(found), readable(result.data))


def compose_yaml(text: str, name: str) -> Node | None:
    """The nodes of a YAML document, each with its span, resolved as proposals are
    (YAML 1.2 core, dates, no object tags), within the same budgets; None when the
    text is empty. For other YAML files cappolicy reads, such as rule tests.
    Raises ProposalError (CP402, CP403) when the text is no such document."""
    text = text.removeprefix("\ufeff")
    try:
        root, _, problems = _YamlComposer(text, name).compose()
    except _Fatal as exc:
        raise ProposalError(exc.diagnostic) from None
    if problems:
        raise ProposalError(problems)
    return root


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    unique = dict.fromkeys(diagnostics)  # an aliased value reports its errors once per use
    return sorted(unique, key=lambda d: (
        (d.span.line, d.span.column) if d.span else (0, 0), d.code, d.message))


def _file_error(name: str, message: str) -> Diagnostic:
    return Diagnostic("CP401", message, Span(name, 1, 1))


def _too_large(name: str) -> str:
    return N_("{file} is larger than {n} MiB; a proposal is far smaller", file=name,
              n=MAX_BYTES // (1024 * 1024))


# --- positions ----------------------------------------------------------------------------


class _Lines:
    """Turns character offsets into 1-based lines and columns (\\n, \\r\\n or \\r end a line)."""

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(self.name, line, column, end_line, end_column)


# --- YAML ---------------------------------------------------------------------------------

# Characters YAML forbids in a stream; found before parsing, so both parsers agree on where.
#: Line breaks to PyYAML (and YAML 1.1) but not to editors, GitHub or _Lines.
_YAML_ONLY_BREAKS = lazy("[\x85\u2028\u2029]")
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
#: the ASCII characters _FORBIDDEN lets through
_ASCII_ALLOWED = bytes(c for c in range(128) if not _FORBIDDEN.match(chr(c)))


def too_large(text: str) -> Problem:
    """The problem of an integer numeral that _integer refuses."""
    digits = text.lstrip("+-")
    if len(digits.removeprefix("0x").removeprefix("0o")) > MAX_DIGITS:
        return "CP404", N_("a number with more than {n} digits", n=MAX_DIGITS), None
    return ("CP404", N_("the number {value} is too large", value=clip(text)),
            N_("a proposal's numbers are at most {most} in size", most=f"{sys.float_info.max:.1e}"))


def _resolve_tagged(tag: str, text: str) -> tuple[str, Any, Problem | None]:
    """A scalar with an explicit standard tag (`!!str 12`, `!!int "3"`...)."""
    short = tag.replace(_STD, "!!")
    wanted = {"int": ("int",), "float": ("int", "float"), "bool": ("bool",),
              "null": ("null",), "timestamp": ("date", "datetime")}
    name = tag[len(_STD):] if tag.startswith(_STD) else ""
    if name == "str":
        return "str", text, None
    if name in wanted:
        kind, value = resolve_plain(text)
        if kind == "int" and value is None and name in ("int", "float"):
            return "str", text, too_large(text)
        if kind in wanted[name] and not (kind == "int" and value is None):
            if name == "float":
                return "float", float(value), None
            return kind, value, None
        return "str", text, ("CP404", N_("'{value}' is not a valid {tag} value",
                                         value=clip(text), tag=short), None)
    return "str", text, ("CP404", N_("unsupported YAML tag {tag}", tag=short),
                         N_("proposals use plain YAML values; remove the tag"))


#: a node property (tag `!`, anchor `&`, alias `*`) where a node can start, a directive
#: (`%`) or a document marker (`---`, `...`): a text with one is left to the event reader
_NOT_A_TREE = lazy(r"(?:^|[\s\[\]{},:?\"'-])[!&*]|^(?:---|\.\.\.|%)", re.MULTILINE)
#: texts longer than this are left to the event reader, which counts values as it goes
_TREE_MAX_CHARS = 100_000
#: every level of nesting opens at one of these characters (or is the document itself):
#: a text with more of them may nest deeper than libyaml's recursive composer should go.
#: libyaml 0.2.6 refuses a thousand levels itself; older ones have no limit, and each
#: level is two C frames, so the bound keeps them far from the stack's end (a proposal
#: has about one such character in ten: this admits about 50 kB)
_OPENERS = "[{-?:\n\r"
_TREE_MAX_OPENERS = 5_000
#: a tag where a node can start: a text with one is left to the event reader; direct()
#: takes anchors and aliases, and looks for directives and document markers before the
#: root (after it, libyaml finds a second document)
_NOT_DIRECT = lazy(r"(?:^|[\s\[\]{},:?\"'-])!", re.MULTILINE)
_QUOTED = "quoted"


def _libyaml_root(text: str) -> Any:
    """libyaml's document of `text`; None: no document, or a syntax error to report."""
    assert _TreeParser is not None
    parser = _TreeParser(text)
    try:
        return parser.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        parser.dispose()


def _shallow(text: str) -> bool:
    """Whether libyaml may compose `text`: short enough, and few enough characters that
    open a level (counted only when there can be too many)."""
    return len(text) <= _TREE_MAX_CHARS and (
        len(text) <= _TREE_MAX_OPENERS or sum(map(text.count, _OPENERS)) <= _TREE_MAX_OPENERS)


class _Slow(Exception):
    """The tree libyaml composed is one the event reader must read: nested too deep,
    or a node reached twice."""


_TreeParser: type[Any] | None = None
if _CPARSER is not None:
    class _LibyamlTree(_CPARSER):  # type: ignore[misc, valid-type]
        """libyaml's composer, resolving nothing: an untagged plain scalar is tagged
        _PLAIN, a quoted one _QUOTED (the fast road admits no tags); load.py resolves."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            return _PLAIN if kind is yaml.ScalarNode and implicit[0] else _QUOTED

        #: called round every node, for path resolvers (there are none): builtins that do
        #: nothing of note, each call without a Python frame (some 3% of a proposal's load)
        descend_resolver = operator.is_
        ascend_resolver = tuple

    _TreeParser = _LibyamlTree


class _Frame:
    """A mapping or sequence being composed (written out: no attrs class made at start)."""

    __slots__ = ("kind", "start", "flow", "anchor", "tag", "items", "key", "size", "last")

    def __init__(self, kind: str, start: Any, flow: bool, anchor: str | None,
                 tag: str | None) -> None:  # start: a yaml Mark
        self.kind, self.start, self.flow, self.anchor, self.tag = kind, start, flow, anchor, tag
        self.items: list[Any] = []
        self.key: Node | None = None
        self.size = 1
        self.last: Span | None = None


class _YamlComposer:
    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name
        # PyYAML's marks also end a line at NEL, U+2028 and U+2029, which editors do not;
        # in a text holding one, positions come from the marks' character offsets instead
        self.lines = _Lines(text, name) if not text.isascii() and _YAML_ONLY_BREAKS.search(
            text) else None
        self.anchors: dict[str, Node] = {}
        self.open: set[str] = set()
        self.nodes = 0
        self.aliases = 0
        self.seen: set[int] = set()  # libyaml's collections made into ours (_node)
        self.composed: Any = None  # libyaml's root, when direct() composed one _tree may take
        self.allowed = False  # forbidden() found nothing

    def span(self, start: Any, end: Any) -> Span:
        if self.lines is not None:
            return self.lines.span(start.index, end.index)
        return Span(self.name, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def point(self, mark: Any) -> Span:
        """A one-character span at a mark."""
        if self.lines is not None:
            return self.lines.span(mark.index, mark.index + 1)
        return Span(self.name, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)

    def forbidden(self) -> None:
        """Refuse a text holding a character no proposal may (CP402); once a reader."""
        if self.allowed:
            return
        text = self.text
        if text.isascii() and not text.encode("ascii").translate(None, _ASCII_ALLOWED):
            self.allowed = True  # the same answer as the pattern's, some twenty times as quick
            return
        bad = _FORBIDDEN.search(text)
        if bad:
            raise _Fatal(Diagnostic(
                "CP402", N_("invalid YAML: control character {char} is not allowed",
                            char=f"U+{ord(bad.group()):04X}"),
                _Lines(self.text, self.name).span(bad.start(), bad.end()),
                N_("remove it, or write it as an escape inside a double-quoted string")))
        if self.lines is not None and (at := unquoted_break(self.text)) is not None:
            raise _Fatal(Diagnostic(
                "CP402", N_("invalid YAML: {char} outside quotes, a line break to a YAML "
                            "reader but not to an editor", char=f"U+{ord(self.text[at]):04X}"),
                self.lines.span(at, at + 1),
                N_("remove it, or write it as \\N, \\L or \\P in double quotes")))
        self.allowed = True

    def direct(self) -> tuple[dict[str, Any], Positions, bool] | None:
        """A valid proposal's values, positions and whether a text may be a placeholder,
        walked straight from libyaml's nodes (direct.py); None when anything in it is for
        compose() and validate.py to read and report. Texts as _tree takes them, and
        also those with anchors and aliases."""
        self.forbidden()
        text = self.text
        if _TreeParser is None or self.lines is not None or not _shallow(text):
            return None
        if "!" in text and _NOT_DIRECT.search(text):
            return None
        aliases = "&" in text or "*" in text
        root = _libyaml_root(text)
        if root is None:
            return None
        mark = root.start_mark
        # a directive or a document marker, each at the start of a line, before the root
        if mark.index and any(line.startswith(("%", "---", "..."))
                              for line in text[:mark.index].splitlines()):
            return None
        try:
            return Walk(text, self.name, aliases, MAX_ALIASES
                        ).proposal(root, (mark.line, mark.column))
        except Bail:
            if not aliases:
                self.composed = root
            return None

    def compose(self) -> tuple[Node | None, Span, list[Diagnostic]]:
        """The root node (None for an empty stream), where the document starts, and
        the problems that do not stop reading (a second document)."""
        self.forbidden()
        tree = self._tree()
        if tree is not None:
            return tree
        try:
            return self._read(_EVENT_LOADER)
        except _Fatal as fatal:
            # libyaml (bundled since PyYAML 6.0.4) refuses a thousand nested levels while
            # scanning ahead, before its events reach our limit; the pure-Python parser
            # reads them one at a time, so it finds the level that passes ours
            if _EVENT_LOADER is yaml.SafeLoader or "nesting depth" not in fatal.diagnostic.message:
                raise
        return _YamlComposer(self.text, self.name)._read(yaml.SafeLoader)

    def _tree(self) -> tuple[Node, Span, list[Diagnostic]] | None:
        """The document composed by libyaml, or None when the event reader must read it
        (see the module's docstring): the same nodes, spans and sizes it would give."""
        text = self.text
        if _TreeParser is None or self.lines is not None or not _shallow(text):
            return None
        # the pattern tries every position; most texts have none of the characters it seeks
        if ("!" in text or "&" in text or "*" in text or "%" in text or "---" in text
                or "..." in text) and _NOT_A_TREE.search(text):
            return None
        root = self.composed if self.composed is not None else _libyaml_root(text)
        if root is None:
            return None
        try:
            node = self._node(root, 1)
        except _Slow:
            return None
        if node.size > MAX_NODES:
            return None
        mark = root.start_mark
        return node, Span(self.name, mark.line + 1, mark.column + 1, mark.line + 1,
                          mark.column + 1), []

    def _node(self, node: Any, depth: int) -> Node:
        """Our node of one of libyaml's, and of everything inside it."""
        name = self.name
        start = node.start_mark
        if type(node) is yaml.ScalarNode:
            end = node.end_mark
            span = Span(name, start.line + 1, start.column + 1, end.line + 1, end.column + 1)
            text = node.value
            if node.tag is _PLAIN:
                tag, value = resolve_plain(text)
                if tag == "int" and value is None:
                    return Node("scalar", span, text, text, "str", problem=too_large(text))
                return Node("scalar", span, value, text, tag)
            return Node("scalar", span, text, text, "str")
        if depth > MAX_DEPTH or id(node) in self.seen:
            raise _Slow
        self.seen.add(id(node))
        inner = depth + 1
        size = 1
        last: Span | None = None
        items: list[Any]
        if type(node) is yaml.MappingNode:
            kind = "map"
            items = []
            for key, value in node.value:
                pair = (self._node(key, inner), self._node(value, inner))
                size += pair[0].size + pair[1].size
                items.append(pair)
            if items:
                last = items[-1][1].span
        else:
            kind = "seq"
            items = [self._node(item, inner) for item in node.value]
            for item in items:
                size += item.size
            if items:
                last = items[-1].span
        if node.flow_style or last is None:
            end = node.end_mark
            end_line, end_column = end.line + 1, end.column + 1
        else:
            end_line, end_column = last.end_line, last.end_column
        return Node(kind, Span(name, start.line + 1, start.column + 1, end_line, end_column),
                    items, size=size)

    def _read(self, events: type[Any]) -> tuple[Node | None, Span, list[Diagnostic]]:
        loader = events(self.text)
        try:
            return self._events(loader)
        except yaml.YAMLError as exc:
            raise _Fatal(self._syntax_error(exc)) from None
        finally:
            loader.dispose()

    def _events(self, loader: Any) -> tuple[Node | None, Span, list[Diagnostic]]:
        loader.get_event()  # stream start
        event = loader.get_event()
        start = self.span(event.start_mark, event.start_mark)
        if isinstance(event, yaml.StreamEndEvent):
            return None, Span(self.name, 1, 1), []
        stack: list[_Frame] = []
        root: Node | None = None
        next_event = loader.get_event
        scalar_event = yaml.ScalarEvent
        while True:
            event = next_event()
            node: Node
            if type(event) is scalar_event:  # most events: tested first, and exactly
                node = self._scalar(event)
                if stack:
                    self._attach(stack[-1], node)
                else:
                    root = node
                continue
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _Fatal(Diagnostic(
                        "CP403", N_("mappings and lists are nested more than {n} deep",
                                    n=MAX_DEPTH),
                        self.span(event.start_mark, event.end_mark), _GENERATED))
                self._count(1, event)
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                if event.anchor is not None:
                    self.open.add(event.anchor)
                stack.append(_Frame(kind, event.start_mark, bool(event.flow_style),
                                    event.anchor, event.tag))
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                node = self._close(stack.pop(), event)
            elif isinstance(event, yaml.ScalarEvent):
                node = self._scalar(event)
            elif isinstance(event, yaml.AliasEvent):
                node = self._alias(event)
            else:  # document end
                break
            if stack:
                self._attach(stack[-1], node)
            else:
                root = node
        problems = []
        event = loader.get_event()
        if isinstance(event, yaml.DocumentStartEvent):
            problems.append(Diagnostic(
                "CP404", N_("a proposal file holds one YAML document; this is a second one"),
                self.span(event.start_mark, event.end_mark),
                N_("put each proposal in its own file, or remove the '---' line")))
        return root, start, problems

    def _count(self, nodes: int, event: Any) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            raise _Fatal(Diagnostic(
                "CP403", N_("the document expands to more than {n} values", n=f"{MAX_NODES:,}"),
                self.span(event.start_mark, event.end_mark),
                N_("aliases (*name) that repeat large parts multiply the size; "
                   "a proposal has a few hundred values")))

    def _attach(self, frame: _Frame, node: Node) -> None:
        frame.size += node.size
        frame.last = node.span
        if frame.kind == "seq":
            frame.items.append(node)
        elif frame.key is None:
            frame.key = node
        else:
            frame.items.append((frame.key, node))
            frame.key = None

    def _close(self, frame: _Frame, event: Any) -> Node:
        start = self.span(frame.start, frame.start)
        if frame.flow or frame.last is None:
            end = self.span(event.end_mark, event.end_mark)
        else:
            end = frame.last
        span = Span(self.name, start.line, start.column, end.end_line, end.end_column)
        problem = None
        if frame.tag not in (None, "!", _STD + ("map" if frame.kind == "map" else "seq")):
            problem = ("CP404", N_("unsupported YAML tag {tag}", tag=frame.tag.replace(_STD, "!!")),
                       N_("proposals use plain YAML values; remove the tag"))
        node = Node(frame.kind, span, frame.items, size=frame.size, problem=problem)
        if frame.anchor is not None:
            self.open.discard(frame.anchor)
            self.anchors[frame.anchor] = node
        return node

    def _scalar(self, event: Any) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self._count(0, event)  # which says so
        text = event.value
        problem: Problem | None = None
        if event.tag is None and event.implicit[0]:
            tag, value = resolve_plain(text)
            if tag == "int" and value is None:
                tag, value = "str", text
                problem = too_large(text)
        elif event.tag is None or event.tag == "!":
            tag, value = "str", text
        else:
            tag, value, problem = _resolve_tagged(event.tag, text)
        node = Node("scalar", self.span(event.start_mark, event.end_mark), value, text, tag,
                    problem=problem)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        return node

    def _alias(self, event: Any) -> Node:
        span = self.span(event.start_mark, event.end_mark)
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _Fatal(Diagnostic(
                "CP403", N_("the document uses aliases more than {n} times", n=f"{MAX_ALIASES:,}"),
                span))
        target = self.anchors.get(event.anchor)
        if target is None:
            if event.anchor in self.open:
                raise _Fatal(Diagnostic(
                    "CP403", N_("alias *{anchor} refers to the value that contains it",
                                anchor=event.anchor),
                    span, N_("a recursive value would be infinite")))
            close = did_you_mean(event.anchor, self.anchors)
            raise _Fatal(Diagnostic(
                "CP402", N_("invalid YAML: alias *{anchor} names no anchor defined before it",
                            anchor=event.anchor),
                span, N_("did you mean '{name}'?", name=f"*{close}") if close else
                N_("define the anchor first with &{anchor}", anchor=event.anchor)))
        self._count(target.size, event)
        return Node("alias", span, target, size=target.size)

    def _syntax_error(self, exc: yaml.YAMLError) -> Diagnostic:
        if isinstance(exc, yaml.MarkedYAMLError):
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "the text is not valid YAML"
            span = self.point(mark) if mark is not None else Span(self.name, 1, 1)
            help_ = yaml_hint(problem)
            where = exc.context_mark
            if exc.context and exc.problem and where is not None and where is not mark:
                begun = self.point(where)
                help_ = N_("{help}; it starts at line {line}, column {column}", help=help_,
                           line=begun.line, column=begun.column) if help_ else \
                    N_("{context}, which starts at line {line}, column {column}",
                       context=exc.context, line=begun.line, column=begun.column)
            return Diagnostic("CP402", N_("invalid YAML: {problem}", problem=problem), span, help_)
        return Diagnostic("CP402", N_("invalid YAML: {problem}", problem=str(exc)),
                          Span(self.name, 1, 1))


# --- JSON ---------------------------------------------------------------------------------

_JSON_WS = lazy(r"[ \t\n\r]*")
_JSON_NUMBER = lazy(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_JSON_WORDS = (("true", True, "bool"), ("false", False, "bool"), ("null", None, "null"))
_SURROGATE = lazy("[\ud800-\udfff]")
# The standard library's string scanner (C when available); typeshed does not list it.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = \
    json.decoder.scanstring  # type: ignore[attr-defined]


class _JsonReader:
    """Strict JSON (RFC 8259) into Nodes, with the span of every value and key."""

    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.lines = _Lines(text, name)
        self.pos = 0
        self.nodes = 0

    def read(self) -> Node:
        self.skip()
        node = self.value(1)
        self.skip()
        if self.pos < len(self.text):
            self.fail(N_("unexpected text after the JSON value"),
                      N_("a file holds one JSON object"))
        return node

    def skip(self) -> None:
        self.pos = _JSON_WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def found(self) -> str:
        if self.pos >= len(self.text):
            return "the end of the file"
        return f"'{self.text[self.pos]}'"

    def fail(self, message: str, help_: str | None = None, code: str = "CP402") -> NoReturn:
        end = min(self.pos + 1, len(self.text))
        said = N_("invalid JSON: {problem}", problem=message) if code == "CP402" else message
        raise _Fatal(Diagnostic(code, said, self.lines.span(self.pos, end), help_))

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail(N_("the document has more than {n} values", n=f"{MAX_NODES:,}"), code="CP403")

    def value(self, depth: int) -> Node:
        self.skip()
        start = self.pos
        if start >= len(self.text):
            self.fail(N_("expected a value, found the end of the file"))
        self.count()
        char = self.text[start]
        if char in "{[":
            if depth > MAX_DEPTH:
                self.fail(N_("objects and arrays are nested more than {n} deep", n=MAX_DEPTH),
                          _GENERATED, "CP403")
            return self.obj(depth) if char == "{" else self.array(depth)
        if char == '"':
            text = self.string()
            return Node("scalar", self.lines.span(start, self.pos), text, text, "str")
        number = _JSON_NUMBER.match(self.text, start)
        if number:
            text = number.group()
            self.pos = number.end()
            span = self.lines.span(start, self.pos)
            if number.group(1) or number.group(2):
                return Node("scalar", span, float(text), text, "float")
            value = _integer(text, 10)
            if value is None:
                return Node("scalar", span, text, text, "str", problem=too_large(text))
            return Node("scalar", span, value, text, "int")
        for word, value, tag in _JSON_WORDS:
            if self.text.startswith(word, start):
                self.pos = start + len(word)
                return Node("scalar", self.lines.span(start, self.pos), value, word, tag)
        self.fail(N_("expected a value, found {found}", found=self.found()),
                  N_("strings are written in double quotes") if char.isalpha() or char == "'"
                  else None)

    def string(self) -> str:
        try:
            text, self.pos = _scanstring(self.text, self.pos + 1, True)
        except json.JSONDecodeError as exc:
            self.pos = exc.pos
            message = re.sub(r"( starting)? at$", "", exc.msg)
            self.fail(message[0].lower() + message[1:],
                      N_("write a line break inside a string as {escape}", escape="\\n")
                      if "control character" in message else None)
        if _SURROGATE.search(text):
            self.fail(N_("a {escape} escape is an unpaired surrogate", escape="\\u"))
        return text

    def obj(self, depth: int) -> Node:
        start = self.pos
        self.pos += 1
        pairs: list[tuple[Node, Node]] = []
        size = 1
        self.skip()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return Node("map", self.lines.span(start, self.pos), pairs)
        while True:
            self.skip()
            if not self.text.startswith('"', self.pos):
                self.fail(N_("expected a field name in double quotes, found {found}",
                             found=self.found()),
                          N_("JSON allows no comma after the last field")
                          if self.text.startswith("}", self.pos) else None)
            key_start = self.pos
            self.count()
            text = self.string()
            key = Node("scalar", self.lines.span(key_start, self.pos), text, text, "str")
            self.skip()
            if not self.text.startswith(":", self.pos):
                self.fail(N_("expected ':' after the field name, found {found}",
                             found=self.found()))
            self.pos += 1
            value = self.value(depth + 1)
            pairs.append((key, value))
            size += 1 + value.size
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return Node("map", self.lines.span(start, self.pos), pairs, size=size)
            self.fail(N_("expected ',' or '}}' after a field, found {found}", found=self.found()))

    def array(self, depth: int) -> Node:
        start = self.pos
        self.pos += 1
        items: list[Node] = []
        size = 1
        self.skip()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return Node("seq", self.lines.span(start, self.pos), items)
        while True:
            self.skip()
            if self.text.startswith("]", self.pos):
                self.fail(N_("expected a value, found ']'"),
                          N_("JSON allows no comma after the last item"))
            item = self.value(depth + 1)
            items.append(item)
            size += item.size
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return Node("seq", self.lines.span(start, self.pos), items, size=size)
            self.fail(N_("expected ',' or ']' after an item, found {found}", found=self.found()))
