"""Rulesets: find them, layer them (baseline -> regional -> national), compile them.

A ruleset is a `.cpol` file or a folder of them, named by its path under a
rulesets root without the suffix: `baseline`, `regional/eac`, `national/xa`.
Each layer may declare params and rules, `set` a parent's param, `override` a
parent rule's severity, message or hint, or `disable` it; each change says
`because`, and a change that relaxes the parent is marked wherever it shows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..base.collector import paused
from ..base.deferred import N_, joined
from ..base.errors import AnalysisError, CappolicyError, Diagnostic, RuleSyntaxError, did_you_mean
from ..base.files import read_text, scan_folder
from ..base.record import Record, replace
from ..base.resources import shipped_rulesets
from ..base.span import Span
from ..engine.compile import ParamValue
from ..engine.evaluate import RuleSpec, compile_rules
from ..engine.findings import SEVERITY_RANK, Provenance
from ..lang import ast
from ..lang.cached import rule_file
from ..lang.limits import MAX_FILE_BYTES
from .defaults import LANGUAGES, languages_param
from .definitions import definitions
from .effective import Disabled as Disabled
from .effective import EffectiveRuleset as EffectiveRuleset
from .effective import Layer as Layer
from .effective import _relaxes, misfit_direction
from .names import taken_param_name, taken_rule_id
from .params import declared_type, param_value

BASELINE = "baseline"
_put = object.__setattr__  # a record's __init__ setting its fields


class RulesetSource(Record):
    """A ruleset's files under its root; `refused`, the errors of files of it that are
    never read (rule_files): loading the ruleset raises them, as it raises a syntax error."""

    __slots__ = ("id", "files", "root", "refused")
    id: str
    files: tuple[Path, ...]
    root: Path
    refused: tuple[Diagnostic, ...]

    def __init__(self, id: str, files: tuple[Path, ...], root: Path,
                 refused: tuple[Diagnostic, ...] = ()) -> None:
        _put(self, "id", id)
        _put(self, "files", files)
        _put(self, "root", root)
        _put(self, "refused", refused)


class Catalog:
    """Every ruleset under the given roots; a later root's ruleset shadows an earlier one's."""

    def __init__(self, roots: Sequence[Path] | None = None, *, texts: bool = True) -> None:
        self.roots = [shipped_rulesets()] if roots is None else list(roots)
        #: whether the files that only translate rule texts are read (load_layer): a run
        #: whose reports are in English does without them
        self.texts = texts
        self.sources: dict[str, RulesetSource] = {}
        shipped = shipped_rulesets().resolve()
        # realpath, not resolve: a root that is a loop of links (no folder, so no
        # rulesets) must not raise
        ours = {root for root in self.roots if Path(os.path.realpath(root)) == shipped}
        #: the roots that are the shipped rulesets folder
        self.shipped_roots = frozenset(ours)
        #: the ids of shipped rulesets that a ruleset of another folder hides
        self.replaced: set[str] = set()
        #: folders of the roots that could not be listed: the ruleset ids they may hold
        #: (their path under the root; "" for a whole root) and the error of each
        self.unread: list[tuple[str, Diagnostic]] = []
        for root in self.roots:
            sources, unread = _scan(root)
            for source in sources:
                if source.id in self.sources and self.sources[source.id].root in ours:
                    self.replaced.add(source.id)
                self.sources[source.id] = source
                if root in ours:
                    self.replaced.discard(source.id)
            for prefix, error in unread:  # it may hold a later ruleset of an earlier id
                self.unread.append((prefix, error))
                for ident in [i for i in self.sources if _under(i, prefix)]:
                    self.sources[ident] = RulesetSource(ident, (), root, (error,))

    def _unread(self, ident: str) -> RulesetSource | None:
        """A ruleset that a folder that could not be listed may hold: loading it raises
        that folder's error, so no check goes on against another ruleset in its stead."""
        errors = tuple(error for prefix, error in self.unread if _under(ident, prefix))
        return RulesetSource(ident, (), self.roots[-1], errors) if errors else None

    def ids(self) -> list[str]:
        return sorted(self.sources)

    def find(self, ref: str) -> RulesetSource | None:
        ref = ref.strip("/").removesuffix(".cpol")
        if ref in self.sources:
            return self.sources[ref]
        for prefix in ("national/", "regional/"):
            if prefix + ref in self.sources:
                return self.sources[prefix + ref]
        return self._unread(ref)

    def for_country(self, country: str) -> RulesetSource | None:
        """The national ruleset of a country, unless a later root brings its own baseline:
        a national layer written over one baseline is not applied over another."""
        ident = f"national/{country.lower()}"
        source = self.sources.get(ident) or self._unread(ident)
        base = self.sources.get("baseline")
        if source is not None and base is not None and \
                self.roots.index(source.root) < self.roots.index(base.root):
            return None
        return source


