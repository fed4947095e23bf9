"""Lint rulesets: every diagnostic that parsing, layering and compiling find, at once,
and the checks only a linter makes (CP250-CP263, docs/language.md section 15).

- CP250 a `set`, `override` or `disable` without `because` (resolution reports it too,
  so `check` refuses such a ruleset);
- CP251-CP253 a rule whose outcome does not depend on the proposal: it never applies, never
  fails or always fails. Params are constants, so conditions are folded over literals,
  params and constant `let`s, with the three-valued laws (`x and false` is false);
- CP254-CP256 a `source` that names no paragraph of the cited source documents, CP257
  the note that their folder was not given (then only the form of each `source` is
  checked);
- CP258 a rule without message or hint, CP259 a param no rule uses (warnings);
- CP261 a translated message or hint (`message fr "…"`) whose {holes} are not those of the
  text it translates, or that translates a text the rule does not have;
- CP262 a `set` of a pattern param that leaves the parent's pattern out (a warning);
- CP263 a definition (a top-level `let`) that no rule reads (a warning).

A linted ruleset is judged on its own files: inherited rules are the parent's business,
except when this layer's `set` is what makes one of them constant.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..base.errors import AnalysisError, CappolicyError, Diagnostic, SourceCache, did_you_mean
from ..base.files import read_bytes
from ..base.record import Record
from ..base.span import Span
from ..engine.compile import ParamValue
from ..engine.evaluate import CompiledRule, RuleSpec, compile_rules
from ..engine.nodes import (
    And,
    Binder,
    Builtin,
    Condition,
    Connective,
    Deref,
    Error,
    Graph,
    GraphNode,
    Implies,
    Node,
    Not,
    Or,
    Quantifier,
    Root,
    Var,
)
from ..engine.runtime import Context, Env
from ..lang import ast
from ..lang import values as V
from ..lang.unparse import unparse
from .catalog import (
    Catalog,
    EffectiveRuleset,
    Layer,
    RulesetSource,
    display_path,
    load_layer,
    resolve_collecting,
)
from .definitions import unused as unused_definitions
from .sources import _CITATION, PARAGRAPH_MIN, RELATED_HEADING, paragraphs

#: Params read by cappolicy itself rather than by a rule: the approvers of waivers.
BUILTIN_PARAM_USES = {"public_sector": "it names who may approve a waiver (WAIVER-01)",
                      "principles": "it declares the ruleset's own principle ids (CP260)"}

#: The principle ids of the design card; a ruleset adds its own in a `principles` param
#: (`param principles: set of string = {"port-security"}`), which its children inherit.
PRINCIPLES = (
    "local-ownership", "inclusive-participation", "national-alignment", "needs-assessment",
    "mandate-alignment", "no-parallel-mechanisms", "decision-rights", "knowledge-transfer",
    "co-financing", "sunset-and-exit", "multi-year-budget", "procurement-integrity",
    "data-protection", "cert-strengthening", "risk-management", "independent-evaluation",
    "measurable-outcomes", "accountability", "language-access", "human-rights",
    "regional-cooperation")

SOURCE_FORMAT = _CITATION  # "FILE, paragraph N": one reading of a citation, shared with explain
SOURCE_EXAMPLE = '"000_66251300b48a3485.txt, paragraph 5"'

LEVELS = ("error", "warning", "note")


# ---------------------------------------------------- the cited source documents


body_paragraphs = paragraphs  # how a citation counts paragraphs: one rule, in seeds.py


class Seeds:
    """The folder of the cited source documents, each read once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._counts: dict[str, int | None] = {}

    def names(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if p.is_file())

    def paragraphs(self, name: str) -> int | None:
        """How many body paragraphs the document has; None when there is no such file."""
        if name not in self._counts:
            path = self.folder / name
            try:  # a regular file in the folder, never read through a link
                if "/" in name or "\\" in name:
                    raise FileNotFoundError(name)
                text = read_bytes(path, follow=False).decode("utf-8", errors="replace")
            except OSError:
                self._counts[name] = None
            else:
                self._counts[name] = len(body_paragraphs(text))
        return self._counts[name]


# ------------------------------------------------------------------ report


