"""Definitions: a `let` at a ruleset's top level, read by its rules and by the rules of the
rulesets that extend it (docs/language.md, section 5)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from strategies_lang import effective

from cappolicy.base.errors import CappolicyError, Diagnostic
from cappolicy.cli.main import main
from cappolicy.engine.evaluate import evaluate
from cappolicy.lang.cachedata import dumps_tree, loads_tree
from cappolicy.lang.fmt import format_text
from cappolicy.lang.parse import parse_text
from cappolicy.proposal.model import Proposal
from cappolicy.rulesets.diff import rule_changes

BASELINE = '''ruleset baseline "Baseline"
version "1.0"

param min_host: number = 1 higher is stricter

# host organisations, counted once for every rule that reads them
let host_orgs = count(o in organisations where o.country == host_country)

rule OWN-01 "Enough host organisations take part" {
  principle local-ownership
  require host_orgs >= min_host
  message "{host_orgs} host organisations take part."
}
'''

NATIONAL = '''ruleset xa "Arcadia"
extends baseline
jurisdiction XA

let foreign_orgs = count(organisations) - host_orgs

rule XA-01 "Host organisations outnumber foreign ones" {
  principle local-ownership
  require host_orgs > foreign_orgs
  message "{host_orgs} host organisations against {foreign_orgs} foreign ones."
}
'''


def chain(national: str = NATIONAL, baseline: str = BASELINE) -> dict[str, str]:
    return {"baseline.cpol": baseline, "national/xa.cpol": national}


def errors_of(tmp_path: Path, files: dict[str, str]) -> list[Diagnostic]:
    with pytest.raises(CappolicyError) as info:
        effective(tmp_path, files, "national/xa").compiled()
    return list(info.value.diagnostics)


def proposal(countries: list[str]) -> Proposal:
    return Proposal("p.yaml", {
        "cappolicy": 1, "id": "P-1", "title": "A programme", "host_country": "XA",
        "period": {"start": dt.date(2027, 1, 1), "end": dt.date(2029, 12, 31)},
        "organisations": [{"id": f"o{k}", "name": f"Org {k}", "country": c, "kind": "ngo"}
                          for k, c in enumerate(countries)],
    })


def messages(tmp_path: Path, countries: list[str], files: dict[str, str] | None = None
             ) -> dict[str, tuple[str, str]]:
    eff = effective(tmp_path, files or chain(), "national/xa")
    found = evaluate(eff.compiled(), proposal(countries), dt.date(2027, 1, 1), eff.id)
    return {f.rule: (f.outcome, f.message) for f in found}


def test_a_definition_is_read_by_its_rules_and_by_those_of_a_child(tmp_path: Path) -> None:
    got = messages(tmp_path, ["XA", "NL", "DE"])
    assert got["OWN-01"][0] == "pass"
    assert got["XA-01"] == ("fail", "1 host organisations against 2 foreign ones.")
    assert messages(tmp_path / "b", ["NL"])["OWN-01"] == ("fail", "0 host organisations "
                                                          "take part.")
    assert messages(tmp_path / "c", ["XA", "XA", "DE"])["XA-01"][0] == "pass"


def test_a_definition_is_compiled_once_for_every_rule_that_reads_it(tmp_path: Path) -> None:
    rules = {r.id: r for r in effective(tmp_path, chain(), "national/xa").compiled()}
    own = dict(rules["OWN-01"].lets)
    xa = dict(rules["XA-01"].lets)
    assert own["host_orgs"] is xa["host_orgs"]
    # a definition reading another comes after it among the rule's lets
    assert [name for name, _ in rules["XA-01"].lets] == ["host_orgs", "foreign_orgs"]


def test_a_finding_shows_a_definition_as_a_let(tmp_path: Path) -> None:
    eff = effective(tmp_path, chain(), "national/xa")
    [f] = [f for f in evaluate(eff.compiled(), proposal(["XA", "NL"]), dt.date(2027, 1, 1),
                               eff.id) if f.rule == "XA-01"]
    [ev] = f.evidence
    assert f.outcome == "fail" and (ev.expr, ev.left, ev.right) == (
        "host_orgs > foreign_orgs", "1", "1")


def test_a_child_cannot_redefine_a_parents_definition(tmp_path: Path) -> None:
    text = NATIONAL + "let host_orgs = 3\n"
    [d] = errors_of(tmp_path, chain(text))
    assert d.code == "CP217" and "host_orgs is defined twice: first by baseline" in d.message
    assert d.span is not None and d.span.file.endswith("xa.cpol") and d.span.line == 12


@pytest.mark.parametrize("name, said", [
    ("min_host", "the name of a param"),
    ("activities", "a top-level field"),
    ("as_of", "a built-in name"),
    ("training", "an enumeration value"),
    ("true", "a word of the language"),
])
def test_a_definition_takes_a_name_of_its_own(tmp_path: Path, name: str, said: str) -> None:
    text = NATIONAL.replace("let foreign_orgs = count(organisations) - host_orgs",
                            f"let {name} = 1\nlet foreign_orgs = count(organisations) - "
                            "host_orgs")
    diagnostics = errors_of(tmp_path, chain(text))
    assert [d.code for d in diagnostics] == ["CP217"] and said in diagnostics[0].message


def test_a_definition_reads_only_those_written_before_it(tmp_path: Path) -> None:
    later = BASELINE.replace(
        "let host_orgs = count(o in organisations where o.country == host_country)",
        "let host_orgs = count(o in organisations where o.country == host_country) - spare\n"
        "let spare = 0")
    [d] = errors_of(tmp_path, chain(baseline=later))  # said once, and not again by readers
    assert d.code == "CP217" and "reads spare, which is written after it" in d.message
    itself = BASELINE.replace("where o.country == host_country)",
                              "where o.country == host_country) + host_orgs")
    [d] = errors_of(tmp_path / "b", chain(baseline=itself))
    assert d.code == "CP217" and "reads host_orgs, itself" in d.message


def test_a_variable_of_a_rule_hides_a_definition_inside_the_rule(tmp_path: Path) -> None:
    text = NATIONAL + ('\nrule XA-02 "x" {\n  principle local-ownership\n'
                       "  let host_orgs = 5\n  require host_orgs > 4 and foreign_orgs == 1\n}\n"
                       '\nrule XA-03 "y" {\n  principle local-ownership\n'
                       "  require all host_orgs in organisations: host_orgs.country != XB\n}\n")
    got = messages(tmp_path, ["XA", "NL"], chain(text))
    assert (got["XA-02"][0], got["XA-03"][0]) == ("pass", "pass")
    # a child's definition named as a parent rule's variable changes nothing of the rule
    child = NATIONAL + "let o = 1\nlet n = 2\n"
    got = messages(tmp_path / "b", ["XA", "NL"], chain(child))
    assert got["OWN-01"][0] == "pass"


def test_names_that_are_not_read_are_not_taken_for_reads(tmp_path: Path) -> None:
    text = NATIONAL.replace("let foreign_orgs = count(organisations) - host_orgs",
                            "let funded = count(graph.edges(kind: funds))\nlet funds = 3\n"
                            "let foreign_orgs = count(organisations) - host_orgs")
    eff = effective(tmp_path, chain(text), "national/xa")
    assert {r.id: [n for n, _ in r.lets] for r in eff.compiled()} == {
        "OWN-01": ["host_orgs"], "XA-01": ["host_orgs", "foreign_orgs"]}


def test_a_definition_no_rule_reads_is_still_checked(tmp_path: Path) -> None:
    text = NATIONAL + "let bad = nosuchname + 1\n"
    [d] = errors_of(tmp_path, chain(text))
    assert d.code == "CP201" and "nosuchname" in d.message


def test_a_money_definition_is_held_to_the_proposals_currency_in_every_rule(
        tmp_path: Path) -> None:
    text = NATIONAL + ("let cap = 100 EUR\nlet floor = cap * 2\n"
                       '\nrule XA-02 "a" {\n  principle co-financing\n'
                       "  require sum(sum(s.by_year) for s in funding.sources) >= floor\n}\n"
                       '\nrule XA-03 "b" {\n  principle co-financing\n  let y = cap * 2\n'
                       "  require sum(sum(s.by_year) for s in funding.sources) >= y\n}\n")
    eff = effective(tmp_path, chain(text), "national/xa")
    p = proposal(["XA"])
    p = Proposal(p.file, {**p.data, "funding": {"currency": "GBP", "sources": [
        {"from": "o0", "by_year": {2027: 1000}}]}})
    found = {f.rule: f.outcome for f in evaluate(eff.compiled(), p, dt.date(2027, 1, 1),
                                                  eff.id)}
    assert (found["XA-02"], found["XA-03"]) == ("unknown", "unknown")


def test_the_params_a_definition_reads_are_those_of_each_rule_reading_it(
        tmp_path: Path) -> None:
    relaxed = NATIONAL + ('set min_host = 0 because "Smaller countries"\n'
                          "let need = min_host + 1\nlet need_more = need + 1\n"
                          '\nrule XA-04 "c" {\n  principle local-ownership\n'
                          "  require host_orgs >= need_more\n}\n")
    rules = {r.id: r for r in effective(tmp_path, chain(relaxed), "national/xa").compiled()}
    assert [u.name for u in rules["XA-04"].params] == ["min_host"]
    assert [name for name, _ in rules["XA-04"].lets] == ["host_orgs", "need", "need_more"]


def test_a_long_or_wide_chain_of_definitions_is_bounded(tmp_path: Path) -> None:
    wide = "".join(f"let w{k} = w{k - 1} + w{k - 1} - w{k - 1}\n" for k in range(1, 40))
    text = NATIONAL + "let w0 = count(organisations)\n" + wide + (
        '\nrule XA-02 "w" {\n  principle local-ownership\n  for o in organisations '
        'where w39 == 2\n  require w39 == 2\n}\n')
    assert {v[0] for k, v in messages(tmp_path, ["XA", "NL"], chain(text)).items()
            if k == "XA-02"} == {"pass"}
    deep = "".join(f"let d{k} = d{k - 1} + 1\n" for k in range(1, 80))
    text = NATIONAL + "let d0 = 0\n" + deep + (
        '\nrule XA-02 "d" {\n  principle local-ownership\n  require d79 > 0\n}\n')
    diagnostics = errors_of(tmp_path / "b", chain(text))
    assert {d.code for d in diagnostics} == {"CP217"}
    assert "reads through 64 definitions, more than 63" in diagnostics[0].message


def test_a_for_clause_may_read_a_definition(tmp_path: Path) -> None:
    text = NATIONAL + ('\nrule XA-02 "x" {\n  principle local-ownership\n'
                       "  for o in organisations where foreign_orgs > 1 and o.country != XA\n"
                       '  require o.kind != ngo\n  message "{o.id} of {foreign_orgs}"\n}\n')
    got = messages(tmp_path, ["XA", "NL"], chain(text))
    assert got["XA-02"][0] == "not-applicable"
    eff = effective(tmp_path / "b", chain(text), "national/xa")
    found = [f for f in evaluate(eff.compiled(), proposal(["XA", "NL", "DE"]),
                                 dt.date(2027, 1, 1), eff.id) if f.rule == "XA-02"]
    assert [(f.outcome, f.message) for f in found] == [("fail", "o1 of 2"), ("fail", "o2 of 2")]


def test_no_definition_is_first_computed_inside_a_graph_search(tmp_path: Path) -> None:
    text = NATIONAL + ('\nrule XA-02 "x" {\n  principle local-ownership\n'
                       "  for o in graph.nodes(kind: organisation)\n"
                       "      where graph.reaches(o, n -> foreign_orgs > 1, via: [funds])\n"
                       "  require true\n}\n")
    diagnostics = errors_of(tmp_path, chain(text))
    assert [d.code for d in diagnostics] == ["CP217"], diagnostics
    assert "inside a node condition" in diagnostics[0].message


def test_an_error_in_a_definition_is_said_once_where_it_is_written(tmp_path: Path) -> None:
    wrong = BASELINE.replace("where o.country == host_country)",
                             "where o.country == host_country) + period.start")
    text = NATIONAL.replace("- host_orgs", "- 0") + (
        '\nrule XA-02 "y" {\n  principle local-ownership\n  require host_orgs > 0\n}\n')
    diagnostics = errors_of(tmp_path, chain(text, wrong))
    assert [d.code for d in diagnostics] == ["CP203"]
    assert diagnostics[0].span is not None and diagnostics[0].span.file.endswith(
        "baseline.cpol")


def test_a_message_override_may_read_a_definition(tmp_path: Path) -> None:
    text = NATIONAL + ('override OWN-01 message "Only {host_orgs} of {foreign_orgs}." '
                       'because "Plainer"\n')
    got = messages(tmp_path, ["NL"], chain(text))
    assert got["OWN-01"] == ("fail", "Only 0 of 1.")


def test_a_changed_definition_changes_every_rule_that_reads_it(tmp_path: Path) -> None:
    old = effective(tmp_path / "old", chain(), "national/xa")
    changed = BASELINE.replace("o.country == host_country)", "o.country == host_country "
                               "and o.kind != ngo)")
    new = effective(tmp_path / "new", chain(baseline=changed), "national/xa")
    assert sorted(c.rule for c in rule_changes(old, new) if c.kind == "condition") == [
        "OWN-01", "XA-01"]


def test_fmt_keeps_a_definition_and_the_cache_keeps_it(tmp_path: Path) -> None:
    messy = BASELINE.replace("let host_orgs = count(o in organisations where o.country == "
                             "host_country)", "let   host_orgs=count(o in organisations\n"
                             "   where o.country==host_country)")
    assert format_text(messy, "b.cpol") == BASELINE
    tree = parse_text(BASELINE, "b.cpol")
    assert loads_tree(dumps_tree(tree), "b.cpol") == tree


def test_lint_warns_of_a_definition_no_rule_reads(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "rules"
    (folder / "national").mkdir(parents=True)
    (folder / "baseline.cpol").write_text(BASELINE + "let spare = 2\n", encoding="utf-8")
    (folder / "national" / "xa.cpol").write_text(NATIONAL, encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--rulesets", str(folder), "baseline",
                                       "national/xa"])
    assert "Traceback" not in result.output
    assert "warning[CP263]" in result.output and "the definition spare is read by no rule" \
        in result.output
    assert result.output.count("CP263") == 1


def test_rulesets_show_lists_each_definition_with_the_rules_that_read_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "rules"
    (folder / "national").mkdir(parents=True)
    (folder / "baseline.cpol").write_text(BASELINE, encoding="utf-8")
    (folder / "national" / "xa.cpol").write_text(NATIONAL, encoding="utf-8")
    shown = CliRunner().invoke(main, ["rulesets", "show", "--rulesets", "rules", "national/xa"])
    assert shown.exit_code == 0, shown.output
    assert "Definitions (2)\n  host_orgs = count(o in organisations where o.country == " \
        "host_country)\n    defined   in baseline at rules/baseline.cpol:7\n" \
        "    read by   OWN-01, XA-01\n  foreign_orgs = count(organisations) - host_orgs\n" \
        "    defined   in national/xa at rules/national/xa.cpol:5\n    read by   XA-01\n" \
        in shown.output
    data = json.loads(CliRunner().invoke(main, ["rulesets", "show", "--rulesets", "rules",
                                                "national/xa", "--format", "json"]).output)
    assert [(d["name"], d["origin"]["layer"], d["origin"]["line"], d["read_by"])
            for d in data["definitions"]] == [("host_orgs", "baseline", 7, ["OWN-01", "XA-01"]),
                                              ("foreign_orgs", "national/xa", 5, ["XA-01"])]
