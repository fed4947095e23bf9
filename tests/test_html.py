"""The HTML report (render/html.py): a page that loads nothing, escapes every text from a
proposal or a rule file, draws each proposal's governance with or without Graphviz, and
takes its fixed text and its numbers and dates through hooks."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import CHECK_FORMATS, main
from cappolicy.render import FORMATS, ProposalResult, Report, render
from cappolicy.render.html import Texts, render_html

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"

#: a proposal whose every free text is an attack on the page
PROPOSAL = r"""cappolicy: 1
id: "</script><script>alert('id')</script>"
title: "<script>alert(1)</script> \"quoted\" 'single' & javascript:alert(2) \e[31m \x07 \u2028"
host_country: XA
period: {start: 2028-01-01, end: 2030-12-31}
organisations:
  - {id: "javascript:alert(3)", name: "\"><img src=x onerror=alert(4)>", country: XA, kind: ministry}
  - {id: donor-b, name: "</title><script>alert(5)</script>", country: NL, kind: donor}
roles:
  design: ["javascript:alert(3)"]
  implementation: [donor-b]
funding:
  currency: EUR
  sources:
    - {from: donor-b, type: grant, by_year: {2028: 500000}}
activities:
  - id: "A<1>"
    title: "<b>bold</b>"
    type: equipment
    led_by: donor-b
    start: 2028-01-01
    end: 2030-12-31
governance:
  bodies:
    - {id: "st\"eer' onmouseover='alert(12)", kind: steering-committee, chair: [donor-b], members: [donor-b]}
"""

#: a rule file whose every free text is one too
RULES = r"""ruleset hostile "Hostile <script>alert(6)</script>"
version "1"
rule H-01 "Title </script><script>alert(7)</script>" {
  principle evil-principle
  source "javascript:alert(8) \" onmouseover=\"alert(9)"
  severity must
  for act in activities
  require act.led_by.country == host_country
  message "Led by {act.led_by} </script><script>alert(10)</script> \u001b[31m \u0000"
  hint "<a href=\"javascript:alert(11)\">click</a>"
}
"""


class Page(HTMLParser):
    """What a browser would build: elements, their attributes, the text, script blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in, self._attrs = tag, dict(attrs)
            self._buffer: list[str] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            body = "".join(self._buffer)
            if tag == "script":
                self.scripts.append((self._attrs, body))
            else:
                self.styles.append(body)
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._buffer.append(data)
        else:
            self.text.append(data)


def parsed(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture()
def hostile(tmp_path: Path) -> str:
    (tmp_path / "p.yaml").write_text(PROPOSAL, encoding="utf-8")
    (tmp_path / "hostile.cpol").write_text(RULES, encoding="utf-8")
    out = tmp_path / "report.html"
    result = run("check", str(tmp_path / "p.yaml"), "--ruleset", str(tmp_path / "hostile.cpol"),
                 "--output", f"html={out}", "--format", "json")
    assert result.exit_code == 1, result.output
    return out.read_text(encoding="utf-8")


def test_html_is_a_format_of_check_and_of_render() -> None:
    assert "html" in FORMATS and "html" in CHECK_FORMATS


def test_hostile_text_reaches_the_page_as_text(hostile: str) -> None:
    page = parsed(hostile)
    # the only scripts are the page's own: its data block and its inline script
    assert [a.get("type") for a, _ in page.scripts] == ["application/json", None]
    assert {tag for tag, _ in page.tags} <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
        "span", "main", "section", "table", "thead", "tbody", "tr", "th", "td", "a", "code",
        "form", "label", "input", "figure", "figcaption", "svg", "defs", "marker", "path",
        "g", "rect", "text", "article", "dl", "dt", "dd", "div", "cite", "pre", "br",
        "script", "ul", "li"}
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                assert value is not None and value.startswith("#"), (tag, name, value)
    text = "".join(page.text)
    for shown in ("<script>alert(1)</script>", '"><img src=x onerror=alert(4)>',
                  "</script><script>alert(10)</script>", "A<1>", "<b>bold</b>",
                  '<a href="javascript:alert(11)">click</a>', "javascript:alert(8)"):
        assert shown in text, shown
    # control characters spelled out, as the text report spells them; none reaches the page
    assert "\\x1b[31m" in text and "\\x07" in text and "\\u2028" in text
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]", hostile)


def test_data_in_the_page_cannot_close_its_script_block(hostile: str) -> None:
    page = parsed(hostile)
    (_, data), (_, script) = page.scripts
    assert "</" not in data and "<script" not in data.lower()
    proposals = json.loads(data)["proposals"]
    assert proposals[0]["id"] == "</script><script>alert('id')</script>"
    assert proposals[0]["failing"] == ["H-01"]
    assert "alert" not in script  # the page's script holds nothing of the proposal


