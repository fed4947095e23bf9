"""The text report: one block per finding, modelled on the design card's explanation.

```
proposals/xa-cirt.yaml:41:7: error[FIN-01] Host-country co-financing meets the national minimum
  message   Arcadia's share of the funding is below the national minimum.
  because   national_share >= min_co_financing   was   12% (line 44) >= 25%   -> false
  param     min_co_financing = 25%   set by rulesets/national/xa.cpol:7 ("Public Finance Act")
            tightens baseline 15% (rulesets/baseline/financing.cpol:4)
  principle co-financing: 000_66251300b48a3485.txt, paragraph 5
  hint      raise xa-treasury's co-financing, or count in-kind contributions
```

Colour comes from style.py and only when the caller asks for it.

In another language (`lang`, i18n.py) the labels, outcomes and summaries come from the
gettext catalogues, the counts in the reader's locale, each failing finding's message
and hint from its Wording (the rule file's translation, or its English with the values
in the reader's locale), and a last line counts the strings shown in English for want
of a translation. English is the text as written, unchanged.

Text from a proposal or a ruleset never reaches the terminal raw: control characters
are spelled out (`\x1b`, `\r`, `\u2028`, visible.py), and a value's own line
breaks continue under its field's text, so every line starts with this renderer's
own location, label or indent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ..base.deferred import Deferred
from ..base.errors import Diagnostic, SourceCache
from ..base.patterns import lazy
from ..base.span import Span
from ..base.visible import no_commands, visible
from ..engine.findings import (
    SEVERITY_RANK,
    Evidence,
    Finding,
    GraphHop,
    GraphTrace,
    ParamUse,
    Provenance,
)
from ..lang.i18n import (
    Translations,
    active,
    format_number,
    localise,
    localise_diagnostic,
    ngettext,
    translator,
    use,
)
from ..lang.i18n import gettext as _
from ..report.model import (
    REPORTED,
    FileError,
    Inputs,
    ProposalResult,
    Report,
    Tally,
    count_fails_by_level,
    count_outcomes,
    sorted_errors,
    sorted_findings,
    sorted_results,
    tally,
    verdict,
)
from .paths import in_rulesets, line_path
from .style import style as style_text

LABEL_WIDTH = 10  # "principle " is the longest label
INDENT = "  "
NESTED = "  "  # extra indent per level of nested evidence
MAX_DEPTH = 3  # levels of nested evidence shown below the top level
MAX_CHILDREN = 5  # evidence parts shown per level before "... and N more"

# word -> (foreground, bold, dim); None leaves the terminal's setting alone
_STYLES: dict[str, tuple[str | None, bool | None, bool | None]] = {
    "error": ("red", True, None),
    "warning": ("yellow", True, None),
    "info": ("blue", True, None),
    "unknown": ("magenta", True, None),
    "waived": ("cyan", None, None),
    "pass": ("green", None, None),
    "not-applicable": (None, None, True),
    "FAIL": ("red", True, None),
    "ERROR": ("red", True, None),
    "PASS": ("green", True, None),
    "relaxes": ("yellow", True, None),
    "lowered": ("yellow", True, None),
}


def paint(word: str, color: bool, shown: str | None = None) -> str:
    """`word` in the colour kept for it, or plain when colour is off or it has none;
    `shown` is what to write in its place (the word in the reader's language)."""
    style = _STYLES.get(word)
    text = word if shown is None else shown
    if not color or style is None:
        return text
    fg, bold, dim = style
    return style_text(text, fg=fg, bold=bold, dim=dim)


#: the words of the first line and the summaries, as the catalogues translate them
_WORDS: dict[str, Callable[[], str]] = {
    "error": lambda: _("error"),
    "warning": lambda: _("warning"),
    "info": lambda: _("info"),
    "unknown": lambda: _("unknown"),
    "waived": lambda: _("waived"),
    "pass": lambda: _("pass"),
    "not-applicable": lambda: _("not-applicable"),
    "FAIL": lambda: _("FAIL"),
    "ERROR": lambda: _("ERROR"),
    "PASS": lambda: _("PASS"),
    "relaxes": lambda: _("relaxes"),
    "tightens": lambda: _("tightens"),
    "lowered": lambda: _("lowered"),
    "raised": lambda: _("raised"),
    "set": lambda: _("set"),
    "true": lambda: _("true"),
    "false": lambda: _("false"),
}


def word(key: str) -> str:
    """An outcome, level or verdict word in the active language."""
    said = _WORDS.get(key)
    return said() if said is not None else key


def _labels() -> dict[str, str]:
    """The fields' labels in the active language."""
    return {"message": _("message"), "waiver": _("waiver"), "because": _("because"),
            "missing": _("missing"), "param": _("param"), "severity": _("severity"),
            "rule": _("rule"), "principle": _("principle"), "hint": _("hint"),
            "note": _("note"), "relaxed": _("relaxed")}


class _Layout:
    """The label column of the active language, worked out once per translator: each
    label's start of line, and the indent of the lines under a field's text."""

    def __init__(self, labels: dict[str, str], width: int) -> None:
        self.labels = labels
        self.width = width
        self.pad = INDENT + " " * width  # under the text; NESTED more per level
        self.heads: dict[str, str] = {}  # label -> `  label     `
        #: what a rule's findings all show alike (its params, its principle), by what it
        #: is made from: written once (_alike)
        self.alike: dict[Any, tuple[object, list[str]]] = {}

    def head(self, label: str) -> str:
        head = self.heads.get(label)
        if head is None:
            shown = self.labels.get(label, label)
            head = self.heads[label] = INDENT + shown.ljust(self.width - 1) + " "
        return head


def _layout() -> _Layout:
    tr = active()
    layout: _Layout | None = tr.memo.get(_Layout)
    if layout is None:
        labels = _labels()
        width = LABEL_WIDTH if tr.is_source else \
            max(LABEL_WIDTH, 1 + max(len(label) for label in labels.values()))
        layout = tr.memo[_Layout] = _Layout(labels, width)
    return layout


def _label_width() -> int:
    """The labels' column: LABEL_WIDTH, or wider for a language with a longer label."""
    return _layout().width


def _n(n: int) -> str:
    """A count, in the reader's locale."""
    tr = active()
    return str(n) if tr.is_source else format_number(n, tr.locale)


def render_text(
    report: Report,
    *,
    color: bool = False,
    verbose: bool = False,
    sources: SourceCache | None = None,
    lang: str | None = None,
) -> str:
    """The whole report: each proposal, then files that could not be loaded, then a total;
    in another language than English (`lang`), a last line counts the strings shown in
    English for want of a translation."""
    sources = sources if sources is not None else SourceCache()
    tr = translator(lang)
    with use(tr):
        blocks = [
            render_result(r, report.fail_on, color=color, verbose=verbose, sources=sources,
                          allow_unknown=report.allow_unknown)
            for r in sorted_results(report)
        ]
        text = join_text(blocks, report, tally(report), color=color, sources=sources)
    return text if tr.is_source else f"{text}\n\n{untranslated_line(tr)}"


def untranslated_line(tr: Translations) -> str:
    """`lang fr: 3 strings untranslated (shown in English)`, in the language itself."""
    with use(tr):
        count = tr.untranslated
        return ngettext("language {lang}: {n} string untranslated (shown in English)",
                        "language {lang}: {n} strings untranslated (shown in English)",
                        count).format(lang=tr.lang, n=_n(count))


def join_text(blocks: Iterable[str], report: Report, counts: Tally, *, color: bool = False,
              sources: SourceCache | None = None) -> str:
    """The report from its results' blocks (render_result, in sorted_results order) and
    their counts: how `check -j` puts together the blocks its processes wrote. Only the
    report's file errors and settings are read, not its results."""
    return "".join(text_pieces(blocks, report, counts, color=color, sources=sources))


def text_pieces(blocks: Iterable[str], report: Report, counts: Tally, *, color: bool = False,
                sources: SourceCache | None = None) -> Iterator[str]:
    """join_text a piece at a time: the first line, each block as it is taken from
    `blocks`, then the file errors and the total; so that a check writes a report of
    any size without holding it whole. Diagnostics quote their lines, as in render_text."""
    sources = sources if sources is not None else SourceCache()
    yield no_commands(inputs_text(report.inputs))  # no line begins `::` (paths.no_commands)
    for block in blocks:
        yield "\n\n" + no_commands(block)
    for error in sorted_errors(report):
        yield "\n\n" + no_commands(render_file_error(error, color=color, sources=sources))
    yield "\n\n" + total_text(counts, report, color=color)


def render_result(
    result: ProposalResult,
    fail_on: str,
    *,
    color: bool = False,
    verbose: bool = False,
    sources: SourceCache | None = None,
    allow_unknown: bool = False,
    counts: Tally | None = None,
) -> str:
    """Header, warnings, the findings worth reading, and the proposal's summary line;
    `counts`, the result's Tally for `fail_on` and `allow_unknown` when the caller has it
    (then the findings are not counted again)."""
    lines = [header_line(result)]
    if result.ruleset_note:
        lines += _field("note", visible(localise(result.ruleset_note)))
    for line in result.relied_on:  # what the verdict owes to a layer's relaxations
        lines += _field("relaxed", visible(localise(line)))
    lines += [diagnostic_text(w, sources, color=color) for w in result.warnings]
    shown = sorted_findings(f for f in result.findings if verbose or f.outcome in REPORTED)
    body = [render_finding(f, color=color, verbose=verbose) for f in shown]
    if counts is None:
        summary = summary_line(result.findings, verdict(result, fail_on, allow_unknown),
                               color=color)
    else:  # the same line from the counts: the verdict is "fail" when a finding blocks
        summary = _summary(counts_text(counts.outcome_counts(), counts.fails_by_level()),
                           "fail" if counts.blocking else "pass", color=color)
    return "\n\n".join(["\n".join(lines), *body, summary])


def header_line(result: ProposalResult) -> str:
    if result.host_country:
        head = _("== {file} ({proposal}, host {country}) against ruleset {ruleset} ==")
    else:
        head = _("== {file} ({proposal}) against ruleset {ruleset} ==")
    return visible(head.format(file=result.file, proposal=result.proposal_id,
                               country=result.host_country, ruleset=result.ruleset))


def render_file_error(
    error: FileError, *, color: bool = False, sources: SourceCache | None = None
) -> str:
    head = visible(_("== {file} could not be loaded ==").format(file=error.file))
    return "\n".join([head, *(diagnostic_text(d, sources, color=color)
                               for d in error.diagnostics)])


def diagnostic_text(d: Diagnostic, sources: SourceCache | None, *, color: bool = False) -> str:
    """A diagnostic as Diagnostic.render writes it, in the active language."""
    if active().is_source:
        return d.render(sources, color=color)
    return localise_diagnostic(d).render(sources, color=color, colon=_(":"),
                                         help_word=_("help"))


def inputs_text(inputs: Inputs, name: Callable[[str], str] = visible) -> str:
    """The first line: the settings file and rulesets folders of the run, each name as
    `name` shows it (control characters spelled out; Markdown's: a code span)."""
    return _("settings: {settings}; rulesets: {rulesets}").format(
        settings=name(inputs.settings) if inputs.settings else _("none (defaults)"),
        rulesets=", ".join(name(r) for r in inputs.rulesets) or _("none"))


# --- one finding -------------------------------------------------------------------------


def render_finding(finding: Finding, *, color: bool = False, verbose: bool = False) -> str:
    """The located first line, then one labelled line (or more) per part of the explanation."""
    lines = [first_line(finding, color=color)]
    reported = finding.outcome in REPORTED
    wording = shown_wording(finding)
    if reported:
        lines += _field("message", wording[0])
    if finding.outcome == "waived" and finding.waiver:
        lines += _field("waiver", localise(finding.waiver))
    lines += evidence_lines(finding.evidence, finding.file)
    if finding.missing:
        lines += _field("missing", ", ".join(finding.missing))
    if finding.params:  # a rule's own tuple, the same for each of its findings
        lines += _alike(finding.params, color, _params_lines)
    if finding.severity_origin is not None:
        lines += _field("severity", severity_text(finding, finding.severity_origin, color=color),
                        spelled=True)
    if verbose and finding.rule_origin is not None:
        lines += _field("rule", rule_origin_text(finding.rule_origin))
    lines += _principle_lines(finding.principle, finding.source)
    if reported and wording[1]:
        lines += _field("hint", wording[1])
    return "\n".join(lines)


def _alike(made_of: Any, color: bool, make: Callable[[Any, bool], list[str]]) -> list[str]:
    """`make(made_of, color)`, made once for each `made_of` (an object a rule's findings
    share, kept with the lines so that its id stays its own) in the active language."""
    alike = _layout().alike
    key = (id(made_of), color, make)
    found = alike.get(key)
    if found is None or found[0] is not made_of:
        if len(alike) >= MAX_ALIKE:
            alike.clear()
        found = alike[key] = (made_of, make(made_of, color))
    return found[1]


#: lines _alike keeps for each language: far more than the rules of a run
MAX_ALIKE = 4096


def _params_lines(params: tuple[ParamUse, ...], color: bool) -> list[str]:
    return [line for use in params for line in param_lines(use, color=color)]


def _principle_lines(principle: str, source: str | None) -> list[str]:
    """The `principle` field, made once for each principle and source (texts a rule's
    findings share) in the active language."""
    alike = _layout().alike
    key = ("principle", principle, source)
    found = alike.get(key)
    if found is None:
        if len(alike) >= MAX_ALIKE:
            alike.clear()
        found = alike[key] = (principle, _field("principle", _principle_text(principle, source)))
    return found[1]


def shown_wording(finding: Finding) -> tuple[str, str | None]:
    """The message and hint to show: in English, the finding's own; in another language,
    its Wording when evaluation made one for that language (a failing finding's), counting
    each text shown in English; a message the engine wrote (`cannot decide: ...`) in the
    catalogue's words where it has them."""
    tr = active()
    if tr.is_source:
        return finding.message, finding.hint
    local = finding.local
    if isinstance(finding.message, Deferred):  # a waiver check's, an IATI report's
        return _deferred_wording(finding)
    message = engine_text(finding.message)
    reported = finding.outcome in REPORTED  # else only the title is shown
    if local is not None and local.lang == tr.lang:
        for field in local.untranslated:
            if reported or field == "title":
                tr.fell_back((finding.rule, field))
        if reported and local.message is None and message is finding.message:
            tr.fell_back((finding.rule, "message", finding.message))
        hint = local.hint
        if hint is None and finding.hint:  # a hint evaluation did not word for the reader
            hint = finding.hint
            if reported:
                tr.fell_back((finding.rule, "hint", finding.hint))
        return local.message if local.message is not None else message, hint
    if reported and message is finding.message:
        tr.fell_back((finding.rule, "message", finding.message))
    if reported and finding.hint:
        tr.fell_back((finding.rule, "hint", finding.hint))
    return message, finding.hint


def _deferred_wording(finding: Finding) -> tuple[str, str | None]:
    """The message and hint of a finding whose message was made to be translated (a
    Deferred): a `{message}` it quotes is the rule's own, in the reader's words when
    the finding carries them."""
    message = finding.message
    assert isinstance(message, Deferred)
    local = finding.local
    tr = active()
    if "message" in message.holes and local is not None and local.lang == tr.lang:
        quoted = local.message if local.message is not None else message.holes["message"]
        message = Deferred(message.template, {**message.holes, "message": quoted})
    if local is not None and local.lang == tr.lang and local.hint is not None:
        return localise(message), local.hint  # the rule's hint, in the reader's words
    if finding.outcome not in REPORTED or not finding.hint:  # a hint not shown is not counted
        return localise(message), finding.hint
    return localise(message), localise(finding.hint)


#: the messages evaluation writes itself (evaluate.py): their English start, and their
#: text in the active language
_ENGINE_TEXTS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("cannot decide: ", lambda: _("cannot decide: {reason}")),
    ("cannot tell whether the rule applies: ",
     lambda: _("cannot tell whether the rule applies: {reason}")),
    ("does not apply: ", lambda: _("does not apply: {reason}")),
)