#: Folders whose .cpol files are each a ruleset; any other folder of .cpol files is one ruleset.
COLLECTIONS = ("national", "regional")


def _under(ident: str, prefix: str) -> bool:
    """Whether the ruleset `ident` would be read from the folder at `prefix` of a root."""
    return not prefix or ident == prefix or ident.startswith(prefix + "/")


def _scan(root: Path) -> tuple[list[RulesetSource], list[tuple[str, Diagnostic]]]:
    """The rulesets of `root`, and the folders of it that could not be listed, each by
    its path under the root and its error."""
    if not root.is_dir():
        return [], []
    found, refused, unread = _rule_files(root)
    return list(_sources(root, found, refused)), [
        ("" if path == root else path.relative_to(root).as_posix(), error)
        for path, error in unread.items()]


def _sources(root: Path, found: list[Path], refused: dict[Path, Diagnostic]
             ) -> Iterable[RulesetSource]:
    by_id: dict[str, tuple[list[Path], list[Diagnostic]]] = {}
    for path in sorted([*found, *refused]):
        rel = path.relative_to(root)
        single = rel.parent == Path(".") or rel.parent.name in COLLECTIONS
        ident = (rel.parent / rel.name[:-len(".cpol")]).as_posix() if single \
            else rel.parent.as_posix()
        files, errors = by_id.setdefault(ident, ([], []))
        if path in refused:
            errors.append(refused[path])
        else:
            files.append(path)
    for ident, (files, errors) in sorted(by_id.items()):
        yield RulesetSource(ident, tuple(files), root, tuple(errors))


def rule_files(folder: Path, *, recursive: bool = True) -> list[Path]:
    """The rule files (.cpol, in any case) in `folder`, and below it when `recursive`,
    sorted. A symbolic link that leads out of the folder (to a secret, whose first line a
    syntax error would quote), round a loop or nowhere, and what is not a regular file,
    are never read, and refused (CP425, exit 2): passed over, a rule file of a project
    would leave its ruleset without those rules, or let a shipped ruleset of the same id
    stand in for it, and the check would go on against rules nobody chose."""
    found, refused, unread = _rule_files(folder, recursive=recursive)
    if refused or unread:
        raise CappolicyError([*unread.values(), *refused.values()])
    return found


def _rule_files(folder: Path, *, recursive: bool = True) -> tuple[
        list[Path], dict[Path, Diagnostic], dict[Path, Diagnostic]]:
    """rule_files, the error of each file it refuses, and that of each folder it could
    not list (whose rule files nobody knows)."""
    found, skipped = scan_folder(folder, (".cpol",), recursive=recursive, hidden=True)
    refused: dict[Path, Diagnostic] = {}
    unread: dict[Path, Diagnostic] = {}
    for item in skipped:
        if item.unread:
            unread[item.path] = Diagnostic(
                "CP425", N_("{path} cannot be read: it is {why}, and the rulesets it holds "
                            "are unknown", path=str(item.path), why=item.why),
                Span(str(item.path), 0, 0), item.help)
        else:
            refused[item.path] = Diagnostic(
                "CP425", N_("{path} cannot be read as a rule file: it is {why}",
                            path=str(item.path), why=item.why), Span(str(item.path), 0, 0),
                N_("a ruleset is read only from regular files inside its folder: copy the "
                   "file in, or remove it"))
    return found, refused, unread


