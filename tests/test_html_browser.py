"""The examples' HTML report opened in a real browser (headless Chromium, through the
DevTools protocol: tests/browser.py), checked for what a person sees: every failing
rule present, each graph drawn, the filters and sorting working, no console error, and
not one request leaving the page.

Chromium is Debian's `chromium`; .ci/run installs it, so in CI (CI set) a missing
browser fails this test instead of skipping it. With CAPPOLICY_SCREENSHOTS=1 the test
also writes docs/report.png and docs/report-proposal.png, the pictures the README shows.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Browser, chromium
from click.testing import CliRunner

from cappolicy.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-12-01"

EXE = chromium()
if EXE is None and os.environ.get("CI"):
    raise RuntimeError("headless Chromium is missing in CI: .ci/run installs Debian's chromium")
pytestmark = pytest.mark.skipif(EXE is None, reason="Chromium is not installed here "
                                "(apt-get install chromium; .ci/run does)")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("html")
    page, data = out / "report.html", out / "report.json"
    here = os.getcwd()
    os.chdir(ROOT)  # so that the page names the files as the README's command does
    try:
        result = CliRunner().invoke(main, ["check", "examples", "--as-of", AS_OF, "--output",
                                           f"html={page}", "--output", f"json={data}"])
    finally:
        os.chdir(here)
    assert result.exit_code == 2, result.output  # examples/incoherent holds unloadable files
    return page, json.loads(data.read_text(encoding="utf-8"))


@pytest.fixture()
def browser(report: tuple[Path, dict[str, Any]]) -> Iterator[tuple[Browser, str]]:
    assert EXE is not None
    b = Browser(EXE)
    try:
        url = report[0].resolve().as_uri()
        b.open(url)
        yield b, url
    finally:
        b.close()


def test_the_page_loads_nothing_and_logs_no_error(browser: tuple[Browser, str]) -> None:
    b, url = browser
    b.evaluate("document.getElementById('filter-text').value = 'DEC'; "
               "document.getElementById('filters').dispatchEvent(new Event('input'))")
    assert b.problems(url) == []


def test_a_request_from_the_page_is_caught(tmp_path: Path) -> None:
    """The check above would see a page that reaches out (the test of the test)."""
    assert EXE is not None
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><title>x</title><img src="http://127.0.0.1:9/x.png">',
                    encoding="utf-8")
    b = Browser(EXE)
    try:
        b.open(page.as_uri())
        assert any(p.startswith("request: http://127.0.0.1:9/") for p in b.problems(page.as_uri()))
    finally:
        b.close()


def test_every_failing_rule_is_on_the_page_of_its_proposal(
        browser: tuple[Browser, str], report: tuple[Path, dict[str, Any]]) -> None:
    b, _ = browser
    sections = b.evaluate("""Array.from(document.querySelectorAll('section.proposal')).map(
        s => ({file: s.querySelector('.meta .file').innerText, text: s.innerText}))""")
    shown = {s["file"]: s["text"] for s in sections}
    results = report[1]["results"]
    assert len(shown) == len(results)
    for result in results:
        failing = {f["rule"] for f in result["findings"] if f["outcome"] == "fail"}
        for rule in failing:
            assert rule in shown[result["file"]], (result["file"], rule)
    errors = b.evaluate("Array.from(document.querySelectorAll('section.file-error h2'))"
                        ".map(h => h.innerText)")
    assert len(errors) == len(report[1]["errors"])


def test_each_graph_is_drawn_and_its_marks_lead_to_findings(
        browser: tuple[Browser, str], report: tuple[Path, dict[str, Any]]) -> None:
    b, _ = browser
    about_elements = {r["file"] for r in report[1]["results"] for f in r["findings"]
                      if f["outcome"] == "fail" and f["path"].startswith(
                          ("organisations", "governance", "activities"))}
    graphs = b.evaluate("""Array.from(document.querySelectorAll('section.proposal')).map(s => {
        const svg = s.querySelector('svg.governance');
        if (!svg) return null;
        const box = svg.getBoundingClientRect();
        const marks = Array.from(svg.querySelectorAll('a')).map(a => a.getAttribute('href'));
        return {width: box.width, height: box.height,
                nodes: svg.querySelectorAll('g.node rect').length,
                drawn: Array.from(svg.querySelectorAll('g.node')).filter(
                    g => g.getBBox().width > 0).length,
                edges: svg.querySelectorAll('g.edge path').length,
                marks: marks, targets: marks.filter(h => document.querySelector(h)).length,
                file: s.querySelector('.meta .file').innerText};
    })""")
    assert graphs and None not in graphs
    for g in graphs:
        assert g["width"] > 100 and g["height"] > 50
        assert g["nodes"] > 1 and g["drawn"] == g["nodes"] and g["edges"] > 0
        assert g["targets"] == len(g["marks"])  # every mark links to a finding of the page
        if g["file"] in about_elements:  # a finding about an organisation, body, activity
            assert g["marks"], g["file"]
    assert about_elements and about_elements <= {g["file"] for g in graphs}


def visible_findings(b: Browser) -> list[dict[str, str]]:
    value: list[dict[str, str]] = b.evaluate(
        "Array.from(document.querySelectorAll('article.finding'))"
        ".filter(a => a.offsetParent !== null)"
        ".map(a => ({rule: a.dataset.rule, outcome: a.dataset.outcome}))")
    return value


def test_the_filters_hide_what_is_not_asked_for(browser: tuple[Browser, str]) -> None:
    b, _ = browser
    everything = visible_findings(b)
    assert {f["outcome"] for f in everything} == {"fail", "unknown", "waived"}
    b.evaluate("{ const t = document.getElementById('filter-text'); t.value = 'dec-01';"
               "t.dispatchEvent(new Event('input', {bubbles: true})); }")
    shown = visible_findings(b)
    assert shown and {f["rule"] for f in shown} == {"DEC-01"}
    assert len(shown) == sum(1 for f in everything if f["rule"] == "DEC-01")
    rows = b.evaluate("Array.from(document.querySelectorAll('tr.principle-row'))"
                      ".filter(r => r.offsetParent !== null).map(r => r.dataset.principle)")
    assert rows == ["decision-rights"]
    b.evaluate("{ const t = document.getElementById('filter-text'); t.value = '';"
               "t.dispatchEvent(new Event('input', {bubbles: true}));"
               "document.querySelector('.filter-outcome[value=fail]').click(); }")
    shown = visible_findings(b)
    assert shown and "fail" not in {f["outcome"] for f in shown}
    assert len(shown) == sum(1 for f in everything if f["outcome"] != "fail")


def test_the_summary_sorts_by_a_column(browser: tuple[Browser, str]) -> None:
    b, _ = browser

    def column(index: int) -> list[float]:
        value: list[float] = b.evaluate(
            "Array.from(document.querySelectorAll('table.principles tbody tr'))"
            f".map(r => Number(r.cells[{index}].dataset.value))")
        return value

    b.evaluate("document.querySelectorAll('table.principles thead th')[4]"
               ".querySelector('button').click()")
    assert column(4) == sorted(column(4))
    b.evaluate("document.querySelectorAll('table.principles thead th')[4]"
               ".querySelector('button').click()")
    assert column(4) == sorted(column(4), reverse=True)


def test_the_page_as_a_person_sees_it(browser: tuple[Browser, str], tmp_path: Path) -> None:
    """A screenshot of the top of the report and of one proposal; kept under docs/ when
    CAPPOLICY_SCREENSHOTS=1."""
    b, _ = browser
    keep = os.environ.get("CAPPOLICY_SCREENSHOTS") == "1"
    folder = ROOT / "docs" if keep else tmp_path
    b.screenshot(folder / "report.png", 1200, 1500)
    top = b.evaluate("(() => { const s = [...document.querySelectorAll('section.proposal')]"
                     ".find(s => s.innerText.includes('xb-donor-led.yaml'));"
                     "window.scrollTo(0, s.offsetTop); return s.offsetTop; })()")
    assert top > 0
    b.screenshot(folder / "report-proposal.png", 1200, 1500)
    for name in ("report.png", "report-proposal.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_prints(browser: tuple[Browser, str]) -> None:
    b, url = browser
    pdf = b.pdf()
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page") > 5
    assert b.problems(url) == []


def test_the_french_page_shows_every_failing_rule_with_its_graph(
        tmp_path: Path, report: tuple[Path, dict[str, Any]]) -> None:
    """`--lang fr`: the page a French reader opens, every failing rule of each proposal on
    it, in French, with the graphs, loading nothing and logging no error."""
    assert EXE is not None
    page = tmp_path / "rapport.html"
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(main, ["check", "examples", "--as-of", AS_OF, "--output",
                                           f"html={page}", "--lang", "fr"])
    finally:
        os.chdir(here)
    assert result.exit_code == 2, result.output
    b = Browser(EXE)
    try:
        url = page.resolve().as_uri()
        b.open(url)
        seen = b.evaluate("""({lang: document.documentElement.lang,
            heading: document.querySelector('h1').innerText,
            principles: document.getElementById('principles-title').innerText,
            last: document.querySelector('footer').innerText,
            sections: Array.from(document.querySelectorAll('section.proposal')).map(s => {
                const svg = s.querySelector('svg.governance');
                return {file: s.querySelector('.meta .file').innerText, text: s.innerText,
                        rules: Array.from(s.querySelectorAll('article.finding.outcome-fail'))
                            .map(a => a.dataset.rule),
                        nodes: svg ? Array.from(svg.querySelectorAll('g.node')).filter(
                            g => g.getBBox().width > 0).length : 0,
                        edges: svg ? svg.querySelectorAll('g.edge path').length : 0};
            })})""")
        assert seen["lang"] == "fr"
        assert seen["heading"].startswith("Rapport de conformité")
        assert seen["principles"] == "Constats par principe"
        assert seen["last"].startswith("langue fr\u202f: ")
        shown = {s["file"]: s for s in seen["sections"]}
        results = report[1]["results"]
        assert len(shown) == len(results)
        for r in results:
            section = shown[r["file"]]
            failing = [f["rule"] for f in r["findings"] if f["outcome"] == "fail"]
            assert sorted(section["rules"]) == sorted(failing), r["file"]
            for rule in failing:
                assert rule in section["text"], (r["file"], rule)
            assert section["nodes"] > 1 and section["edges"] > 0, r["file"]
        assert any("graphe de gouvernance" in s["text"].lower() for s in seen["sections"])
        assert b.problems(url) == []
    finally:
        b.close()