def engine_text(message: str) -> str:
    """A message evaluation writes itself (not a rule's), in the active language:
    `message` itself (the same object) when it is none of them."""
    for prefix, template in _ENGINE_TEXTS:
        if message.startswith(prefix):
            rest = message[len(prefix):]
            if rest.endswith(" is missing") and "; " not in rest:
                rest = _("{paths} is missing").format(paths=rest[:-len(" is missing")])
            elif rest.endswith(" is false") and "; " not in rest:
                rest = _("{condition} is false").format(condition=rest[:-len(" is false")])
            return template().format(reason=rest)
    return message


def first_line(finding: Finding, *, color: bool = False) -> str:
    """`file:line:col: error[RULE] title`; the word is the level for a failure, else the outcome."""
    key = finding.level if finding.outcome == "fail" else finding.outcome
    return (f"{line_path(location(finding))}: {paint(key, color, word(key))}"
            f"[{visible(finding.rule)}] {visible(shown_title(finding))}")


def shown_title(finding: Finding) -> str:
    """The rule's title in the active language, when the finding carries one for it."""
    local = finding.local
    tr = active()
    if tr.is_source:
        return finding.title
    if isinstance(finding.title, Deferred):  # a waiver check's
        return localise(finding.title)
    if local is None or local.lang != tr.lang or local.title is None:
        return finding.title
    return local.title