def source_from_path(path: Path) -> RulesetSource:
    """A ruleset named on the command line by its file or folder.

    A file that declares the ruleset of the folder it is stored in (`ruleset baseline`
    in baseline/financing.cpol, `ruleset xd` in national/xd/xd.cpol) is one file of that
    folder's ruleset, and names it whole: the folder is linted, checked against or
    explained, not the file alone; the given file comes first among its files. As the
    catalogue does, a file and a folder of one name side by side (national/xd.cpol and
    national/xd/) are one ruleset, whichever of their files is named."""
    if path.is_dir():
        files = tuple(rule_files(path, recursive=False))
        if not files:
            raise CappolicyError(Diagnostic("CP420", f"{path} holds no .cpol files", None))
        return RulesetSource(path.name, files, path.parent)
    if not path.exists():
        raise CappolicyError(Diagnostic("CP420", f"no ruleset file {path}", None))
    folder = path.parent
    if not path.name.lower().endswith(".cpol"):
        return RulesetSource(path.stem, (path,), folder)
    # the file named is read even if it is a link; the other files, as scanned
    if folder.name not in COLLECTIONS and declared_ruleset(path) == folder.name:
        beside = folder.parent / f"{folder.name}.cpol"
        siblings = [f for f in rule_files(folder, recursive=False) if f != path]
        if beside.is_file() and declared_ruleset(beside) == folder.name:
            siblings.append(beside)
        return RulesetSource(folder.name, (path, *siblings), folder.parent)
    beside_folder = folder / path.stem
    siblings = rule_files(beside_folder, recursive=False) if beside_folder.is_dir() else []
    return RulesetSource(path.stem, (path, *siblings), folder)


def declared_ruleset(path: Path) -> str | None:
    """The name a rule file declares (`ruleset NAME`), read from its parse (a partial
    parse when it has syntax errors); None when it cannot be read or declares none."""
    try:
        return rule_file(display_path(path)).ruleset
    except RuleSyntaxError as exc:
        partial = exc.partial
        return partial.ruleset if isinstance(partial, ast.RuleFile) else None
    except CappolicyError:
        return None


# ------------------------------------------------------------------ layering


#: a line of a file that holds nothing but translations of rule texts: its header, a
#: comment, or `override RULE title|message|hint LANG "..."` on one line (the text's
#: characters read a run at a time, up to each escape, not one alternation a character:
#: the two translation files took 2 ms to read so)
_TEXTS_ONLY = re.compile(
    r'(?:[ \t]*(?:#[^\n]*)?|ruleset[ \t]+[A-Za-z0-9_./-]+[ \t]*(?:#[^\n]*)?|'
    r'override[ \t]+[A-Z][A-Z0-9]*-[0-9]+[ \t]+(?:title|message|hint)[ \t]+[a-z]{2,3}(?:-[a-z0-9]{2,8})?[ \t]+'
    r'"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*"[ \t]*(?:#[^\n]*)?)')


def _texts_only(path: Path) -> bool:
    """Whether the rule file holds nothing but translations of rule texts (`override
    X-01 title fr "..."`, line by line), which a run in English need not read: decoding
    the French and Spanish texts of the baseline was 6 ms of every check. Any other
    line, or a file that cannot be read here, is read as usual (and its errors said)."""
    try:  # as the rule file itself is read: a regular file, bounded, never a FIFO
        text = read_text(path, MAX_FILE_BYTES, what="rule file")
    except (OSError, UnicodeDecodeError):
        return False
    return "override" in text and all(
        _TEXTS_ONLY.fullmatch(line) for line in text.removeprefix("\ufeff").split("\n"))


def load_layer(source: RulesetSource, texts: bool = True) -> Layer:
    """The layer `source` names, its files read; without `texts`, a file of nothing
    but translations of its rules' texts is left unread (a run in English)."""
    if source.refused:  # a file of it is never read: the ruleset is not what was written
        raise RuleSyntaxError(list(source.refused))
    diagnostics: list[Diagnostic] = []
    syntax: list[Diagnostic] = []
    files: list[ast.RuleFile] = []
    for path in source.files:
        if not texts and len(source.files) > 1 and _texts_only(path):
            continue
        try:
            files.append(rule_file(display_path(path)))
        except RuleSyntaxError as exc:
            syntax.extend(exc.diagnostics)
            if isinstance(exc.partial, ast.RuleFile):
                files.append(exc.partial)
    if not files:
        raise RuleSyntaxError(syntax)
    name = source.id.rsplit("/", 1)[-1]
    first = files[0]
    for f in files:
        if f.ruleset != name:
            diagnostics.append(Diagnostic(
                "CP227", f"this file declares ruleset '{f.ruleset}' but is stored as '{source.id}'",
                f.span, f"write `ruleset {name}` or move the file"))
        if f.extends is not None and first.extends is not None and f.extends != first.extends:
            diagnostics.append(Diagnostic(
                "CP228", f"files of ruleset {source.id} extend different parents "
                f"({first.extends} and {f.extends})", f.extends_span))
    if diagnostics:
        raise AnalysisError(syntax + diagnostics)
    extends_file = next((f for f in files if f.extends), None)
    return Layer(
        id=source.id,
        title=next((f.title for f in files if f.title), None),
        version=next((f.version for f in files if f.version), None),
        extends=extends_file.extends if extends_file else None,
        extends_span=extends_file.extends_span if extends_file else None,
        # each file of a folder may repeat the jurisdiction: name each country once
        jurisdiction=tuple(dict.fromkeys(j for f in files for j in f.jurisdiction)),
        files=tuple(files), syntax_errors=tuple(syntax))


