"""The HTML report: one self-contained page for the people who decide on a proposal.

Made with Jinja2 (templates/report.html, shipped in the package) with autoescaping on:
every text from a proposal, a rule file or a settings file reaches the page escaped,
its control characters first spelled out as the text report spells them (visible.py).
The page loads nothing: its style and its small script are inline, allowed by a
Content-Security-Policy of `default-src 'none'` that names their hashes, and each
proposal's governance graph is inline SVG (drawing.py). The script only sorts and
filters; the page reads the same without it, and prints.

Fixed text goes through one translation hook and numbers and dates through two
formatting hooks (`Texts`), so that catalogues and locales plug in without touching the
template: the template calls `_("…")` and `ngettext(…)` (jinja2.ext.i18n, new style),
`number(n)` and `date(d)`. In another language (`lang`, i18n.py) they are the reader's
catalogue and locale (`texts_for`), the findings' titles, messages and hints are their
wording for that reader (render.text.shown_title, shown_wording), and the page ends with
the count of strings shown in English, as the text report does. In English the page is
the text as written.

To draw a graph the renderer reads each checked proposal again (load.load_proposal;
an IATI file's activities through iati_map.load_activities, once per file): the report
holds findings, not proposals. A proposal that cannot be read again (moved,
changed) is shown without its graph and excerpts, and the page says so.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs
import jinja2
from markupsafe import Markup, escape

from ..base.errors import CappolicyError, SourceCache
from ..base.visible import json_controls, visible
from ..engine.findings import Evidence, Finding, ParamUse
from ..graph.governance import GovernanceGraph, build
from ..lang.i18n import (
    Translations,
    active,
    format_date,
    format_number,
    gettext,
    localise,
    localise_diagnostic,
    translator,
    use,
)
from ..proposal.load import load_proposal
from ..proposal.model import Proposal
from ..report.model import (
    REPORTED,
    FileError,
    ProposalResult,
    Report,
    count_fails_by_level,
    count_outcomes,
    sorted_errors,
    sorted_findings,
    sorted_results,
    tally,
    verdict,
)
from .drawing import DotTime, Link, draw
from .marks import Marker, Marks
from .text import (
    evidence_text,
    evidence_words,
    graph_lines,
    located,
    principle_text,
    rule_origin_text,
    severity_text,
    shown_source,
    shown_title,
    shown_wording,
    untranslated_line,
)

EXCERPT_CONTEXT = 2  # lines shown above and below a finding's line
#: a graph of more nodes is not drawn (no one reads it on a page; it would weigh
#: megabytes): the page says so and names `cappolicy graph`
MAX_DRAWN_NODES = 300
TEMPLATES = "templates"


def _identity(text: str) -> str:
    return text


def _plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def _date(value: dt.date) -> str:
    return value.isoformat()


def _(word: str) -> str:
    """Marks a word for the catalogues (pybabel extract): the template translates it."""
    return word


#: the words the template translates from variables (`_(r.verdict.upper())`,
#: `_(f.level)`, `_(outcome)`, `_(report.fail_on)`): the verdicts, the outcomes, the
#: levels and the severities
VARIABLE_WORDS = (_("PASS"), _("FAIL"), _("ERROR"), _("fail"), _("unknown"), _("waived"),
                  _("pass"), _("error"), _("warning"), _("info"), _("must"), _("should"),
                  _("advisory"))
#: where the page's last line goes in another language: it counts the strings shown in
#: English, known only once the page is written (no text of the page holds a `<`)
_UNTRANSLATED = "<!-- untranslated -->"


@attrs.frozen
class Texts:
    """The hooks of the page's fixed text: `gettext` and `ngettext` as Python's gettext
    module has them, and how numbers and dates are written. The defaults are English."""

    gettext: Callable[[str], str] = _identity
    ngettext: Callable[[str, str, int], str] = _plural
    number: Callable[[float], str] = _number
    date: Callable[[dt.date], str] = _date
    lang: str = "en"


def texts_for(tr: Translations) -> Texts:
    """The hooks of a reader of `tr`'s language: its catalogue (counting what falls back
    to English on `tr`), numbers and dates in its locale; English for English."""
    if tr.is_source:
        return Texts()
    return Texts(gettext=tr.gettext, ngettext=tr.ngettext,
                 number=lambda value: format_number(value, tr.locale),
                 date=lambda value: format_date(value, tr.locale), lang=tr.lang)


#: A drawing source: the proposal and its governance graph for a result, or the reason
#: there is none.
Loader = Callable[[ProposalResult], "tuple[Proposal, GovernanceGraph] | str"]


def load_again(result: ProposalResult) -> tuple[Proposal, GovernanceGraph] | str:
    """The proposal of a result read again from its file, and its graph; an IATI
    file's activity found by its identifier (and, when the file gives it to several,
    by where the result's findings are)."""
    try:
        if Path(result.file).suffix.lower() == ".xml":
            proposal = _activity(result)
        else:
            proposal = load_proposal(Path(result.file))
        return proposal, build(proposal.data)
    except CappolicyError as exc:
        return "; ".join(localise(d.message) for d in exc.diagnostics)
    except (OSError, ValueError) as exc:
        return str(exc)