def location(finding: Finding) -> str:
    span = finding.span
    if not span.line:
        return finding.file
    return f"{finding.file}:{span.line}:{span.column}"


def principle_text(finding: Finding) -> str:
    return _principle_text(finding.principle, finding.source)


def _principle_text(principle: str, source: str | None) -> str:
    if not source:
        return principle
    return _("{principle}: {source}").format(principle=principle, source=shown_source(source))


_CITED = lazy(r"(.+), paragraph ([0-9]+)")


def shown_source(source: str) -> str:
    """A rule's `source`: `FILE, paragraph N` (the form lint asks for) in the active
    language; another text as it is."""
    cited = _CITED.fullmatch(source)
    if cited is None or active().is_source:
        return source
    return _("{file}, paragraph {n}").format(file=cited.group(1), n=cited.group(2))


def _field(label: str, text: str, *, spelled: bool = False) -> list[str]:
    """`  label     text`, continuation lines (of a multi-line text) aligned under the text;
    control characters spelled out unless the caller did (`spelled`: it painted the text)."""
    layout = _layout()
    if not spelled:
        text = visible(text, newlines=True)  # no line break left but newlines
        if "\n" not in text:
            return [layout.head(label) + text]
    first, *rest = text.splitlines() or [""]
    pad = layout.pad
    return [layout.head(label) + first, *(pad + line for line in rest)]