def test_the_page_allows_only_its_own_inline_style_and_script(hostile: str) -> None:
    page = parsed(hostile)
    csp = next(a["content"] for t, a in page.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and csp.startswith("default-src 'none';")

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    (style,) = page.styles
    script = page.scripts[1][1]
    assert f"style-src 'sha256-{digest(style)}'" in csp
    assert f"script-src 'sha256-{digest(script)}'" in csp
    assert "http:" not in hostile.replace("http://www.w3.org/2000/svg", "")
    assert "https:" not in hostile and "url(http" not in hostile


def test_marked_nodes_link_to_their_findings(hostile: str) -> None:
    page = parsed(hostile)
    anchors = {a["id"] for t, a in page.tags if t == "article"}
    links = [a["href"] for t, a in page.tags if t == "a" and (a.get("href") or "").startswith("#p0-")]
    assert links and {link[1:] for link in links} <= anchors  # type: ignore[index]
    marked = [a for t, a in page.tags if t == "g" and "marked" in (a.get("class") or "")]
    assert {a.get("data-node") for a in marked} >= {"donor-b", "A<1>"}


def result_of(tmp_path: Path, name: str) -> Report:
    source = tmp_path / name
    source.write_text((EXAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "r.json"
    run("check", str(source), "--output", f"json={out}")
    return load_report(out)


def load_report(path: Path) -> Report:
    from cappolicy.render.jsonfmt import findings_from_json

    doc = json.loads(path.read_text(encoding="utf-8"))
    results = [ProposalResult(file=r["file"], proposal_id=r["proposal"],
                              host_country=r.get("host_country"), ruleset=r["ruleset"],
                              findings=tuple(findings))
               for r, findings in findings_from_json(doc)]
    return Report(results=results, errors=(), fail_on="must", as_of=dt.date(2026, 1, 1),
                  tool_version="0")


def test_without_graphviz_the_graph_is_drawn_here(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    report = result_of(tmp_path, "xb-donor-led.yaml")
    monkeypatch.setattr("shutil.which", lambda name, *a, **k: None)
    page = render(report, "html")
    assert 'data-engine="layered"' in page and "drawn without Graphviz" in page
    nodes = re.findall(r'<g class="node[^"]*" id="p0-n\d+" data-node="([^"]*)"', page)
    assert {"de-agency", "steering", "A1", "A2", "xb-cert"} <= set(nodes)
    marked = re.findall(r'<g class="node marked" id="p0-n\d+" data-node="([^"]*)"', page)
    assert {"de-agency", "fr-impl", "steering", "A1"} <= set(marked)


def test_with_graphviz_the_layout_is_dot_s(tmp_path: Path) -> None:
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed here (.ci/run installs it)")
    page = render(result_of(tmp_path, "xb-donor-led.yaml"), "html")
    assert 'data-engine="dot"' in page


def test_a_proposal_that_cannot_be_read_again_is_shown_without_its_graph(
        tmp_path: Path) -> None:
    report = result_of(tmp_path, "xb-donor-led.yaml")
    (tmp_path / "xb-donor-led.yaml").unlink()
    page = render(report, "html")
    assert "The governance graph is not drawn: the proposal could not be read again" in page
    assert "DEC-01" in page and "<svg" not in page


def test_fixed_text_numbers_and_dates_go_through_the_hooks(tmp_path: Path) -> None:
    report = result_of(tmp_path, "xb-donor-led.yaml")
    seen: list[str] = []

    def gettext(text: str) -> str:
        seen.append(text)
        return f"«{text}»"

    texts = Texts(gettext=gettext, ngettext=lambda s, p, n: f"«{s if n == 1 else p}»",
                  number=lambda n: f"#{n}", date=lambda d: f"D{d:%d.%m.%Y}", lang="xx")
    page = render_html(report, texts=texts)
    assert '<html lang="xx">' in page
    assert "«Findings by principle»" in page and "«message»" in page and "«hint»" in page
    assert "D01.01.2026" in page and ">#9<" in page
    assert "Findings by principle" in seen


def test_other_formats_are_unchanged_by_an_html_output(tmp_path: Path) -> None:
    source = tmp_path / "p.yaml"
    source.write_text((EXAMPLES / "xb-donor-led.yaml").read_text(encoding="utf-8"),
                      encoding="utf-8")
    alone = run("check", str(source), "--format", "json", "--as-of", "2026-01-01")
    both = run("check", str(source), "--format", "json", "--as-of", "2026-01-01",
               "--output", f"html={tmp_path / 'r.html'}")
    assert alone.stdout == both.stdout and (tmp_path / "r.html").is_file()


def test_a_graph_too_large_to_read_is_not_drawn(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((EXAMPLES / "xb-donor-led.yaml").read_text(encoding="utf-8"))
    data["organisations"] += [{"id": f"org-{i}", "name": f"Organisation {i}", "country": "XB",
                               "kind": "industry"} for i in range(300)]
    source = tmp_path / "big.json"
    source.write_text(json.dumps(data, default=str), encoding="utf-8")
    out = tmp_path / "r.html"
    result = run("check", str(source), "--output", f"html={out}")
    assert result.exit_code == 1, result.output
    page = out.read_text(encoding="utf-8")
    assert "<svg" not in page and "DEC-01" in page
    assert re.search(r"The governance graph is not drawn: \d+ nodes are more than a page can "
                     r"show \(300\); cappolicy graph .*big.json draws it", page)
    result = run("check", str(source), "--output", f"html={out}", "--lang", "fr")
    assert result.exit_code == 1, result.output
    page = out.read_text(encoding="utf-8")
    # French puts a narrow no-break space before a colon or a semicolon
    assert re.search(r"Le graphe de gouvernance n’est pas dessiné\u202f: \d+ nœuds, c’est plus "
                     r"qu’une page n’en peut montrer \(300\)\u202f; cappolicy graph .*big.json "
                     r"le dessine", page)


def examples_page(tmp_path: Path, *lang: str) -> str:
    out = tmp_path / f"report-{'-'.join(lang) or 'en'}.html"
    result = run("check", str(EXAMPLES.parent), "--as-of", "2026-06-01", "--output",
                 f"html={out}", "--format", "json", *(("--lang", *lang) if lang else ()))
    assert result.exit_code == 2, result.output  # examples/incoherent holds unloadable files
    return out.read_text(encoding="utf-8")


def test_the_page_follows_the_readers_language(tmp_path: Path) -> None:
    english, french = examples_page(tmp_path), examples_page(tmp_path, "fr")
    assert '<html lang="fr">' in french and '<html lang="en">' in english
    # the fixed text from the French catalogue, none of it left in English
    for label in ("Rapport de conformité", "Constats par principe", "Graphe de gouvernance",
                  "<dt>conseil</dt>", "Vérifié le 1 juin 2026", "17 propositions",
                  "3 fichiers non chargés", "organisation du pays hôte"):
        assert label in french, label
    for label in ("Policy compliance report", "Findings by principle", "<dt>hint</dt>",
                  "Checked on", "host organisation"):
        assert label not in french and label in english, label
    # the baseline's French messages and hints, their values in the French locale
    assert ("Les lignes budgétaires totalisent 12\u202f150\u202f000, plus que les "
            "4\u202f050\u202f000 de funding.sources") in french
    assert "The budget lines add up to 12150000, more than the 4050000 of" in english
    assert "Ramenez les dates de l’activité A1 dans la période (entre le 1 octobre 2026" in french
    # the same findings, rule by rule
    finding = re.compile(r'<article class="finding[^"]*" id="[^"]*" data-rule="([^"]*)"')
    assert sorted(finding.findall(french)) == sorted(finding.findall(english))
    assert len(finding.findall(french)) > 50
    # last, the strings shown in English for want of a translation, as in the text report
    assert french.rstrip("\n").endswith("</html>") and "<footer>" not in english
    text = run("check", str(EXAMPLES.parent), "--as-of", "2026-06-01", "--lang", "fr").stdout
    last = text.rstrip("\n").splitlines()[-1]
    assert last.startswith("langue fr\u202f: ")
    assert f'<footer><p class="untranslated">{last}</p></footer>' in french


def test_a_spanish_page_and_an_english_one_as_before(tmp_path: Path) -> None:
    spanish = examples_page(tmp_path, "es")
    assert '<html lang="es">' in spanish and "Hallazgos por principio" in spanish
    assert "1 de junio de 2026" in spanish
    # English asked for is the page as written without --lang, byte for byte
    assert examples_page(tmp_path, "en") == examples_page(tmp_path)


def test_graphviz_has_one_budget_for_the_whole_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page of many proposals whose graphs Graphviz is slow to lay out (a stranger's
    among them) waited up to a minute for each: once the page's budget is spent, the
    others are drawn without Graphviz, and the page says so under each."""
    import os

    from cappolicy.render import graphout

    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho x >> '{calls}'\nexec sleep 5\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(graphout, "DOT_BUDGET", 0.5)
    names = ["xb-donor-led.yaml", "xa-cirt-good.yaml", "xc-unassessed-risks.yaml"]
    for name in names:
        (tmp_path / name).write_text((EXAMPLES / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    out = tmp_path / "r.json"
    run("check", *(str(tmp_path / n) for n in names), "--output", f"json={out}")
    page = render(load_report(out), "html")
    assert calls.read_text(encoding="utf-8").count("x") == 1  # the first, then no more
    assert page.count('data-engine="layered"') == len(names)
    assert page.count("drawn without Graphviz") == len(names)