def _where(files: tuple[Path, ...]) -> Path:
    return files[0] if len(files) == 1 else files[0].parent  # a file, or the folder of several


def display_path(path: Path) -> str:
    try:  # realpath, not resolve: a loop of links is shown as given, never raised
        return str(Path(os.path.realpath(path)).relative_to(os.path.realpath(Path.cwd())))
    except ValueError:
        return str(path)


def chain_of(catalog: Catalog, source: RulesetSource) -> list[Layer]:
    """The layers from the root ruleset down to `source`."""
    layers: list[Layer] = []
    seen: list[str] = []
    current: RulesetSource | None = source
    while current is not None:
        if current.id in seen:
            layer = layers[-1]
            raise AnalysisError(Diagnostic(
                "CP226", f"ruleset {current.id} extends itself through "
                f"{' -> '.join(seen + [current.id])}", layer.extends_span))
        seen.append(current.id)
        layer = load_layer(current, catalog.texts)
        layers.append(layer)
        if layer.extends is None:
            break
        parent = catalog.find(layer.extends)
        if parent is None:
            best = did_you_mean(layer.extends, catalog.ids())
            raise AnalysisError(Diagnostic(
                "CP225", f"ruleset '{layer.extends}' not found", layer.extends_span,
                f"did you mean '{best}'?" if best else f"known rulesets: {', '.join(catalog.ids())}"))
        current = parent
    layers.reverse()
    return layers


def resolve(catalog: Catalog, source: RulesetSource) -> EffectiveRuleset:
    """Layer the chain into one effective ruleset; raise with every layering error."""
    effective, errors = resolve_collecting(catalog, source)
    if errors:
        raise AnalysisError(errors)
    return effective


def resolve_collecting(catalog: Catalog, source: RulesetSource
                       ) -> tuple[EffectiveRuleset, list[Diagnostic]]:
    """Layer the chain as far as it goes, and return the errors rather than raise them
    (`lint` reports them together with its own findings). The chain itself must load:
    a missing or looping parent, or a layer whose files all fail to parse, still raises.
    When there are errors, the rules are compiled too, so the list holds their name and
    type errors, and the effective ruleset is incomplete: only for analysis, never to check."""
    layers = chain_of(catalog, source)
    errors: list[Diagnostic] = [d for layer in layers for d in layer.syntax_errors]
    params: dict[str, ParamValue] = {}
    decls: dict[str, ast.Param] = {}
    rules: dict[str, RuleSpec] = {}
    disabled: list[Disabled] = []
    history: dict[str, list[ParamValue]] = {}
    texts: dict[tuple[str, str], Provenance] = {}
    for layer in layers:
        for item in layer.items():
            if isinstance(item, ast.Param):
                _declare(item, layer, params, decls, errors)
        for item in layer.items():
            if isinstance(item, ast.SetParam):
                _set(item, layer, params, decls, errors, history)
            elif isinstance(item, ast.Rule):
                taken = taken_rule_id(item)
                if taken is not None:
                    errors.append(taken)
                    continue
                if item.id in rules:
                    first = rules[item.id].origin
                    errors.append(Diagnostic(
                        "CP221", f"rule {item.id} is defined twice", item.id_span,
                        f"first defined in {first.layer} at {first.span.short()}; "
                        "use `override` to change a parent's rule"))
                    continue
                if any(d.rule == item.id for d in disabled):
                    errors.append(Diagnostic("CP221", f"rule {item.id} was disabled and is defined "
                                             "again", item.id_span))
                    continue
                rules[item.id] = RuleSpec(item, item.severity or "must", item.message, item.hint,
                                          Provenance(layer.id, item.span),
                                          translations=item.translations)
        for item in layer.items():
            if isinstance(item, (ast.Override, ast.Disable)):
                _change_rule(item, layer, rules, disabled, errors, texts)
    found = definitions(layers, params, errors)
    top = layers[-1]
    effective = EffectiveRuleset(
        id=top.id, title=top.title, version=top.version, chain=tuple(l.id for l in layers),
        jurisdiction=top.jurisdiction, params=params, param_decls=decls,
        rules=[replace(spec, definitions=found) if found else spec for spec in rules.values()],
        disabled=disabled,
        files=tuple(f.file for l in layers for f in l.files), layers=tuple(layers),
        param_history=history, text_overrides=texts)
    if errors:  # compile too, so that one run reports the names and types it gets wrong
        try:
            compile_rules(effective.rules, effective.params)
        except AnalysisError as exc:
            errors.extend(exc.diagnostics)
    return effective, sorted(errors, key=_key)