@attrs.frozen
class LintReport:
    rulesets: tuple[str, ...]  # what was linted: ids, or paths for files named directly
    diagnostics: tuple[Diagnostic, ...]
    seeds: tuple[Path, ...] = ()  # the folder of the cited source documents, when used

    def count(self, level: str) -> int:
        return sum(1 for d in self.diagnostics if d.level == level)

    def exit_code(self, strict: bool = False) -> int:
        """2 with errors; 1 with warnings when strict; else 0. Notes never count."""
        if self.count("error"):
            return 2
        if strict and self.count("warning"):
            return 1
        return 0


def order(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once, by file and position; unlocated ones (notes) last."""
    unique = list(dict.fromkeys(diagnostics))

    def key(d: Diagnostic) -> tuple[int, str, int, int, str]:
        if d.span is None:
            return (1, "", 0, 0, d.code)
        return (0, d.span.file, d.span.line, d.span.column, d.code)
    return sorted(unique, key=key)


# ------------------------------------------------------------------ linter


@attrs.frozen
class _Resolved:
    effective: EffectiveRuleset | None
    layer: Layer | None  # the ruleset's own layer, when its files load
    diagnostics: tuple[Diagnostic, ...]


class Linter:
    """Lints rulesets of one catalog; resolved rulesets and the cited source documents
    (`sources`, their folder; None: not given) are shared between the rulesets of a run."""

    def __init__(self, catalog: Catalog, sources: Path | None = None) -> None:
        self.catalog = catalog
        self._seeds = Seeds(sources.resolve()) if sources is not None else None
        self._used = False
        self._resolved: dict[tuple[str, str], _Resolved] = {}
        self._unseeded = False  # a `source` was checked for its form only
        self._sources = SourceCache()

    def lint(self, sources: Sequence[RulesetSource], names: Sequence[str] | None = None,
             extra: Sequence[Diagnostic] = ()) -> LintReport:
        found: list[Diagnostic] = list(extra)
        for source in sources:
            found.extend(self.lint_source(source))
        if self._unseeded:
            found.append(Diagnostic(
                "CP257", "the folder of the cited source documents was not given: each "
                "`source` was checked for its form only", None,
                "pass --sources DIR, or set sources = \"DIR\" in cappolicy.toml, to check "
                "that each cited paragraph exists", level="note"))
        used = (self._seeds.folder,) if self._seeds is not None and self._used else ()
        return LintReport(tuple(names if names is not None else [s.id for s in sources]),
                          tuple(order(found)), used)

    def lint_source(self, source: RulesetSource) -> list[Diagnostic]:
        resolved = self._resolve(source)
        found = list(resolved.diagnostics)
        layer = resolved.layer
        if layer is None:
            return found
        own_rules = [i for i in layer.items() if isinstance(i, ast.Rule)]
        found.extend(self._texts(own_rules))
        found.extend(self._translations(own_rules))
        found.extend(self._citations(own_rules, source))
        eff = resolved.effective
        if eff is None:  # the chain does not load: no params, no resolution to ask
            found.extend(_missing_because(layer))
            return found
        found.extend(_jurisdiction(source, layer))
        found.extend(_principles(own_rules, eff))
        specs = {spec.rule.id: spec for spec in eff.rules}
        for item in layer.items():  # `override R message fr "…"`: R's text as layered
            spec = specs.get(item.rule) if isinstance(item, ast.Override) else None
            if spec is not None and isinstance(item, ast.Override) and item.lang is not None \
                    and isinstance(item.value, ast.Template):
                original = spec.rule.title if item.field == "title" else getattr(spec, item.field)
                found.extend(_translation(item.rule, item.lang, item.field, item.value,
                                          item.span, original, spec.rule.id_span))
        compiled = {spec.rule.id: _compile_one(spec, eff.params) for spec in eff.rules}
        found.extend(_unused_params(layer, eff, compiled))
        found.extend(unused_definitions(layer, eff.rules, compiled))
        found.extend(_replaced_patterns(layer, eff))
        faults = [d.span for d in found if d.level == "error" and d.span is not None]
        found.extend(self._constant_rules(layer, eff, compiled, faults))
        return found

    # -------------------------------------------------------- resolution

    def _resolve(self, source: RulesetSource) -> _Resolved:
        key = (str(source.root), source.id)
        if key not in self._resolved:
            self._resolved[key] = self._resolve_uncached(source)
        return self._resolved[key]

    def _resolve_uncached(self, source: RulesetSource) -> _Resolved:
        try:
            eff, errors = resolve_collecting(self.catalog, source)
        except CappolicyError as exc:  # the chain does not load; lint what does
            found = list(exc.diagnostics)
            try:
                layer = load_layer(source)
            except CappolicyError:
                return _Resolved(None, None, tuple(found))
            return _Resolved(None, layer, (*found, *layer.syntax_errors))
        if not errors:
            try:
                eff.compiled()
            except AnalysisError as exc:
                errors = list(exc.diagnostics)
        return _Resolved(eff, eff.layers[-1], tuple(errors))

    def _parent(self, layer: Layer) -> EffectiveRuleset | None:
        source = self.catalog.find(layer.extends) if layer.extends else None
        return self._resolve(source).effective if source is not None else None

    # -------------------------------------------------------- text checks

    def _texts(self, rules: Iterable[ast.Rule]) -> Iterator[Diagnostic]:
        """CP258: a finding without message shows only the title; without hint, no fix."""
        for rule in rules:
            missing = [c for c in ("message", "hint") if getattr(rule, c) is None]
            if not missing:
                continue
            what = " or ".join(missing)
            yield Diagnostic(
                "CP258", f"rule {rule.id} has no {what}", rule.id_span,
                "a failing finding shows the message with the values that failed, and the hint "
                "says which proposal fields to change; without them the reviewer sees only "
                "the title", level="warning")

    def _translations(self, rules: Iterable[ast.Rule]) -> Iterator[Diagnostic]:
        """CP261 for the translations written in rules (`message fr "…"`)."""
        for rule in rules:
            for tr in rule.translations:
                yield from _translation(rule.id, tr.lang, tr.field, tr.template, tr.span,
                                        _translated(rule, tr.field), rule.id_span)

    def _citations(self, rules: Iterable[ast.Rule], source: RulesetSource) -> Iterator[Diagnostic]:
        """CP254-CP256: `source "FILE, paragraph N"` names a body paragraph of a cited
        source document."""
        for rule in rules:
            if rule.source is None:
                continue
            span = self._clause_span(rule, "source")
            m = SOURCE_FORMAT.fullmatch(rule.source)
            if m is None or "/" in m["file"] or "\\" in m["file"] or int(m["number"]) < 1:
                yield Diagnostic(
                    "CP254", f"source \"{rule.source}\" is not of the form \"FILE, paragraph N\"",
                    span, f"cite one body paragraph of a source document, as {SOURCE_EXAMPLE} "
                    "(paragraphs count from 1)")
                continue
            seeds = self._seeds
            if seeds is None:
                self._unseeded = True
                continue
            self._used = True
            name, n = m["file"], int(m["number"])
            count = seeds.paragraphs(name)
            if count is None:
                best = did_you_mean(name, seeds.names())
                yield Diagnostic(
                    "CP255", f"source names '{name}', which is not among the cited source "
                    f"documents in {display_path(seeds.folder)}", span,
                    f"did you mean '{best}'?" if best else
                    f"the documents there are: {', '.join(seeds.names()) or 'none'}")
            elif n > count:
                yield Diagnostic(
                    "CP256", f"source cites paragraph {n} of {name}, which has {count} body "
                    f"paragraph{'s' if count != 1 else ''}", span,
                    f"body paragraphs are its lines longer than {PARAGRAPH_MIN} characters "
                    f"before '{RELATED_HEADING}', counted from 1")

    def _clause_span(self, rule: ast.Rule, keyword: str) -> Span:
        """Where a rule's clause is written (the AST keeps only its value), else the rule id."""
        file = rule.span.file
        # `\S` after the leading white space: without it a long line of spaces was read
        # both ways, by `\s*` and by `.*`, and took minutes
        pattern = re.compile(rf"(\s*(?:(?:\S.*)?\{{\s*)?)({keyword}\s+\"[^\"\n]*\"?)")
        for number in range(rule.span.line, max(rule.span.end_line, rule.span.line) + 1):
            text = self._sources.line(file, number)
            m = pattern.match(text) if text is not None else None
            if m is not None:
                col = m.start(2) + 1
                return Span(file, number, col, number, m.end(2) + 1)
        return rule.id_span

    # ---------------------------------------------------- constant rules

    def _constant_rules(self, layer: Layer, eff: EffectiveRuleset,
                        compiled: Mapping[str, CompiledRule | None],
                        faults: Sequence[Span] = ()) -> Iterator[Diagnostic]:
        """CP251-CP253 for this layer's rules; for inherited rules, only when the rule
        became constant here (it is not in the parent), located at this layer's `set`.
        A rule with an error in it, or reading a param whose `param` or `set` has one, is
        not judged: an error's stand-in (a number too long to read is 0) is no constant."""
        parent: EffectiveRuleset | None = None
        parent_looked = False
        faulty = {i.name for i in layer.items() if isinstance(i, (ast.Param, ast.SetParam))
                  and any(_inside(f, i.span) for f in faults)}
        for spec in eff.rules:
            rule = compiled.get(spec.rule.id)
            if rule is None or any(_inside(f, spec.rule.span) for f in faults) \
                    or any(p.name in faulty for p in rule.params):
                continue
            verdict = constant_verdict(rule, spec.rule)
            if verdict is None:
                continue
            if spec.origin.layer == layer.id:
                yield _constant_diagnostic(spec.rule, verdict, ())
                continue
            if not parent_looked:
                parent, parent_looked = self._parent(layer), True
            before = _compile_one(spec, parent.params) if parent is not None else None
            if before is not None and constant_verdict(before, spec.rule) is not None:
                continue  # the parent's lint reports it
            used = {p.name for p in rule.params}
            sets = [i for i in layer.items() if isinstance(i, ast.SetParam) and i.name in used]
            if sets:
                yield _constant_diagnostic(spec.rule, verdict, _culprits(
                    spec, sets, eff, parent), spec.origin.layer)


# ------------------------------------------------------------- each check


def _translated(rule: ast.Rule, field: str) -> ast.Template | str | None:
    """The text a translation of `field` translates: the rule's message, hint or title."""
    return rule.title if field == "title" else getattr(rule, field)


def _translation(rule: str, lang: str, field: str, template: ast.Template, span: Span,
                 original: ast.Template | str | None, rule_span: Span) -> Iterator[Diagnostic]:
    """CP261: a translation has the same {holes} as the text it translates, no more and
    no fewer (in any order), and translates a text the rule has. A title has no holes."""
    if original is None:
        yield Diagnostic(
            "CP261", f"rule {rule} has a {field} in '{lang}' but no {field} to translate", span,
            f"write the {field} without a language first: it is what a reader of any other "
            "language sees")
        return
    want = [] if isinstance(original, str) else holes(original)
    got = holes(template)
    missing = [h for h in want if h not in got]
    extra = [h for h in got if h not in want]
    if not missing and not extra:
        return
    said = "; ".join(part for part in (
        f"it lacks {', '.join('{' + h + '}' for h in missing)}" if missing else "",
        f"it has {', '.join('{' + h + '}' for h in extra)}, which the {field} does not"
        if extra else "") if part)
    yield Diagnostic(
        "CP261", f"the '{lang}' {field} of rule {rule} does not have the holes of its "
        f"{field}: {said}", span,
        f"a translation shows the same values: use exactly the holes of the {field} at "
        f"{(rule_span if isinstance(original, str) else original.span).short()}, in any "
        "order" if want else f"a {field} has no holes: write '{{{{' and '}}}}' for braces")


def holes(template: ast.Template) -> list[str]:
    """A message's {holes} as written in canonical form (`{a*100}` is `a * 100`), each once."""
    found: list[str] = []
    for part in template.parts:
        if not isinstance(part, str):
            shown = unparse(part)
            if shown not in found:
                found.append(shown)
    return found


def _missing_because(layer: Layer) -> Iterator[Diagnostic]:
    """CP250 when resolution could not run (resolution reports it otherwise)."""
    for item in layer.items():
        if isinstance(item, (ast.SetParam, ast.Override, ast.Disable)) and item.because is None \
                and not (isinstance(item, ast.Override) and item.lang is not None):
            what = (f"set {item.name}" if isinstance(item, ast.SetParam) else
                    f"override {item.rule} {item.field}" if isinstance(item, ast.Override)
                    else f"disable {item.rule}")
            yield Diagnostic(
                "CP250", f"`{what}` gives no reason", item.span,
                'add `because "..."` naming the law, decision or agreement behind the change')


def _jurisdiction(source: RulesetSource, layer: Layer) -> Iterator[Diagnostic]:
    """CP229, which `check` finds only when it picks the ruleset for a country."""
    collection, _, name = source.id.rpartition("/")
    if collection != "national" or not layer.jurisdiction:
        return
    country = name.upper()
    if country not in layer.jurisdiction:
        span = layer.files[0].span if layer.files else None
        yield Diagnostic(
            "CP229", f"ruleset {source.id} is stored for {country} but declares jurisdiction "
            f"{', '.join(layer.jurisdiction)}", span,
            f"add {country} to `jurisdiction`, or store the ruleset under the country it is for")


def _compile_one(spec: RuleSpec, params: Mapping[str, ParamValue]) -> CompiledRule | None:
    """One rule compiled alone with a ruleset's params; None when it has errors
    (resolution has already reported them)."""
    try:
        found = compile_rules([spec], dict(params))
    except AnalysisError:
        return None
    return found[0] if found else None


def _principles(rules: Iterable[ast.Rule], eff: EffectiveRuleset) -> Iterator[Diagnostic]:
    """CP260: a principle id that is neither the design card's nor declared by the ruleset
    (its `principles` param): most often a typo, which would file findings apart."""
    declared = eff.params.get("principles")
    own = declared.value if declared is not None and isinstance(
        declared.value, (set, frozenset, list, tuple)) else ()
    known = [*PRINCIPLES, *sorted(str(p) for p in own)]
    for rule in rules:
        if rule.principle is None or rule.principle in known:
            continue
        best = did_you_mean(rule.principle, known)
        yield Diagnostic(
            "CP260", f"rule {rule.id} names principle '{rule.principle}', which is not a "
            "principle of the design card nor one this ruleset declares", rule.id_span,
            (f"did you mean '{best}'? " if best else "") + "a ruleset adds its own principle "
            "ids with `param principles: set of string = {\"" + rule.principle + "\"}`",
            level="warning")


def _unused_params(layer: Layer, eff: EffectiveRuleset,
                   compiled: Mapping[str, CompiledRule | None]) -> Iterator[Diagnostic]:
    """CP259: a param of this layer that no rule of the effective ruleset reads (in its
    conditions, lets, messages or hints) and cappolicy does not read itself."""
    used: set[str] = set(BUILTIN_PARAM_USES)
    for spec in eff.rules:
        rule = compiled.get(spec.rule.id)
        if rule is not None:
            used.update(p.name for p in rule.params)
        else:  # a rule with errors: any name it writes may be meant as the param
            used.update(_names((spec.rule, spec.message, spec.hint)))
    for item in layer.items():
        if isinstance(item, ast.Param) and item.name not in used:
            yield Diagnostic(
                "CP259", f"param {item.name} is not used by any rule", item.span,
                "use it in a rule's condition, or remove it; a child ruleset can only `set` "
                "what the rules read", level="warning")


def _replaced_patterns(layer: Layer, eff: EffectiveRuleset) -> Iterator[Diagnostic]:
    """CP262: a `set` of a param a rule matches with (`s matches denied_safeguard_pattern`)
    whose new pattern leaves the parent's out. Texts the parent's pattern found are then
    no longer found, which may relax the rule for every proposal; a report shows it only on
    a proposal that passes because of it (relied.py)."""
    patterns = {name for spec in eff.rules  # the definitions' patterns too (a warning: all)
                for name in _pattern_params((spec.rule, spec.definitions))}
    for item in layer.items():
        if not isinstance(item, ast.SetParam) or item.name not in patterns:
            continue
        now, before = eff.params.get(item.name), eff.param_history.get(item.name) or []
        if now is None or not before or not isinstance(now.value, str) \
                or not isinstance(before[-1].value, str):
            continue
        parent = before[-1].value
        if _flags(parent)[0] <= _flags(now.value)[0] and (  # "(?i)" kept, and the pattern
                parent.removeprefix("(?i)") in now.value  # whole or each of its alternatives
                or _alternatives(parent) <= _alternatives(now.value)):  # in any order
            continue
        yield Diagnostic(
            "CP262", f"`set {item.name}` replaces the pattern of {before[-1].origin.layer} "
            "without keeping it: what that pattern found, rules matching with "
            f"{item.name} no longer find", item.span,
            "to add alternatives, keep the parent's pattern beside them (\"(?i)NEW|\" and "
            "the parent's, its (?i) left out); if leaving it out is meant, the `because` "
            "should say why", level="warning")


def _flags(pattern: str) -> tuple[frozenset[str], str]:
    """The flags a pattern starts with (`(?i)` gives {"i"}), and how they are written."""
    found = re.match(r"\(\?([aiLmsux]+)\)", pattern)
    return (frozenset(found.group(1)), found.group()) if found else (frozenset(), "")


def _alternatives(pattern: str) -> frozenset[str]:
    """The alternatives of `pattern` at its top level, its leading flags (`(?i)`) left out:
    `a|(b|c)|[|]` has three, `a`, `(b|c)` and `[|]`."""
    text = pattern[len(_flags(pattern)[1]):]
    parts, depth, start, i, opened = [], 0, 0, 0, -1  # opened: where a [class] starts
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 1  # an escaped character is never a bracket or a bar
        elif opened >= 0:
            if char == "]" and i > opened:  # "[]a]" and "[^]a]" hold "]"
                opened = -1
        elif char == "[":
            opened = i + 2 if text[i + 1:i + 2] == "^" else i + 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return frozenset(parts)


def _pattern_params(obj: Any) -> Iterator[str]:
    """The params an AST node matches with (`s matches NAME`)."""
    return (n.param for n in _nodes(obj) if isinstance(n, ast.Matches) and n.param is not None)


def _names(obj: Any) -> Iterator[str]:
    """Every bare name written anywhere in an AST node."""
    return (n.id for n in _nodes(obj) if isinstance(n, ast.Name))


def _nodes(obj: Any) -> Iterator[Any]:
    """Every node of an AST (records and attrs classes, spans left out), depth first."""
    if isinstance(obj, tuple):
        for x in obj:
            yield from _nodes(x)
    elif isinstance(obj, Record) and not isinstance(obj, Span):
        yield obj
        for name in obj.FIELDS:
            yield from _nodes(getattr(obj, name))
    elif attrs.has(type(obj)):
        yield obj
        for field in attrs.fields(type(obj)):
            yield from _nodes(getattr(obj, field.name))


# ------------------------------------------------------- constant folding

#: Nodes whose value depends on the proposal, the check date or the graph.
_VARYING = (Root, Builtin, Error, Deref, Graph, Condition, GraphNode)
NOT_CONSTANT: Any = type("NotConstant", (), {"__repr__": lambda self: "NOT_CONSTANT"})()


@attrs.frozen
class Verdict:
    """Why a rule's outcome does not depend on the proposal."""

    code: str  # CP251 never applies | CP252 never fails | CP253 always fails
    clause: str  # when | for | where | require | forbid
    expr: ast.Expr
    value: Any  # what the clause always is


def constant_verdict(rule: CompiledRule, source: ast.Rule) -> Verdict | None:
    """Whether params and literals alone decide the rule: its `for` selects nothing, its
    `when` is always false, or its condition is always the same."""
    lets: dict[str, Any] = {}
    if rule.for_coll is not None and source.for_ is not None:
        coll = fold(rule.for_coll, lets)
        if coll is not NOT_CONSTANT and _is_empty(coll):
            return Verdict("CP251", "for", source.for_.collection, coll)
        if rule.for_where is not None and source.for_.where is not None:
            where = fold(rule.for_where, lets)
            if _truth(where) is False:
                return Verdict("CP251", "where", source.for_.where, False)
    for name, node in rule.lets:
        value = fold(node, lets)
        if value is not NOT_CONSTANT:
            lets[name] = value
    if rule.when is not None and source.when is not None and \
            _truth(fold(rule.when, lets)) is False:
        return Verdict("CP251", "when", source.when, False)
    if source.check is None:
        return None
    value = fold(rule.check, lets)
    truth = V.truth(value) if value is not NOT_CONSTANT else NOT_CONSTANT
    if truth is not True and truth is not False:
        return None
    fails = truth is (rule.check_kind == "forbid")
    return Verdict("CP253" if fails else "CP252", rule.check_kind, source.check, truth)


def fold(node: Node, lets: Mapping[str, Any]) -> Any:
    """The value of `node` when literals, params and the constant `lets` decide it, else
    NOT_CONSTANT. `and`/`or`/`implies`/`not` follow the three-valued laws, so one
    constant side can decide them; a quantifier over nothing is decided too."""
    if _constant(node, frozenset(lets)):
        return _value(node, lets)
    if isinstance(node, Connective):
        a, b = (_truth(fold(k, lets)) for k in node.kids)
        if isinstance(node, And) and False in (a, b):
            return False
        if isinstance(node, Or) and True in (a, b):
            return True
        if isinstance(node, Implies) and (a is False or b is True):
            return True
        return NOT_CONSTANT
    if isinstance(node, Not):
        a = _truth(fold(node.kids[0], lets))
        return (not a) if a in (True, False) else NOT_CONSTANT
    if isinstance(node, Quantifier):
        coll = fold(node.coll, lets)
        inner = {k: v for k, v in lets.items() if k != node.var}
        where = _truth(fold(node.where, inner)) if node.where is not None else None
        if (coll is not NOT_CONSTANT and _is_empty(coll)) or where is False:
            return not node.is_any
    return NOT_CONSTANT


def _inside(span: Span, region: Span) -> bool:
    """Whether `span` lies in `region` (the same file, between its first and last line)."""
    return span.file == region.file and region.line <= span.line <= max(
        region.end_line, region.line)


def _truth(value: Any) -> Any:
    return NOT_CONSTANT if value is NOT_CONSTANT else V.truth(value)


def _constant(node: Node, known: frozenset[str]) -> bool:
    """Whether a node reads nothing but literals, params and known variables."""
    if isinstance(node, Var):
        return node.name in known
    if isinstance(node, _VARYING):
        return False
    bound = node.var if isinstance(node, Binder) else None
    if not bound:
        return all(_constant(k, known) for k in node.kids)
    # a quantifier or aggregate: its collection outside, the rest with its variable bound
    first, *rest = node.kids
    return _constant(first, known) and all(_constant(k, known | {bound}) for k in rest)


def _value(node: Node, lets: Mapping[str, Any]) -> Any:
    env = Env(Context({}, dt.date.today()))
    env.vars.update(lets)
    try:
        value = node.fn(env)
    except Exception:  # noqa: BLE001 - a constant that cannot be computed is not folded;
        return NOT_CONSTANT  # evaluation reports it on every proposal, lint must go on
    return NOT_CONSTANT if value is V.UNKNOWN else value


def _is_empty(value: Any) -> bool:
    items = V.elements(value)
    return items is not V.UNKNOWN and len(list(items)) == 0


_CLAUSE_WORDS = {
    "for": "`for` walks a collection that is always empty",
    "where": "its `for ... where` is always false",
    "when": "its `when` is always false",
}


def _culprits(spec: RuleSpec, sets: Sequence[ast.SetParam], eff: EffectiveRuleset,
              parent: EffectiveRuleset | None) -> list[ast.SetParam]:
    """The `set`s of a layer that make a parent's rule constant, of those of the params it
    reads: each without which (its param as the parent has it) the rule is not constant;
    else, when any of several would do, each that alone makes it so; else all of them."""
    if parent is None or len(sets) == 1:
        return list(sets)

    def constant(names: Iterable[str], base: EffectiveRuleset, over: EffectiveRuleset) -> bool:
        rule = _compile_one(spec, {**base.params, **{n: over.params[n] for n in names}})
        return rule is not None and constant_verdict(rule, spec.rule) is not None

    needed = [s for s in sets if not constant([s.name], eff, parent)]
    return needed or [s for s in sets if constant([s.name], parent, eff)] or list(sets)


def _constant_diagnostic(rule: ast.Rule, verdict: Verdict, set_items: Sequence[ast.SetParam],
                         origin: str | None = None) -> Diagnostic:
    from ..lang.unparse import unparse

    text = unparse(verdict.expr)
    if verdict.code == "CP251":
        what = f"rule {rule.id} can never apply: {_CLAUSE_WORDS[verdict.clause]} (`{text}`)"
        help_ = "every finding of the rule is not-applicable, so it checks nothing"
    else:
        always = "true" if verdict.value else "false"
        outcome = "can never fail" if verdict.code == "CP252" else "always fails"
        what = f"rule {rule.id} {outcome}: its `{verdict.clause}` is always {always} (`{text}`)"
        help_ = ("the condition reads no proposal field that decides it (params are constants)"
                 + (", so every proposal passes: a pass that means nothing"
                    if verdict.code == "CP252" else ", so every proposal fails"))
    if set_items:
        named = " and ".join(f"`set {item.name}`" for item in set_items)
        return Diagnostic(
            verdict.code, f"with {named}, "
            f"{what.replace(f'rule {rule.id}', f'rule {rule.id} of {origin}', 1)}",
            set_items[0].span, f"{help_}; check the value, or `disable {rule.id}` with a reason")
    return Diagnostic(verdict.code, what, verdict.expr.span,
                      f"{help_}; fix the condition, or remove the rule")