def _continue(text: str, depth: int = 0) -> str:
    """A line aligned under a field's text, indented `depth` levels further."""
    return _layout().pad + NESTED * depth + text


# --- evidence ------------------------------------------------------------------------------


def evidence_lines(evidence: tuple[Evidence, ...], home: str) -> list[str]:
    """`because` lines: each part, its note and its nested parts, within the limits."""
    body = _evidence_tree(evidence, home, depth=0)
    if not body:
        return []
    label = _layout().head("because")
    return [label + body[0][len(label) :], *body[1:]]


def _evidence_tree(parts: tuple[Evidence, ...], home: str, depth: int) -> list[str]:
    lines: list[str] = []
    pad = _layout().pad + NESTED * depth  # as _continue(text, depth) starts
    for ev in parts[:MAX_CHILDREN]:
        lines.append(pad + visible(evidence_text(ev, home)))
        if ev.note:
            lines += [pad + line for line in visible(evidence_words(ev.note),
                                                      newlines=True).splitlines()]
        if ev.graph is not None:
            lines += [pad + visible(line) for line in graph_lines(ev.graph, home)]
        if ev.children and depth < MAX_DEPTH:
            lines += _evidence_tree(ev.children, home, depth + 1)
        elif ev.children:
            deeper = _parts(_count_tree(ev.children))
            lines.append(_continue(_("... {parts} nested deeper").format(parts=deeper),
                                   depth + 1))
    hidden = len(parts) - MAX_CHILDREN
    if hidden > 0:
        lines.append(_continue(_("... and {n} more").format(n=_n(hidden)), depth))
    return lines