def _key(d: Diagnostic) -> tuple[str, int, int]:
    return (d.span.file, d.span.line, d.span.column) if d.span else ("", 0, 0)


def _declare(item: ast.Param, layer: Layer, params: dict[str, ParamValue],
             decls: dict[str, ast.Param], errors: list[Diagnostic]) -> None:
    if item.name in decls:
        first = params[item.name].origin
        errors.append(Diagnostic(
            "CP224", f"param {item.name} is declared twice", item.span,
            f"first declared in {first.layer} at {first.span.short()}; use `set {item.name} = ...` "
            "to change its value"))
        return
    declared = declared_type(item.type, errors)
    value, vtype, display = param_value(item.default, declared, errors)
    errors.extend(d for d in (misfit_direction(item, declared or vtype),
                              taken_param_name(item)) if d is not None)
    decls[item.name] = item
    params[item.name] = ParamValue(item.name, declared or vtype, value, display,
                                   Provenance(layer.id, item.span, item.doc))


def _set(item: ast.SetParam, layer: Layer, params: dict[str, ParamValue],
         decls: dict[str, ast.Param], errors: list[Diagnostic],
         history: dict[str, list[ParamValue]]) -> None:
    if item.name not in params:
        best = did_you_mean(item.name, params)
        errors.append(Diagnostic("CP223", f"no param '{item.name}' to set", item.span,
                                 f"did you mean '{best}'?" if best else
                                 "declare a new param with `param`"))
        _require_because(item, f"`set {item.name}` gives no reason", errors)
        return
    old = params[item.name]
    if old.origin.layer == layer.id:  # which would win hangs on the order of the files
        errors.append(Diagnostic(
            "CP224", f"param {item.name} is set twice in {layer.id}", item.span,
            f"first set at {old.origin.span.short()}; keep one `set {item.name}`")
            if old.origin.previous_layer is not None else Diagnostic(
            "CP223", f"param {item.name} is declared by this ruleset; change its "
            "declaration instead of using `set`", item.span,
            f"declared at {old.origin.span.short()}"))
        return
    value, _, display = param_value(item.value, old.type, errors)
    relaxed = _relaxes(decls[item.name].stricter, old.value, value)
    what = f"`set {item.name}`"
    if relaxed:
        what += f" relaxes {old.display} (from {old.origin.layer}) to {display} and"
    _require_because(item, f"{what} gives no reason", errors)
    history.setdefault(item.name, []).append(old)
    params[item.name] = ParamValue(
        item.name, old.type, value, display,
        Provenance(layer.id, item.span, item.because, relaxed, old.display, old.origin.layer,
                   old.origin.span))


def relaxes(direction: str | None, old: Any, new: Any) -> bool:
    """Whether `new` is less strict than `old` for a param whose declaration says
    `direction` (higher | lower | larger | smaller is stricter; None: not said)."""
    return _relaxes(direction, old, new)


