"""A portfolio: many proposals (an IATI file's activities, a folder of them) at a glance.

For each principle, how many proposals fail it, cannot be judged on it (unknown) and
pass it; for each proposal one line. A proposal's outcome on a principle is the worst
of its findings of that principle: fail, then unknown, then pass (waived counts as
pass; not-applicable findings are left out). Results are summed as they come, so a
portfolio of thousands of activities holds counts, not findings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import attrs

from ..base.errors import Diagnostic
from ..base.visible import json_controls, no_commands, visible
from ..lang.i18n import gettext as _
from ..lang.i18n import localise, localise_diagnostic, ngettext, translator, use
from ..report.iati import unpublished_topics
from ..report.model import FileError, Inputs, ProposalResult, verdict
from .markdown import md_code, md_text
from .text import inputs_text

ORDER = ("fail", "unknown", "pass")
_RANK = {"pass": 0, "waived": 0, "unknown": 1, "fail": 2}


@attrs.frozen
class Line:
    """One proposal of the portfolio."""

    id: str
    file: str
    line: int
    host_country: str | None
    ruleset: str
    verdict: str
    counts: dict[str, int]  # findings per outcome: fail, unknown, pass
    failed: tuple[str, ...]  # principles failed


@attrs.define
class Portfolio:
    fail_on: str = "must"
    allow_unknown: bool = False
    principles: dict[str, dict[str, int]] = attrs.field(factory=dict)
    lines: list[Line] = attrs.field(factory=list)
    errors: list[Diagnostic] = attrs.field(factory=list)
    unpublished: dict[str, int] = attrs.field(factory=dict)
    inputs: Inputs = attrs.field(factory=Inputs)  # the settings file and rulesets folders

    def add(self, outcome: ProposalResult | FileError) -> None:
        if isinstance(outcome, FileError):
            self.errors.extend(outcome.diagnostics)
            return
        worst: dict[str, str] = {}
        counts = dict.fromkeys(ORDER, 0)
        for f in outcome.findings:
            if f.outcome not in _RANK:
                continue
            counts["pass" if f.outcome == "waived" else f.outcome] += 1
            now = worst.get(f.principle)
            if now is None or _RANK[f.outcome] > _RANK[now]:
                worst[f.principle] = f.outcome
        for principle, result in worst.items():
            row = self.principles.setdefault(principle, dict.fromkeys(ORDER, 0))
            row["pass" if result == "waived" else result] += 1
        for topic in unpublished_topics(outcome.findings):
            self.unpublished[topic] = self.unpublished.get(topic, 0) + 1
        lines = [f.span.line for f in outcome.findings if f.span.line]
        self.lines.append(Line(
            outcome.proposal_id, outcome.file, min(lines) if lines else 1,
            outcome.host_country, outcome.ruleset,
            verdict(outcome, self.fail_on, self.allow_unknown), counts,
            tuple(sorted(p for p, r in worst.items() if r == "fail"))))

    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if any(line.verdict == "fail" for line in self.lines) else 0

    # --- rendering --------------------------------------------------------------------

    def rows(self) -> list[tuple[str, int, int, int]]:
        return [(p, c["fail"], c["unknown"], c["pass"])
                for p, c in sorted(self.principles.items())]

    def to_json(self) -> str:
        return json_controls(json.dumps({
            "schema": "cappolicy-portfolio/1",
            "inputs": {"settings": self.inputs.settings, "rulesets": list(self.inputs.rulesets)},
            "fail_on": self.fail_on,
            "proposals": len(self.lines),
            "failed": sum(1 for line in self.lines if line.verdict == "fail"),
            "principles": [{"principle": p, "fail": f, "unknown": u, "pass": s}
                           for p, f, u, s in self.rows()],
            "not_published": [{"ask_for": t, "proposals": n}
                              for t, n in sorted(self.unpublished.items(),
                                                 key=lambda i: (-i[1], i[0]))],
            "activities": [{"id": line.id, "file": line.file, "line": line.line,
                            "host_country": line.host_country, "ruleset": line.ruleset,
                            "verdict": line.verdict, **line.counts,
                            "principles_failed": list(line.failed)}
                           for line in self.sorted_lines()],
            "errors": [{"file": d.span.file if d.span else None,
                        "line": d.span.line if d.span else None,
                        "column": d.span.column if d.span else None,
                        "code": d.code, "message": d.message} for d in self.errors],
        }, indent=2, ensure_ascii=False))  # DEL, C1, U+2028, bidi controls escaped too

    def sorted_lines(self) -> list[Line]:
        return sorted(self.lines, key=lambda line: (line.file, line.line, line.id))

    def _head(self) -> str:
        return _("{proposals}, {failed} failed").format(
            proposals=_proposals(len(self.lines)),
            failed=sum(1 for x in self.lines if x.verdict == "fail"))

    def _topics(self) -> list[tuple[str, str]]:
        """What to ask the publishers for, each with how many proposals lack it."""
        return [(localise(t), _("{n} of {proposals}").format(
                    n=n, proposals=_proposals(len(self.lines))))
                for t, n in sorted(self.unpublished.items(), key=lambda i: (-i[1], i[0]))]

    def to_text(self) -> str:
        """The text table, in the active language (i18n.use)."""
        out = [_("portfolio: {summary} (fail on {fail_on})").format(
                   summary=self._head(), fail_on=self.fail_on), inputs_text(self.inputs), ""]
        out += _table((_("principle"), _("fail"), _("unknown"), _("pass")),
                      [(p, str(f), str(u), str(s)) for p, f, u, s in self.rows()])
        out += ["", _("proposals (fail / unknown / pass findings):")]
        out += _table((_("where"), _("id"), _("host"), _("verdict"), _("fail"), _("unknown"),
                       _("pass")),
                      [(visible(f"{x.file}:{x.line}"), visible(x.id),
                        visible(x.host_country or "?"), _(x.verdict),
                        str(x.counts["fail"]), str(x.counts["unknown"]),
                        str(x.counts["pass"])) for x in self.sorted_lines()])
        if self.unpublished:
            out += ["", _("not published in IATI: ask the publisher for")]
            out += [f"  {t} ({n})" for t, n in self._topics()]
        out += _errors_text(self.errors)
        return no_commands("\n".join(out))

    def to_markdown(self) -> str:
        """The Markdown tables, in the active language (i18n.use)."""
        out = [_("### Portfolio: {summary}").format(summary=self._head()), "",
               inputs_text(self.inputs, md_code), "",
               f"| {_('principle')} | {_('fail')} | {_('unknown')} | {_('pass')} |",
               "|---|---:|---:|---:|"]
        out += [f"| {p} | {f} | {u} | {s} |" for p, f, u, s in self.rows()]
        out += ["", f"| {_('where')} | {_('id')} | {_('host')} | {_('verdict')} | "
                    f"{_('fail')} | {_('unknown')} | {_('pass')} |",
                "|---|---|---|---|---:|---:|---:|"]
        out += [f"| {md_code(f'{x.file}:{x.line}', table=True)} | {md_text(x.id)} | "
                f"{md_text(x.host_country or '?')} | "
                f"{_(x.verdict)} | {x.counts['fail']} | {x.counts['unknown']} | "
                f"{x.counts['pass']} |" for x in self.sorted_lines()]
        if self.unpublished:
            out += ["", _("**Not published in IATI**, to ask the publisher for:"), ""]
            out += [f"- {md_text(t)} ({n})" for t, n in self._topics()]
        if self.errors:
            out += ["", _("**Could not be read:**"), ""]
            for d in (localise_diagnostic(d) for d in self.errors):
                out.append(f"- {md_code(str(d.span))} {d.code}: {md_text(d.message)}"
                           if d.span else f"- {d.code}: {md_text(d.message)}")
        return "\n".join(out)

    def render(self, fmt: str, lang: str | None = None) -> str:
        """The portfolio in `fmt`; text and Markdown in `lang` (English when None), JSON
        the same in every language."""
        if fmt == "json":
            return self.to_json()
        with use(translator(lang)):
            return self.to_markdown() if fmt == "markdown" else self.to_text()


def _table(head: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i == 0 or not c.isdigit() else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(head), *(line(r) for r in rows)]


def _errors_text(errors: list[Diagnostic]) -> list[str]:
    if not errors:
        return []
    said = [localise_diagnostic(d) for d in errors]
    return ["", _("could not be read:"), *(visible(f"  {d.span}: {_('error')}[{d.code}]: "
                                                   f"{d.message}" if d.span and d.span.line
                                                   else f"  {_('error')}[{d.code}]: "
                                                   f"{d.message}") for d in said)]


def _proposals(n: int) -> str:
    return ngettext("{n} proposal", "{n} proposals", n).format(n=n)