def graph_lines(trace: GraphTrace, home: str) -> list[str]:
    """The path a graph query found, or what it reached instead and where it stopped."""
    start, *rest = trace.hops
    if trace.kind == "path" and not rest:  # the start itself is what was searched for
        return [_("{node} itself meets {target}: no {via} edge needed").format(
            node=_hop(start, home), target=trace.target, via=trace.via)]
    if trace.kind == "path":
        lines = [_("path from {node} along {via}:").format(node=_hop(start, home), via=trace.via)]
        lines += [f"  {_step(h, home)}" for h in rest]
        return lines
    if trace.kind == "cycle":
        lines = [_("loop through {node} along {via}:").format(node=_hop(start, home),
                                                               via=trace.via)]
        lines += [f"  {_step(h, home)}" for h in rest]
        if trace.more:
            lines.append(ngettext("and {n} more loop", "and {n} more loops", trace.more)
                         .format(n=_n(trace.more)))
        return lines
    if not rest:
        lines = [_("reached only {node} along {via}").format(node=_hop(start, home),
                                                              via=trace.via)]
    else:
        lines = [_("reached from {node} along {via}:").format(node=_hop(start, home),
                                                               via=trace.via)]
        lines += [f"  {_step(h, home)}" for h in rest]
        if trace.partial:  # followed only so far
            lines.append("  " + _("... and {n} more, and further (the search is shown for its "
                                  "first {first} nodes)").format(
                n=_n(trace.more), first=_n(len(trace.hops) + trace.more)))
        elif trace.more:
            lines.append("  " + _("... and {n} more").format(n=_n(trace.more)))
    if trace.stopped:
        lines.append(_("stopped at {nodes}: no {via} edge leads on").format(
            nodes=_some(trace.stopped), via=trace.via))
    elif rest and not trace.partial and not trace.blocked and not trace.unsure:
        lines.append(_("every edge from these leads back to a node already reached"))
    if trace.blocked:
        lines.append(_("not passed through {nodes}: {condition} does not hold there").format(
            nodes=_some(trace.blocked), condition=trace.through))
    if trace.unsure:
        lines.append(_("not known whether it passes through {nodes}: cannot tell whether "
                       "{condition} holds there").format(nodes=_some(trace.unsure),
                                                         condition=trace.through))
    lines.append(_("none of them meets {target}").format(target=trace.target))
    return lines