def _change_rule(item: ast.Override | ast.Disable, layer: Layer, rules: dict[str, RuleSpec],
                 disabled: list[Disabled], errors: list[Diagnostic],
                 texts: dict[tuple[str, str], Provenance]) -> None:
    spec = rules.get(item.rule)
    if isinstance(item, ast.Override) and item.lang is not None:
        _translate_rule(item, item.lang, spec, rules, errors)
        return
    verb = "override" if isinstance(item, ast.Override) else "disable"
    if isinstance(item, ast.Disable):
        what = f"`disable {item.rule}`"
        if spec is not None:
            article = "an" if spec.severity[:1] in "aeiou" else "a"
            what += f" removes {article} {spec.severity} rule of {spec.origin.layer} and"
    else:
        what = f"`override {item.rule} {item.field}`"
        if spec is not None and item.field == "severity" and \
                SEVERITY_RANK[str(item.value)] < SEVERITY_RANK[spec.severity]:
            what += f" relaxes {spec.severity} (from {spec.origin.layer}) to {item.value} and"
    _require_because(item, f"{what} gives no reason", errors)
    if spec is None:
        best = did_you_mean(item.rule, rules)
        errors.append(Diagnostic("CP222", f"cannot {verb} {item.rule}: no parent ruleset has it",
                                 item.span, f"did you mean '{best}'?" if best else None))
        return
    if spec.origin.layer == layer.id:
        errors.append(Diagnostic("CP222", f"{item.rule} is this ruleset's own rule; change it "
                                 f"directly instead of using {verb}", item.span))
        return
    if isinstance(item, ast.Disable):
        del rules[item.rule]
        disabled.append(Disabled(item.rule, spec.rule.title, spec.severity, Provenance(
            layer.id, item.span, item.because, True, spec.severity, spec.origin.layer,
            spec.origin.span)))
        return
    if item.field == "severity":
        new = str(item.value)
        relaxed = SEVERITY_RANK[new] < SEVERITY_RANK[spec.severity]
        prev_origin = spec.severity_origin or spec.origin
        rules[item.rule] = replace(spec, severity=new, severity_origin=Provenance(
            layer.id, item.span, item.because, relaxed, spec.severity, prev_origin.layer,
            prev_origin.span))
    else:
        old: ast.Template | None = spec.message if item.field == "message" else spec.hint
        before = texts.get((item.rule, item.field))
        prev_layer, prev_span = (before.layer, before.span) if before else (
            spec.origin.layer, old.span if old is not None else spec.origin.span)
        texts[(item.rule, item.field)] = Provenance(
            layer.id, item.span, item.because, False, old.text if old is not None else None,
            prev_layer, prev_span)
        template = item.value
        assert isinstance(template, ast.Template), "the grammar gives texts as templates"
        # the translations of the text replaced translate it no more; this layer's own
        # (`override R message fr "…"`, after this one) take their place
        kept = tuple(t for t in spec.translations if t.field != item.field)
        if item.field == "message":
            rules[item.rule] = replace(spec, message=template, translations=kept)
        else:
            rules[item.rule] = replace(spec, hint=template, translations=kept)


def _translate_rule(item: ast.Override, lang: str, spec: RuleSpec | None,
                    rules: dict[str, RuleSpec], errors: list[Diagnostic]) -> None:
    """`override R message fr "…"`: R's message in one more language. It changes what R
    says to a reader of that language, not what R decides: it needs no `because`, and a
    ruleset may translate its own rules so (in a file per language, say, which leaves the
    lines of its rule files where reports cite them)."""
    if spec is None:
        best = did_you_mean(item.rule, rules)
        errors.append(Diagnostic("CP222", f"cannot translate {item.rule}: neither this ruleset "
                                 "nor a parent has it", item.span,
                                 f"did you mean '{best}'?" if best else None))
        return
    template = item.value
    assert isinstance(template, ast.Template), "the grammar gives texts as templates"
    kept = tuple(t for t in spec.translations if (t.lang, t.field) != (lang, item.field))
    rules[item.rule] = replace(spec, translations=(
        *kept, ast.Translation(lang, item.field, template, item.span)))


def _require_because(item: ast.SetParam | ast.Override | ast.Disable, message: str,
                     errors: list[Diagnostic]) -> None:
    """CP250: every change to a parent ruleset names its reason (a relaxation says what
    it relaxes), so that findings can show why the parent's rule does not hold as written."""
    from ..proposal.placeholders import placeholder

    if item.because is not None and not placeholder(item.because):
        return
    if item.because is not None:  # `because ""`, `because "TODO"`: no reason either
        message = f"{message}: {item.because!r} says nothing" if item.because.strip() \
            else f"{message}: its `because` is empty"
    errors.append(Diagnostic(
        "CP250", message, item.span,
        'add `because "..."` naming the law, decision or agreement behind the change'))


