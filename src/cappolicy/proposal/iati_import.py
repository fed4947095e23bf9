"""`cappolicy import iati`: each activity of an IATI file as a format-v1 YAML proposal.

The YAML is written from the same nodes the check reads (iati_map.py), so checking an
imported file gives the outcomes checking the XML gives. Each value is followed by a
comment naming the XML line it came from; each field of format v1 that IATI does not
publish is written as a commented prompt, for a reviewer to complete.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import attrs

from ..base.errors import Diagnostic
from ..base.files import read_bytes
from ..base.visible import visible
from ..lang.types import ListT, MapT, RecordT, SetT, Type
from . import iati_codes as codes
from . import schema
from .iati_map import Mapped, read_file, slug
from .nodes import Node

#: what to say of a field IATI does not publish
PROMPT = "not published in IATI: ask the publisher"
# characters a YAML reader takes for line breaks, or refuses raw, though JSON leaves them,
# and the bidi controls, which would reorder what a reviewer reads of the value
_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                  "\ufeff\ufffe\uffff]")
#: fields of format v1 that are the reviewer's, not the publisher's
_NOT_ASKED = frozenset({"waivers"})
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _string(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    return _RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _scalar(node: Node) -> str:
    value = node.value
    if node.tag == "null" or value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _string(str(value))


def _comment(text: str) -> str:
    """Text from the XML (an identifier, a file name, a note) made safe to write in a YAML
    comment: every character a YAML reader takes for a line break (newline, carriage
    return, NEL, U+2028/U+2029) or refuses raw is spelled out, so no value can end the
    comment and start a key of its own (a `waivers:` the publisher never wrote)."""
    return _RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", visible(text))


def _key(key: Any) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    text = str(key)
    return text if _PLAIN_KEY.fullmatch(text) and text not in (
        "true", "false", "null", "True", "False", "Null", "NULL", "TRUE", "FALSE") else \
        _string(text)


class _Writer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []

    def comment(self, node: Node) -> str:
        return f"  # line {node.span.line}"

    def value(self, node: Node, type_: Type | None, indent: int, lead: str) -> None:
        """Write `node` after `lead` (`key:` or `-`), at `indent` for what it holds."""
        if node.kind == "scalar":
            self.lines.append(f"{lead} {_scalar(node)}{self.comment(node)}")
        elif node.kind == "map":
            if not node.value and not isinstance(type_, RecordT):
                self.lines.append(f"{lead} {{}}{self.comment(node)}")
                return
            self.lines.append(f"{lead}{self.comment(node)}")
            self.entries(node, type_, indent)
        else:
            if not node.value:
                self.lines.append(f"{lead} []{self.comment(node)}")
                return
            self.lines.append(f"{lead}{self.comment(node)}")
            item = type_.item if isinstance(type_, (ListT, SetT)) else None
            for child in node.value:
                self.item(child, item, indent)

    def item(self, node: Node, type_: Type | None, indent: int) -> None:
        pad = " " * indent
        if node.kind == "map" and node.value:
            start = len(self.lines)
            self.entries(node, type_, indent + 2)
            first = self.lines[start]
            self.lines[start] = pad + "- " + first[indent + 2:]
        else:
            self.value(node, type_, indent + 2, f"{pad}-")

    def entries(self, node: Node, type_: Type | None, indent: int) -> None:
        pad = " " * indent
        present = set()
        for key_node, value_node in node.value:
            key = key_node.value
            present.add(key)
            field_type: Type | None = None
            if isinstance(type_, RecordT):
                field = type_.field(str(key))
                field_type = field.type if field is not None else None
            elif isinstance(type_, MapT):
                field_type = type_.value
            self.value(value_node, field_type, indent + 2, f"{pad}{_key(key)}:")
        if isinstance(type_, RecordT):
            for field in type_.fields:
                if field.name in present or field.name in _NOT_ASKED:
                    continue
                inner = field.type.item if isinstance(field.type, (ListT, SetT)) \
                    else field.type
                parts = f" ({', '.join(inner.field_names())})" \
                    if isinstance(inner, RecordT) else ""
                self.lines.append(f"{pad}# {field.name}:  # {PROMPT}{parts}"
                                  + ("; required" if field.required else ""))


def to_yaml(mapped: Mapped, source: str) -> str:
    """The proposal of one activity as format-v1 YAML, commented."""
    ident = next(v.value for k, v in mapped.node.value if k.value == "id")
    writer = _Writer(source)
    writer.lines += [
        f"# Imported from {_comment(source)}, activity {_comment(str(ident))} "
        f"(line {mapped.node.span.line}).",
        "# Each value's comment names the line of the IATI file it comes from; each",
        "# field IATI does not publish is a commented prompt: complete it and remove the #.",
        f"# Fields under {codes.MARK} are kept from IATI for rules that read them.",
    ]
    for note in mapped.notes:
        writer.lines.append(f"# note (line {note.span.line if note.span else '?'}): "
                            f"{_comment(note.message)}")
    writer.entries(mapped.node, schema.PROPOSAL, 0)
    return "\n".join(writer.lines) + "\n"


@attrs.frozen
class Imported:
    """What importing a file wrote, and the activities that could not be imported."""

    written: tuple[Path, ...]
    problems: tuple[Diagnostic, ...]


def file_name(ident: str, taken: set[str]) -> str:
    base = slug(ident) or "activity"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return f"{name}.yaml"


def _holds(path: Path, text: str) -> bool:
    """Whether `path` is a regular file (not a link) that holds `text` already."""
    try:
        return read_bytes(path, len(text.encode("utf-8")), follow=False) == \
            text.encode("utf-8")
    except OSError:
        return False


def import_iati(path: Path, out: Path, write: Any, taken: set[str] | None = None) -> Imported:
    """Write one YAML file per activity of `path` into `out` (made if missing) through
    `write(file, text)`; the diagnostics of activities or of the file that failed. A file
    already there is left as it is: unless it holds what would be written, that is a
    diagnostic."""
    written: list[Path] = []
    problems: list[Diagnostic] = []
    taken = set() if taken is None else taken
    for mapped, problem in read_file(path, str(path)):
        if mapped is None:
            problems.extend(problem if isinstance(problem, list) else
                            [problem] if problem is not None else [])
            continue
        ident = next(v.value for k, v in mapped.node.value if k.value == "id")
        target = out / file_name(str(ident), taken)
        text = to_yaml(mapped, str(path))
        if os.path.lexists(target) and not _holds(target, text):
            # a reviewer completes the prompts of an imported file: importing again must
            # not throw that work away (nor write through a link planted in the folder)
            problems.append(Diagnostic(
                "CP422", f"{target} exists; cappolicy import does not overwrite it",
                mapped.node.span, "it may hold a reviewer's completions: remove it, or "
                "import into another folder"))
            continue
        write(target, text)
        written.append(target)
    return Imported(tuple(written), tuple(problems))


def run_import(files: tuple[Path, ...] | list[Path], out: Path, say: Any) -> list[Diagnostic]:
    """`cappolicy import iati`: import each file into `out`, saying what was written
    through `say`; the problems of the files and activities that could not be."""
    from ..base.files import led_out, write_atomic

    problems: list[Diagnostic] = []
    taken: set[str] = set()  # file names written, across the files imported
    elsewhere = led_out(out / "x.yaml")
    if elsewhere is not None:  # as every file a command writes (cli/options.write_file)
        return [Diagnostic("CP422", f"cannot write into {out}: it is a symbolic link to "
                                    f"{elsewhere}, outside the project")]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [Diagnostic("CP422", f"cannot make the folder {out}: {exc.strerror or exc}")]
    for path in files:
        if not path.is_file():
            problems.append(Diagnostic("CP421", f"no such file: {path}"))
            continue
        try:
            imported = import_iati(path, out, write_atomic, taken)
        except OSError as exc:
            problems.append(Diagnostic("CP422", f"cannot write into {out}: "
                                                f"{exc.strerror or exc}"))
            continue
        problems.extend(imported.problems)
        n = len(imported.written)
        say(f"{path}: {n} activit{'y' if n == 1 else 'ies'} written to {out}")
    return problems