def _activity(result: ProposalResult) -> Proposal:
    """The activity of an IATI file a result is about: of those with its identifier,
    the last that starts at or before its first located finding."""
    found = [p for p in _activities(result.file, *_stamp(result.file))
             if p.id == result.proposal_id]
    if not found:
        raise ValueError(f"no activity {result.proposal_id} in {result.file} now")
    lines = [f.span.line for f in result.findings if f.span.line]
    first = min(lines) if lines else 0
    starts = [(p.positions[()].line if () in p.positions else 0, p) for p in found]
    before = [p for line, p in starts if line <= first]
    return before[-1] if before else found[0]


def _stamp(file: str) -> tuple[int, int]:
    info = Path(file).stat()
    return info.st_mtime_ns, info.st_size


@lru_cache(maxsize=1)  # a report's results come file by file: each file is read once
def _activities(file: str, mtime: int, size: int) -> tuple[Proposal, ...]:
    from ..proposal.iati_map import load_activities

    return tuple(p for p in load_activities(file) if isinstance(p, Proposal))


def _finalize(value: Any) -> Any:
    """Every value the template writes, escaped, with its line breaks as character
    references: the page shows them the same, and no value starts a line of the file
    (a page written to a CI log cannot pass a line off as a workflow command). The
    page's own markup (Markup: the style, the script, the drawings) is left alone."""
    if isinstance(value, Markup) or value is None:
        return value
    return Markup(escape(value)).replace("\n", Markup("&#10;"))