# ------------------------------------------------------------------ choosing


class Choice(Record):
    __slots__ = ("ruleset", "note")
    ruleset: EffectiveRuleset
    note: str | None

    def __init__(self, ruleset: EffectiveRuleset, note: str | None) -> None:
        _put(self, "ruleset", ruleset)
        _put(self, "note", note)


class Rulesets:
    """Resolves and caches effective rulesets for a run of the command line."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._cache: dict[str, EffectiveRuleset] = {}
        self._defaults: dict[str, EffectiveRuleset] = {}

    def get(self, source: RulesetSource) -> EffectiveRuleset:
        key = f"{source.root}::{source.id}"
        if key not in self._cache:
            # thousands of syntax nodes read from the cache, then compiled, and no garbage
            # among them: the collector would only walk them again and again
            with paused():
                eff = resolve(self.catalog, source)
                eff.compiled()
            self._cache[key] = eff
        return self._cache[key]

    def for_country(self, country: str | None) -> Choice:
        if country:
            source = self.catalog.for_country(country)
            if source is not None:
                eff = self.get(source)
                if eff.jurisdiction and country.upper() not in eff.jurisdiction:
                    raise AnalysisError(Diagnostic(
                        "CP229", f"ruleset {eff.id} is stored for {country.upper()} but declares "
                        f"jurisdiction {', '.join(eff.jurisdiction)}", None))
                return Choice(eff, self._hiding(eff))
        base = self.catalog.find(BASELINE)
        if base is None:
            raise CappolicyError(Diagnostic("CP420", "no baseline ruleset found", None))
        hidden = self.catalog.sources.get(f"national/{country.lower()}") if country else None
        if hidden is not None and hidden.root in self.catalog.shipped_roots:
            # a later folder's baseline, which the national layer is not written over
            note = N_("the shipped {national} is not applied: it is written over the shipped "
                      "baseline, which {baseline} hides; checked against that baseline",
                      national=hidden.id, baseline=display_path(_where(base.files)))
        elif hidden is not None:
            note = N_("{national} ({path}) is not applied: it is written over the baseline "
                      "of its folder, which {baseline} hides; checked against that baseline",
                      national=hidden.id, path=display_path(_where(hidden.files)),
                      baseline=display_path(_where(base.files)))
        else:
            note = (N_("no national ruleset for {country}; checked against the baseline",
                       country=country)
                    if country else N_("no host country; checked against the baseline"))
        plain = self.get(base)
        eff = self._defaulted(plain, country)
        if eff is not plain:  # said here, since `--ruleset baseline` and rule tests of the
            languages = eff.params[LANGUAGES].value  # baseline read it as it is written
            note = N_("{note}, with the official languages of {country} in CLDR ({languages}) "
                      "as host_languages", note=note, country=country,
                      languages=", ".join(sorted(languages)))
        hiding = self._hiding(eff)
        return Choice(eff, note if hiding is None else N_("{note}; {hiding}", note=note,
                                                             hiding=hiding))

    def _hiding(self, eff: EffectiveRuleset) -> str | None:
        """A note naming each layer of `eff` read from another folder than the shipped
        rulesets while the shipped rulesets hold one of that id: a settings file or
        --rulesets folder that replaces a shipped layer changes the rules, which the
        report must say and not leave to the list of folders at its top."""
        said = [N_("{id} is read from {path}, which hides the shipped {id}", id=layer,
                   path=display_path(_where(self.catalog.sources[layer].files)))
                for layer in eff.chain if layer in self.catalog.replaced]
        return joined("; ", said) if said else None

    def _defaulted(self, eff: EffectiveRuleset, country: str | None) -> EffectiveRuleset:
        """The baseline with the country's defaults from CLDR (defaults.py), made once."""
        key = f"{eff.id}::{(country or '').upper()}"
        if key not in self._defaults:
            self._defaults[key] = _with_country_defaults(eff, country)
        return self._defaults[key]


def named_ruleset(rulesets: Rulesets, ref: str) -> EffectiveRuleset:
    """A ruleset named on the command line: a file or folder, else a ruleset id."""
    from ..base.errors import suggestion

    path = Path(ref)
    if path.exists():
        return rulesets.get(source_from_path(path))
    source = rulesets.catalog.find(ref)
    if source is None:
        raise CappolicyError(Diagnostic(
            "CP420", f"no ruleset file, folder or id '{ref}'", None,
            suggestion(ref, rulesets.catalog.ids()) or
            f"known rulesets: {', '.join(rulesets.catalog.ids()) or 'none'}"))
    return rulesets.get(source)