def _some(nodes: Sequence[str]) -> str:
    """The first MAX_CHILDREN of `nodes`, and how many more."""
    shown = ", ".join(nodes[:MAX_CHILDREN])
    if len(nodes) > MAX_CHILDREN:
        shown += _(" and {n} more").format(n=_n(len(nodes) - MAX_CHILDREN))
    return shown


def _hop(hop: GraphHop, home: str) -> str:
    where = located(hop.at, home)
    return hop.label if where is None else f"{hop.label[:-1]}, {where})" \
        if hop.label.endswith(")") else f"{hop.label} ({where})"


def _step(hop: GraphHop, home: str) -> str:
    """One edge as the proposal states it, the node it reached described."""
    stated = located(hop.edge_at, home)
    tail = "   " + _("(edge at {where})").format(where=stated) if stated else ""
    kind = (hop.via or "").removesuffix("<-")
    if hop.via and hop.via.endswith("<-"):
        return f"{_hop(hop, home)} -{kind}-> {hop.prev}{tail}"
    return f"{hop.prev} -{kind}-> {_hop(hop, home)}{tail}"


def _count_tree(parts: tuple[Evidence, ...]) -> int:
    return sum(1 + _count_tree(ev.children) for ev in parts)


def _parts(n: int) -> str:
    return ngettext("{n} part", "{n} parts", n).format(n=_n(n))


