"""Rulesets for people and programs: the catalog as a tree of inheritance, and one effective
ruleset with where each param, rule and change comes from (`cappolicy rulesets [show]`).

JSON: "cappolicy.rulesets" (the catalog) and "cappolicy.ruleset" (one effective ruleset),
both version 1, described field by field in docs/ruleset-json.md. Like the report, every key
is always present and the same input always gives the same bytes.

Relaxations (a param less strict than a parent layer had it, a lowered severity, a disabled
rule) are marked `RELAXED` in text and `"relaxed": true` in JSON, wherever they show.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..base.errors import SourceCache
from ..base.span import Span
from ..base.visible import no_commands, visible
from ..engine.evaluate import RuleSpec
from ..engine.findings import LEVEL, SEVERITY_RANK, Provenance
from ..lang import ast
from ..lang.unparse import unparse
from ..rulesets.catalog import (
    BASELINE,
    Catalog,
    CatalogEntry,
    Disabled,
    EffectiveRuleset,
    Layer,
    display_path,
)
from ..rulesets.definitions import reads
from .jsonfmt import diagnostic_to_json, provenance_to_json
from .paths import in_rulesets
from .style import style as style_text

SCHEMA = "cappolicy.ruleset"
LIST_SCHEMA = "cappolicy.rulesets"
VERSION = 1
JSONDict = dict[str, Any]

LABEL_WIDTH = 10
RELAXED = "RELAXED"

_STYLES: dict[str, dict[str, Any]] = {
    RELAXED: {"fg": "yellow", "bold": True},
    "ERROR": {"fg": "red", "bold": True},
    "must": {"fg": "red"},
    "should": {"fg": "yellow"},
    "advisory": {"fg": "blue"},
    "id": {"bold": True},
}


def _paint(text: str, style: str, color: bool) -> str:
    return style_text(text, **_STYLES[style]) if color else text


# --- where a ruleset comes from --------------------------------------------------------------


@attrs.frozen
class Where:
    """The folder a ruleset was found in (`root`), whether that is the shipped one, or
    `given` when it was named by its path on the command line; and its files."""

    files: tuple[str, ...]
    root: str | None
    shipped: bool
    given: bool = False

    def text(self) -> str:
        how = "given by path" if self.given else "shipped" if self.shipped else \
            f"from --rulesets {self.root}"
        if len(self.files) == 1:  # a folder's name may hold a newline: spelled out
            return visible(f"{self.files[0]} ({how})")
        folder = Path(self.files[0]).parent.as_posix() if self.files else "?"
        return visible(f"{folder}/*.cpol ({len(self.files)} files, {how})")

    def to_json(self) -> JSONDict:
        return {"files": list(self.files), "root": self.root, "shipped": self.shipped,
                "given": self.given}


def where_of(files: Sequence[Path], root: Path, shipped_root: Path) -> Where:
    return Where(tuple(display_path(p) for p in files), display_path(root), root == shipped_root)


def layer_where(layer: Layer, catalog: Catalog, shipped_root: Path) -> Where:
    files = tuple(f.file for f in layer.files)
    source = catalog.sources.get(layer.id)
    if source is not None and set(files) <= {display_path(p) for p in source.files}:
        return Where(files, display_path(source.root), source.root == shipped_root)
    return Where(files, None, False, given=True)


# --- one effective ruleset -------------------------------------------------------------------


@attrs.frozen
class Shown:
    """What `rulesets show` was asked (`ref`, read as a `kind`: country, id or path) and the
    effective ruleset it found; `note` says why, when a country falls back to the baseline."""

    ref: str
    kind: str  # country | id | path
    country: str | None
    note: str | None
    ruleset: EffectiveRuleset
    wheres: Mapping[str, Where]  # layer id -> where it comes from

    @property
    def fallback(self) -> bool:
        return self.kind == "country" and self.note is not None


def _counts(eff: EffectiveRuleset) -> JSONDict:
    params = sum(1 for name in eff.params if eff.param_relaxed(name))
    rules = sum(1 for spec in eff.rules if eff.rule_relaxed(spec))
    disabled = sum(1 for d in eff.disabled if d.origin.relaxation)
    return {
        "params": len(eff.params),
        "rules": len(eff.rules),
        "disabled": len(eff.disabled),
        "relaxed_params": params,
        "relaxed_rules": rules,
        "disabled_must": sum(1 for d in eff.disabled if d.severity == "must"),
        "relaxations": params + rules + disabled,
    }


def shown_to_json(shown: Shown, tool_version: str) -> JSONDict:
    eff = shown.ruleset
    defined = _defined(eff)
    readers = _readers(eff) if defined else {}
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "tool": {"name": "cappolicy", "version": tool_version},
        "query": {"ref": shown.ref, "kind": shown.kind, "country": shown.country},
        "fallback": shown.fallback,
        "note": shown.note,
        "ruleset": {"id": eff.id, "title": eff.title, "version": eff.version,
                    "jurisdiction": list(eff.jurisdiction)},
        "chain": [_layer_json(layer, shown.wheres[layer.id]) for layer in eff.layers],
        "summary": _counts(eff),
        "params": [_param_json(eff, name) for name in eff.params],
        "definitions": [_definition_json(let, layer, readers) for let, layer in defined],
        "rules": [_rule_json(eff, spec) for spec in eff.rules],
        "disabled": [_disabled_json(d) for d in eff.disabled],
    }


def _layer_json(layer: Layer, where: Where) -> JSONDict:
    return {"id": layer.id, "title": layer.title, "version": layer.version,
            "jurisdiction": list(layer.jurisdiction), "extends": layer.extends,
            **where.to_json()}


def _param_json(eff: EffectiveRuleset, name: str) -> JSONDict:
    value = eff.params[name]
    decl = eff.param_decls[name]
    return {
        "name": name,
        "type": str(decl.type),
        "value": value.display,
        "stricter": decl.stricter,
        "description": decl.doc,
        "relaxed": eff.param_relaxed(name),
        "origin": provenance_to_json(value.origin),
        "history": [{"value": old.display, "origin": provenance_to_json(old.origin)}
                    for old in eff.param_history.get(name, ())],
    }


def _defined(eff: EffectiveRuleset) -> list[tuple[ast.Let, str]]:
    """The definitions of the chain (top-level lets), in the order written, each with the
    layer that writes it."""
    return [(item, layer.id) for layer in eff.layers for item in layer.items()
            if isinstance(item, ast.Let)]


def _readers(eff: EffectiveRuleset) -> dict[str, list[str]]:
    """The rules that read each definition, in the order of the rules."""
    compiled = {rule.id: rule for rule in eff.compiled()}
    found: dict[str, list[str]] = {}
    for spec in eff.rules:
        for let in reads(spec, compiled.get(spec.rule.id)):
            found.setdefault(let.name, []).append(spec.rule.id)
    return found


def _definition_json(let: ast.Let, layer: str, readers: dict[str, list[str]]) -> JSONDict:
    return {"name": let.name, "expression": unparse(let.expr),
            "origin": provenance_to_json(Provenance(layer, let.span)),
            "read_by": readers.get(let.name, [])}


def _rule_json(eff: EffectiveRuleset, spec: RuleSpec) -> JSONDict:
    rule = spec.rule
    return {
        "id": rule.id,
        "title": rule.title,
        "principle": rule.principle,
        "source": rule.source,
        "severity": spec.severity,
        "level": LEVEL[spec.severity],
        "declared_severity": rule.severity or "must",
        "relaxed": eff.rule_relaxed(spec),
        "origin": provenance_to_json(spec.origin),
        "severity_origin": provenance_to_json(spec.severity_origin),
        "message": spec.message.text if spec.message is not None else None,
        "message_override": provenance_to_json(eff.text_overrides.get((rule.id, "message"))),
        "hint": spec.hint.text if spec.hint is not None else None,
        "hint_override": provenance_to_json(eff.text_overrides.get((rule.id, "hint"))),
    }


def _disabled_json(d: Disabled) -> JSONDict:
    return {"rule": d.rule, "title": d.title, "severity": d.severity, "level": LEVEL[d.severity],
            "relaxed": d.origin.relaxation, "origin": provenance_to_json(d.origin)}


def render_shown(shown: Shown, *, color: bool = False) -> str:
    """The effective ruleset as text: header and chain, params, rules, disabled rules."""
    eff = shown.ruleset
    counts = _counts(eff)
    head = [" ".join(filter(None, [_paint(eff.id, "id", color),
                                   f'"{visible(eff.title)}"' if eff.title else None]))]
    if eff.version:
        head += _field("version", eff.version)
    if eff.jurisdiction:
        head += _field("for", ", ".join(eff.jurisdiction))
    head += _field("chain", " -> ".join(eff.chain))
    for layer in eff.layers:
        label = layer.id + (f" {layer.version}" if layer.version else "")
        head.append(_continue(f"{label}: {shown.wheres[layer.id].text()}"))
    if shown.note:
        head += _field("note", visible(shown.note))
    relaxations = counts["relaxations"]
    head += _field("summary", f"{_plural(counts['params'], 'param')}, "
                   f"{_plural(counts['rules'], 'rule')}, {counts['disabled']} disabled; "
                   + (_paint(f"{_plural(relaxations, 'relaxation')} of a parent ruleset",
                             RELAXED, color) if relaxations else "no relaxation of a parent ruleset"))
    blocks = ["\n".join(head)]
    blocks.append("\n".join([f"Params ({counts['params']})",
                             *(line for n in eff.params for line in _param_lines(eff, n, color))]))
    defined = _defined(eff)
    if defined:
        readers = _readers(eff)
        blocks.append("\n".join([f"Definitions ({len(defined)})", *(
            line for let, layer in defined
            for line in _definition_lines(let, layer, readers, color))]))
    blocks.append("\n".join([f"Rules ({counts['rules']})",
                             *(line for s in eff.rules for line in _rule_lines(eff, s, color))]))
    if eff.disabled:
        blocks.append("\n".join([f"Disabled ({counts['disabled']})",
                                 *(line for d in eff.disabled for line in _disabled_lines(d, color))]))
    return no_commands("\n\n".join(blocks))


def _param_lines(eff: EffectiveRuleset, name: str, color: bool) -> list[str]:
    value = eff.params[name]
    decl = eff.param_decls[name]
    kind = str(decl.type) + (f", {decl.stricter} is stricter" if decl.stricter else "")
    mark = "   " + _paint(RELAXED, RELAXED, color) if eff.param_relaxed(name) else ""
    lines = [f"  {_paint(name, 'id', color)} = {visible(value.display)}   ({kind}){mark}"]
    if decl.doc:
        lines += _field("about", visible(decl.doc), 4)
    steps = [*eff.param_history.get(name, ()), value]
    for i, step in enumerate(steps):
        origin = step.origin
        where = f"{visible(step.display)} by {origin.layer} at {_cite(origin.span, origin.layer)}"
        if i == 0:  # a declaration's `because` is its description, shown above
            lines += _field("declared", where, 4)
            continue
        where += _because(origin)
        verb = _paint("RELAXES", RELAXED, color) if origin.relaxation else "tightens"
        lines += _field("set", where, 4)
        lines.append(_continue(f"{verb} {origin.previous_layer} {visible(str(origin.previous))}",
                               4))
    return lines


def _definition_lines(let: ast.Let, layer: str, readers: dict[str, list[str]], color: bool
                      ) -> list[str]:
    lines = [f"  {_paint(let.name, 'id', color)} = {visible(unparse(let.expr))}"]
    lines += _field("defined", f"in {layer} at {_cite(let.span, layer)}", 4)
    lines += _field("read by", ", ".join(readers.get(let.name, [])) or "no rule", 4)
    return lines


def _rule_lines(eff: EffectiveRuleset, spec: RuleSpec, color: bool) -> list[str]:
    rule = spec.rule
    mark = "   " + _paint(RELAXED, RELAXED, color) if eff.rule_relaxed(spec) else ""
    severity = _paint(spec.severity, spec.severity, color)
    lines = [f"  {_paint(rule.id, 'id', color)}  {severity}  {visible(rule.title)}{mark}"]
    principle = rule.principle or "(none)"
    lines += _field("principle", f"{principle}: {visible(rule.source)}" if rule.source else
                    f"{principle} (no source given)", 4)
    lines += _field("defined", f"in {spec.origin.layer} at {_cite(spec.origin.span, spec.origin.layer)}", 4)
    declared = rule.severity or "must"
    so = spec.severity_origin
    if so is not None:
        now, before = SEVERITY_RANK[spec.severity], SEVERITY_RANK[so.previous or declared]
        verb = "lowered" if now < before else "raised" if now > before else "set"
        shown = _paint(verb, RELAXED, color) if now < before else verb
        lines += _field("severity", f"{spec.severity}, was {so.previous} in {so.previous_layer}: "
                        f"{shown} by {so.layer} at {_cite(so.span, so.layer)}{_because(so)}", 4)
        if so.previous != declared:
            lines.append(_continue(f"defined as {declared} in {spec.origin.layer}", 4))
    for field in ("message", "hint"):
        override = eff.text_overrides.get((rule.id, field))
        if override is None:
            continue
        template = spec.message if field == "message" else spec.hint
        lines += _field(field, f'"{visible(template.text) if template else ""}"', 4)
        lines.append(_continue(f"overridden by {override.layer} at {_cite(override.span, override.layer)}"
                               f"{_because(override)}", 4))
        if override.previous is not None:
            lines.append(_continue(f'replaces "{visible(str(override.previous))}" of '
                                   f'{override.previous_layer}', 4))
    return lines


def _disabled_lines(d: Disabled, color: bool) -> list[str]:
    origin = d.origin
    mark = "   " + _paint(RELAXED, RELAXED, color) if origin.relaxation else ""
    severity = _paint(d.severity, d.severity, color)
    lines = [f"  {_paint(d.rule, 'id', color)}  {severity}  {visible(d.title)}{mark}"]
    lines += _field("disabled", f"by {origin.layer} at {_cite(origin.span, origin.layer)}{_because(origin)}", 4)
    if origin.previous_span is not None:
        lines += _field("defined", f"in {origin.previous_layer} at {_cite(origin.previous_span, origin.previous_layer)}", 4)
    return lines


# --- the catalog -----------------------------------------------------------------------------


@attrs.frozen
class Node:
    entry: CatalogEntry
    where: Where
    depth: int
    children: tuple[Node, ...]
    shadows: tuple[Where, ...] = ()  # the rulesets of the same id it hides


def tree_of(entries: Iterable[CatalogEntry], shipped_root: Path) -> list[Node]:
    """The catalog as a forest: rulesets that extend nothing at the top, each ruleset under
    the one it extends; a ruleset whose parent is missing (or that extends itself through
    others) at the top too, where its error shows."""
    by_id = {e.source.id: e for e in entries}
    children: dict[str | None, list[CatalogEntry]] = {}
    for entry in by_id.values():
        children.setdefault(entry.parent, []).append(entry)
    placed: set[str] = set()

    def grow(entry: CatalogEntry, depth: int) -> Node:
        placed.add(entry.source.id)
        kids = [k for k in children.get(entry.source.id, []) if k.source.id not in placed]
        where = where_of(entry.source.files, entry.source.root, shipped_root)
        # and the files it could not read (catalog.rule_files), as named: never resolved
        refused = tuple(d.span.file for d in entry.source.refused if d.span is not None)
        if refused:
            where = attrs.evolve(where, files=where.files + refused)
        shadows = tuple(where_of(s.files, s.root, shipped_root) for s in entry.shadows)
        return Node(entry, where, depth, tuple(grow(k, depth + 1) for k in _ordered(kids)),
                    shadows)

    forest = [grow(e, 0) for e in _ordered(children.get(None, []))]
    forest += [grow(e, 0) for e in _ordered(by_id.values()) if e.source.id not in placed]
    return forest


def _ordered(entries: Iterable[CatalogEntry]) -> list[CatalogEntry]:
    """The baseline first, then by id."""
    return sorted(entries, key=lambda e: (e.source.id != BASELINE, e.source.id))


def walk(forest: Sequence[Node]) -> Iterable[Node]:
    for node in forest:
        yield node
        yield from walk(node.children)


def catalog_to_json(forest: Sequence[Node], roots: Sequence[Path], shipped_root: Path,
                    tool_version: str, fallback: str | None) -> JSONDict:
    """The catalog as "cappolicy.rulesets" version 1: the rulesets in the order of the tree
    (each after the one it extends), each naming its parent and children."""
    nodes = list(walk(forest))
    return {
        "schema": LIST_SCHEMA,
        "version": VERSION,
        "tool": {"name": "cappolicy", "version": tool_version},
        "roots": [{"path": display_path(r), "shipped": r == shipped_root} for r in roots],
        "fallback": fallback,
        "summary": {"rulesets": len(nodes), "errors": sum(1 for n in nodes if not n.entry.ok)},
        "rulesets": [_node_json(n) for n in nodes],
    }


def _node_json(node: Node) -> JSONDict:
    entry, layer = node.entry, node.entry.layer
    status = "ok" if entry.ok else "parent-error" if entry.broken_parent else "error"
    return {
        "id": entry.source.id,
        "title": layer.title if layer else None,
        "version": layer.version if layer else None,
        "jurisdiction": list(layer.jurisdiction) if layer else [],
        "extends": layer.extends if layer else None,
        "parent": entry.parent,
        "depth": node.depth,
        "children": [k.entry.source.id for k in node.children],
        **node.where.to_json(),
        "shadows": [w.to_json() for w in node.shadows],
        "status": status,
        "broken_parent": entry.broken_parent,
        "errors": [diagnostic_to_json(d) for d in entry.errors],
    }


def render_catalog(forest: Sequence[Node], fallback: str | None, *, color: bool = False,
                   sources: SourceCache | None = None) -> str:
    """The catalog as an indented tree, each ruleset with its header and where it comes from;
    a ruleset that cannot be used shows why, with its located diagnostics."""
    sources = sources if sources is not None else SourceCache()
    lines: list[str] = []
    for i, node in enumerate(forest):
        lines += _node_lines(node, "", "", i == len(forest) - 1, color, sources, top=True)
    nodes = list(walk(forest))
    broken = sum(1 for n in nodes if not n.entry.ok)
    total = f"{_plural(len(nodes), 'ruleset')}" + (
        f", {_paint(f'{broken} with errors', 'ERROR', color)}" if broken else "")
    if fallback is not None:
        total += f"; a country without a national ruleset is checked against {fallback}"
    else:
        total += "; no baseline ruleset, so a country without a national ruleset cannot be checked"
    return no_commands("\n".join([*lines, "", total]))


def _node_lines(node: Node, first: str, rest: str, last: bool, color: bool,
                sources: SourceCache, *, top: bool = False) -> list[str]:
    entry, layer = node.entry, node.entry.layer
    head = [_paint(entry.source.id, "id", color)]
    if layer is not None and layer.version:
        head.append(layer.version)
    if layer is not None and layer.title:
        head.append(f'"{visible(layer.title)}"')
    if layer is not None and layer.jurisdiction:
        head.append(f"for {', '.join(layer.jurisdiction)}")
    if not entry.ok:
        head.append(_paint("ERROR", "ERROR", color))
    branch = "" if top else ("`-- " if last else "+-- ")
    body = rest + ("" if top else ("    " if last else "|   "))
    inner = body + ("|   " if node.children else "    ")
    lines = [first + branch + "  ".join(head), inner + "from " + node.where.text()]
    lines += [inner + "hides " + shadow.text() for shadow in node.shadows]
    if layer is not None and layer.extends and entry.parent is None:
        lines.append(inner + f"extends {layer.extends}, which is not found")
    if entry.broken_parent:
        lines.append(inner + f"cannot be resolved: {entry.broken_parent}, which it extends, "
                     "has errors")
    for d in entry.errors:
        lines += [inner + line for line in d.render(sources, color=color).splitlines()]
    for i, kid in enumerate(node.children):
        lines += _node_lines(kid, body, body, i == len(node.children) - 1, color, sources)
    return lines


# --- helpers ---------------------------------------------------------------------------------


def _field(label: str, text: str, indent: int = 2) -> list[str]:
    pad = " " * (indent + LABEL_WIDTH)
    first, *more = text.splitlines() or [""]
    return [" " * indent + label.ljust(LABEL_WIDTH - 1) + " " + first, *(pad + m for m in more)]


def _continue(text: str, indent: int = 2) -> str:
    return " " * (indent + LABEL_WIDTH) + text


def _cite(span: Span, layer: str | None = None) -> str:
    """`file:line` of a ruleset line; a file outside the current folder (an installed
    package's) named as under its rulesets root (`baseline/financing.cpol:8`)."""
    file = span.file
    if layer and (os.path.isabs(file) or file.startswith("..")):
        file = in_rulesets(file, layer)
    return f"{file}:{span.line}" if span.line else file


def _because(origin: Provenance) -> str:
    return f' because "{visible(origin.because)}"' if origin.because else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"