# ------------------------------------------------------------------ surveying


class CatalogEntry(Record):
    """One ruleset of a catalog as `cappolicy rulesets` lists it.

    `parent` is the id of the ruleset it extends when the catalog has it; `errors` are the
    diagnostics of loading and resolving it that lie in its own files (or nowhere), and
    `broken_parent` names the nearest ancestor whose errors stop it from resolving.
    `shadows` are rulesets of the same id in earlier roots, which this one hides."""

    __slots__ = ("source", "layer", "parent", "errors", "broken_parent", "shadows")
    source: RulesetSource
    layer: Layer | None
    parent: str | None
    errors: tuple[Diagnostic, ...]
    broken_parent: str | None
    shadows: tuple[RulesetSource, ...]

    def __init__(self, source: RulesetSource, layer: Layer | None, parent: str | None,
                 errors: tuple[Diagnostic, ...] = (), broken_parent: str | None = None,
                 shadows: tuple[RulesetSource, ...] = ()) -> None:
        _put(self, "source", source)
        _put(self, "layer", layer)
        _put(self, "parent", parent)
        _put(self, "errors", errors)
        _put(self, "broken_parent", broken_parent)
        _put(self, "shadows", shadows)

    @property
    def ok(self) -> bool:
        return not self.errors and self.broken_parent is None


def survey(catalog: Catalog) -> list[CatalogEntry]:
    """Load and resolve every ruleset of the catalog, keeping each one's errors with it."""
    found: dict[str, _Surveyed] = {}
    for rid in catalog.ids():
        source = catalog.sources[rid]
        own = {display_path(p) for p in source.files}
        try:
            layer = load_layer(source)
        except CappolicyError as exc:
            found[rid] = _Surveyed(None, None, exc.diagnostics, True)
            continue
        parent = catalog.find(layer.extends) if layer.extends else None
        try:
            resolve(catalog, source)
            diagnostics: tuple[Diagnostic, ...] = ()
        except CappolicyError as exc:
            diagnostics = exc.diagnostics
        mine = tuple(d for d in diagnostics if d.span is None or d.span.file in own)
        found[rid] = _Surveyed(layer, parent.id if parent else None, mine or diagnostics,
                               bool(mine))
    everywhere = [s for root in catalog.roots for s in _scan(root)[0]]
    entries = []
    for rid, seen in found.items():
        broken = None
        if seen.errors and not seen.own:  # an ancestor's errors, unless they are a loop's
            broken = _broken_ancestor(seen.parent, found)
        winner = catalog.sources[rid]
        entries.append(CatalogEntry(
            winner, seen.layer, seen.parent, () if broken else seen.errors, broken,
            tuple(s for s in everywhere if s.id == rid and s.root != winner.root)))
    return entries


class _Surveyed(Record):
    __slots__ = ("layer", "parent", "errors", "own")
    layer: Layer | None
    parent: str | None
    errors: tuple[Diagnostic, ...]
    own: bool  # the errors lie in the ruleset's own files

    def __init__(self, layer: Layer | None, parent: str | None, errors: tuple[Diagnostic, ...],
                 own: bool) -> None:
        _put(self, "layer", layer)
        _put(self, "parent", parent)
        _put(self, "errors", errors)
        _put(self, "own", own)


def _broken_ancestor(parent: str | None, found: Mapping[str, _Surveyed]) -> str | None:
    seen: set[str] = set()
    while parent is not None and parent not in seen:
        seen.add(parent)
        if found[parent].own:
            return parent
        parent = found[parent].parent
    return None


def _with_country_defaults(eff: EffectiveRuleset, country: str | None) -> EffectiveRuleset:
    """`eff` with the host's official languages as `host_languages` when it leaves them
    empty (defaults.py); `eff` itself when there is nothing to add."""
    param = eff.params.get(LANGUAGES)
    value = languages_param(param, country)
    if value is None or param is None:
        return eff
    history = {**eff.param_history, LANGUAGES: [*eff.param_history.get(LANGUAGES, []), param]}
    return eff.evolve(params={**eff.params, LANGUAGES: value}, param_history=history,
                      compiled=None)