def evidence_text(ev: Evidence, home: str) -> str:
    """`expr   was   left op right   -> result`, with where the values come from."""
    pieces = [ev.expr]
    shown = _compared(ev, home)
    if shown is not None:
        pieces += [_("was"), shown]
    pieces.append(f"-> {word(ev.result)}")
    text = "   ".join(pieces)
    if ev.missing:
        text += "   " + _("(missing: {paths})").format(paths=", ".join(ev.missing))
    return text


def _compared(ev: Evidence, home: str) -> str | None:
    left = _valued(ev.left, ev.left_at, home)
    right = _valued(ev.right, ev.right_at, home)
    if ev.op is not None and (left is not None or right is not None):
        return f"{left or '?'} {ev.op} {right or '?'}"
    if left is not None and right is not None:
        return f"{left}, {right}"
    return left if left is not None else right


def _valued(value: str | None, at: Span | None, home: str) -> str | None:
    if value is None:
        return None
    where = located(at, home)
    if value.__class__ is not str:  # the engine's words: `empty`, `the placeholder 'TBD'`
        value = evidence_words(value)
    return f"{value} ({where})" if where else value


def evidence_words(text: str) -> str:
    """A note or value of evidence as shown: the engine's own words (`2 of 3 elements of
    ... do not satisfy it`, made with N_) in the active language, counted when they lack
    it; the rule's expressions and the proposal's values (a plain `str`) as written."""
    return text if text.__class__ is str or not isinstance(text, Deferred) else localise(text)


def located(at: Span | None, home: str) -> str | None:
    """`line 44` within the finding's own file, `file:44` elsewhere, None when unknown."""
    if at is None or not at.line:
        return None
    return _("line {n}").format(n=at.line) if at.file == home else at.short()


# --- provenance ----------------------------------------------------------------------------


def cite(span: Span, layer: str | None = None) -> str:
    """`file:line`, or just the name for something without a line (a built-in); a file of
    ruleset `layer` is named as under its rulesets root (`baseline/financing.cpol:8`)."""
    file = in_rulesets(span.file, layer)
    return f"{file}:{span.line}" if span.line else file


def param_lines(use: ParamUse, *, color: bool = False) -> list[str]:
    """The value and who set it; then what it replaced, marked `relaxes` or `tightens`."""
    origin = use.origin
    because = f' ("{origin.because}")' if origin.because else ""
    lines = _field("param", _("{name} = {value}   set by {where}").format(
        name=use.name, value=use.value, where=cite(origin.span, origin.layer)) + because)
    if origin.previous is not None:
        verb = paint("relaxes", color, word("relaxes")) if origin.relaxation else \
            word("tightens")
        lines.append(_continue(f"{verb} {visible(_previous(origin))}"))
    elif origin.relaxation:
        lines.append(_continue(paint("relaxes", color, word("relaxes")) + " " +
                               _("its parent ruleset")))
    return lines


def _previous(origin: Provenance) -> str:
    layer = f"{origin.previous_layer} " if origin.previous_layer else ""
    where = f" ({cite(origin.previous_span, origin.previous_layer)})" if origin.previous_span is not None else ""
    return f"{layer}{origin.previous}{where}"


def severity_text(finding: Finding, origin: Provenance, *, color: bool = False) -> str:
    """`should (was must in baseline, lowered by file:line "because")`, control characters
    spelled out but for the colour's."""
    verb = _severity_verb(finding.severity, origin)
    shown = paint(verb, color, word(verb))  # only "lowered" has a colour
    was = ""
    if origin.previous is not None:
        was = (_("was {severity} in {layer}, ") if origin.previous_layer else
               _("was {severity}, ")).format(severity=origin.previous,
                                             layer=origin.previous_layer)
    because = f' "{origin.because}"' if origin.because else ""
    by = _(" by {where}").format(where=cite(origin.span, origin.layer))
    return (f"{visible(f'{finding.severity} ({was}')}{shown}"
            f"{visible(f'{by}{because})')}")