def _environment(texts: Texts) -> jinja2.Environment:
    env = jinja2.Environment(
        finalize=_finalize,
        loader=jinja2.PackageLoader("cappolicy.render", TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        texts.gettext, texts.ngettext, newstyle=True)
    env.globals.update(number=texts.number, date=texts.date)
    return env


def _asset(env: jinja2.Environment, name: str) -> str:
    loader = env.loader
    assert loader is not None
    source, _, _ = loader.get_source(env, name)
    return source


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def render_html(report: Report, *, sources: SourceCache | None = None,
                texts: Texts | None = None, loader: Loader | None = None,
                use_dot: bool = True, lang: str | None = None) -> str:
    """The whole page, without a trailing newline, for a reader of `lang` (English when
    None); `texts`, when given, replaces the hooks of that language."""
    tr = translator(lang)
    with use(tr):
        page = _no_old_commands(
            _page(report, sources, texts or texts_for(tr), loader, use_dot, tr))
        if tr.is_source:
            return page
        line = f'<p class="untranslated">{escape(untranslated_line(tr))}</p>'
        return page.replace(_UNTRANSLATED, line, 1)


#: where the page's data begins: JSON, which a character reference would change
_DATA = '<script type="application/json" id="cappolicy-data">'


def _no_old_commands(page: str) -> str:
    """The page with no `##[` left (a CI runner reads it anywhere in a line, and a page is
    printed to a log too): its `[` referenced in the markup and the drawings (`&#91;`, the
    same text to a browser), escaped in the page's data as every JSON text of the tool
    is (visible.json_controls: `\\u005b`, the same JSON)."""
    if "##[" not in page:
        return page
    head, begins, rest = page.partition(_DATA)
    data, ends, tail = rest.partition("</script>")
    return (head.replace("##[", "##&#91;") + begins + json_controls(data)
            + ends + tail.replace("##[", "##&#91;"))


def _page(report: Report, sources: SourceCache | None, texts: Texts, loader: Loader | None,
          use_dot: bool, tr: Translations) -> str:
    sources = sources if sources is not None else SourceCache()
    loader = loader or load_again
    env = _environment(texts)
    style = _asset(env, "report.css")
    script = _asset(env, "report.js")
    dot_time = DotTime()  # Graphviz's time for all the page's drawings
    results = [_result_view(i, r, report, sources, loader, use_dot, dot_time)
               for i, r in enumerate(sorted_results(report))]
    counts = tally(report)
    page = env.get_template("report.html").render(
        lang=texts.lang,
        report=report,
        inputs=report.inputs,
        results=results,
        errors=[_error_view(e) for e in sorted_errors(report)],
        principles=_principles(results, sorted_results(report)),
        run_verdict={0: "pass", 1: "fail", 2: "error"}[counts.exit_code(len(report.errors))],
        counts=counts,
        outcomes=REPORTED,
        style=Markup(style),
        script=Markup(script),
        csp=f"default-src 'none'; style-src '{_hash(style)}'; script-src '{_hash(script)}'; "
            "base-uri 'none'; form-action 'none'",
        data={"proposals": [{"anchor": r["anchor"], "id": r["id"], "verdict": r["verdict"],
                             "failing": r["failing_rules"]} for r in results]},
        visible=visible,
        untranslated=None if tr.is_source else Markup(_UNTRANSLATED),
    )
    return page.rstrip("\n")


def _error_view(error: FileError) -> dict[str, Any]:
    return {"file": visible(error.file),
            "diagnostics": [{"code": d.code, "message": visible(d.message, newlines=True),
                             "where": (visible(str(d.span))
                                       if d.span is not None and d.span.line else None),
                             "hint": visible(d.help) if d.help else None}
                            for d in map(localise_diagnostic, error.diagnostics)]}


def _result_view(index: int, result: ProposalResult, report: Report, sources: SourceCache,
                 loader: Loader, use_dot: bool, dot_time: DotTime | None = None
                 ) -> dict[str, Any]:
    anchor = f"p{index}"
    shown = [f for f in sorted_findings(result.findings) if f.outcome in REPORTED]
    loaded = loader(result)
    proposal: Proposal | None = None
    graph: GovernanceGraph | None = None
    drawing_note: str | None = None
    if isinstance(loaded, str):
        drawing_note = visible(gettext("the proposal could not be read again ({reason})")
                               .format(reason=loaded))
    else:
        proposal, graph = loaded
    marks: list[Marks] = []
    if graph is not None:
        marker = Marker(graph, proposal)
        marks = [marker.marks(f) for f in shown]
    findings = [_finding_view(f"{anchor}-f{j}", f, sources, marks[j] if marks else None, graph)
                for j, f in enumerate(shown)]
    drawing = None
    if graph is not None and len(graph) > MAX_DRAWN_NODES:
        drawing_note = visible(gettext("{n} nodes are more than a page can show ({most}); "
                                       "cappolicy graph {file} draws it").format(
            n=_count(len(graph)), most=_count(MAX_DRAWN_NODES), file=result.file))
    elif graph is not None:
        node_links: dict[str, Link] = {}
        edge_links: dict[int, Link] = {}
        for view, mark, finding in zip(findings, marks, shown):
            if finding.outcome != "fail":
                continue
            for key in mark.nodes:
                _link(node_links, key, view["anchor"], finding.rule)
            for edge in mark.edges:
                _link(edge_links, edge, view["anchor"], finding.rule)
        drawing = draw(graph, anchor, node_links, edge_links, use_dot=use_dot,
                       dot_time=dot_time)
    counts = count_outcomes(result.findings)
    failing_rules = sorted({f.rule for f in result.findings if f.outcome == "fail"})
    return {
        "anchor": anchor,
        "file": visible(result.file),
        "id": visible(result.proposal_id),
        "host": visible(result.host_country) if result.host_country else None,
        "ruleset": visible(result.ruleset),
        "note": visible(localise(result.ruleset_note)) if result.ruleset_note else None,
        "relaxed": [visible(localise(line)) for line in result.relied_on],
        "warnings": [visible(localise(w.message), newlines=True) for w in result.warnings],
        "verdict": verdict(result, report.fail_on, report.allow_unknown),
        "counts": counts,
        "by_level": count_fails_by_level(result.findings),
        "findings": findings,
        "failing_rules": failing_rules,
        "drawing": drawing.svg if drawing is not None else None,
        "engine": drawing.engine if drawing is not None else None,
        "drawing_note": drawing_note,
        "title": visible(str(proposal.data.get("title", ""))) if proposal is not None else "",
    }


def _count(n: int) -> str:
    """A count in the active reader's locale (as it is in English)."""
    tr = active()
    return str(n) if tr.is_source else format_number(n, tr.locale)


def _link(links: dict[Any, Link], key: Any, anchor: str, rule: str) -> None:
    old = links.get(key)
    if old is None:
        links[key] = Link(anchor, (rule,))
    elif rule not in old.rules:
        links[key] = Link(old.anchor, (*old.rules, rule))


def _finding_view(anchor: str, finding: Finding, sources: SourceCache, mark: Marks | None,
                  graph: GovernanceGraph | None) -> dict[str, Any]:
    home = finding.file
    message, hint = shown_wording(finding)
    return {
        "anchor": anchor,
        "rule": visible(finding.rule),
        "title": visible(shown_title(finding)),
        "outcome": finding.outcome,
        "level": finding.level,
        "severity": finding.severity,
        "where": visible(_where(finding)),
        "path": visible(finding.path),
        "element": visible(finding.element) if finding.element else None,
        "message": visible(message, newlines=True),
        "waiver": visible(localise(finding.waiver), newlines=True) if finding.waiver else None,
        "evidence": [_evidence_view(ev, home, 0) for ev in finding.evidence],
        "missing": [visible(m) for m in finding.missing],
        "params": [_param_view(p) for p in finding.params],
        "severity_origin": (visible(severity_text(finding, finding.severity_origin))
                            if finding.severity_origin is not None else None),
        "rule_origin": (visible(rule_origin_text(finding.rule_origin))
                        if finding.rule_origin is not None else None),
        "principle": visible(finding.principle),
        "principle_text": visible(principle_text(finding)),
        "source": visible(shown_source(finding.source)) if finding.source else None,
        "hint": visible(hint, newlines=True) if hint else None,
        "excerpt": _excerpt(finding, sources),
        "nodes": [visible(k) for k in mark.nodes] if mark is not None else [],
        "edges": [_edge_name(graph, e) for e in mark.edges] if mark and graph else [],
    }


def _edge_name(graph: GovernanceGraph, ident: int) -> str:
    edge = graph.all_edges()[ident]
    return visible(f"{edge.source} -{edge.kind}-> {edge.target}")


def _where(finding: Finding) -> str:
    span = finding.span
    return f"{finding.file}:{span.line}:{span.column}" if span.line else finding.file


def _evidence_view(ev: Evidence, home: str, depth: int) -> dict[str, Any]:
    return {
        "text": visible(evidence_text(ev, home)),
        "result": ev.result,
        "note": visible(evidence_words(ev.note), newlines=True) if ev.note else None,
        "graph": [visible(line) for line in graph_lines(ev.graph, home)]
        if ev.graph is not None else [],
        "children": [_evidence_view(c, home, depth + 1) for c in ev.children[:20]]
        if depth < 6 else [],
        "hidden": max(0, len(ev.children) - 20) if depth < 6 else len(ev.children),
    }


def _param_view(use: ParamUse) -> dict[str, Any]:
    origin = use.origin
    previous = None
    if origin.previous is not None:
        layer = f"{origin.previous_layer} " if origin.previous_layer else ""
        where = f" ({located(origin.previous_span, '') or ''})" \
            if origin.previous_span is not None and origin.previous_span.line else ""
        previous = visible(f"{layer}{origin.previous}{where}")
    return {
        "name": visible(use.name),
        "value": visible(use.value),
        "layer": visible(origin.layer),
        "at": visible(origin.span.short() if origin.span.line else origin.span.file),
        "because": visible(origin.because) if origin.because else None,
        "relaxation": origin.relaxation,
        "previous": previous,
    }


def _excerpt(finding: Finding, sources: SourceCache) -> list[dict[str, Any]]:
    """The lines around the finding's line, of the proposal only (SourceCache.quotes_lines)."""
    span = finding.span
    if not span.line or not SourceCache.quotes_lines(span.file):
        return []
    lines = []
    for number in range(max(1, span.line - EXCERPT_CONTEXT), span.line + EXCERPT_CONTEXT + 1):
        text = sources.line(span.file, number)
        if text is None:
            break
        lines.append({"number": number, "text": visible(text.expandtabs(4)),
                      "at": number == span.line})
    return lines


def _principles(views: Sequence[dict[str, Any]],
                results: Sequence[ProposalResult]) -> list[dict[str, Any]]:
    """One row per principle: its findings' outcomes counted over every proposal, and
    the rule ids and anchors of its failing findings, the most failing first."""
    rows: dict[str, dict[str, Any]] = {}
    for view, result in zip(views, results):
        anchors = {(f["rule"], f["where"]): f["anchor"] for f in view["findings"]}
        for f in result.findings:
            principle = visible(f.principle)
            row = rows.setdefault(principle, {
                "principle": principle, "fail": 0, "unknown": 0, "waived": 0, "pass": 0,
                "rules": set(), "anchors": []})
            if f.outcome in row:
                row[f.outcome] += 1
            row["rules"].add(visible(f.rule))
            anchor = anchors.get((visible(f.rule), visible(_where(f))))
            if f.outcome == "fail" and anchor is not None and anchor not in row["anchors"]:
                row["anchors"].append(anchor)
    out = []
    for row in sorted(rows.values(), key=lambda r: (-r["fail"], -r["unknown"], r["principle"])):
        row["rules"] = sorted(row["rules"])
        out.append(row)
    return out


__all__ = ["Texts", "load_again", "render_html", "texts_for"]