def _severity_verb(now: str, origin: Provenance) -> str:
    before = origin.previous
    if before is not None and before in SEVERITY_RANK and now in SEVERITY_RANK:
        if SEVERITY_RANK[now] < SEVERITY_RANK[before]:
            return "lowered"
        if SEVERITY_RANK[now] > SEVERITY_RANK[before]:
            return "raised"
        return "set"
    return "lowered" if origin.relaxation else "set"


def rule_origin_text(origin: Provenance) -> str:
    because = f' ("{origin.because}")' if origin.because else ""
    return _("defined in {layer} at {where}").format(layer=origin.layer,
                                                     where=cite(origin.span, origin.layer)) + because


# --- summaries -----------------------------------------------------------------------------


def outcome_counts(findings: Iterable[Finding]) -> str:
    """`3 errors, 1 warning, 2 unknown, 1 waived; 20 passed, 4 not applicable`."""
    findings = list(findings)
    return counts_text(count_outcomes(findings), count_fails_by_level(findings))


def counts_text(outcomes: dict[str, int], by_level: dict[str, int]) -> str:
    """outcome_counts from the counts."""
    counted = [
        (by_level["error"], ngettext("{n} error", "{n} errors", by_level["error"])),
        (by_level["warning"], ngettext("{n} warning", "{n} warnings", by_level["warning"])),
        (by_level["info"], ngettext("{n} info", "{n} info", by_level["info"])),
        (outcomes["unknown"], ngettext("{n} unknown", "{n} unknown", outcomes["unknown"])),
        (outcomes["waived"], ngettext("{n} waived", "{n} waived", outcomes["waived"])),
    ]
    reported = [said.format(n=_n(n)) for n, said in counted if n] or [_("no findings")]
    settled = [ngettext("{n} passed", "{n} passed", outcomes["pass"]).format(
        n=_n(outcomes["pass"]))]
    if outcomes["not-applicable"]:
        settled.append(ngettext("{n} not applicable", "{n} not applicable",
                                outcomes["not-applicable"]).format(
            n=_n(outcomes["not-applicable"])))
    return _("{reported}; {settled}").format(reported=", ".join(reported),
                                             settled=", ".join(settled))


def summary_line(findings: Iterable[Finding], result_verdict: str, *, color: bool = False) -> str:
    return _summary(outcome_counts(findings), result_verdict, color=color)


def _summary(counted: str, result_verdict: str, *, color: bool = False) -> str:
    key = result_verdict.upper()
    return _("{verdict}: {counts}").format(verdict=paint(key, color, word(key)), counts=counted)


def total_line(report: Report, *, color: bool = False) -> str:
    """The run's verdict (PASS, FAIL or ERROR, after the exit code) and its counts."""
    return total_text(tally(report), report, color=color)


def total_text(counts: Tally, report: Report, *, color: bool = False) -> str:
    """total_line from the counts of the report's results (only its errors and fail_on
    are read from `report`)."""
    key = {0: "PASS", 1: "FAIL", 2: "ERROR"}[counts.exit_code(len(report.errors))]
    checked = ngettext("{n} proposal ({failed} failed, {passed} passed)",
                       "{n} proposals ({failed} failed, {passed} passed)",
                       counts.proposals).format(n=_n(counts.proposals), failed=_n(counts.failed),
                                                passed=_n(counts.passed))
    if report.errors:
        checked += ", " + ngettext("{n} file not loaded", "{n} files not loaded",
                                   len(report.errors)).format(n=_n(len(report.errors)))
    tallied = counts_text(counts.outcome_counts(), counts.fails_by_level())
    return _("total {verdict}: {checked}; {counts} (fail on {severity})").format(
        verdict=paint(key, color, word(key)), checked=checked, counts=tallied,
        severity=report.fail_on)
