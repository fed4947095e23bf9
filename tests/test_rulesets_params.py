"""What a child layer's `set` of a parent's param is called, in every view: `rulesets show
--changes`, `rulesets diff`, the param line of a finding and lint's CP250; and the params a
layer may not declare or set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from strategies_lang import write_rulesets

from cappolicy.base.errors import Diagnostic
from cappolicy.cli.main import main
from cappolicy.rulesets.catalog import Catalog, resolve_collecting
from cappolicy.rulesets.diff import param_changes

ROOT = '''ruleset rg "Region"
param min_outcome_indicators: number = 2 "Least number of outcome indicators"
{params}
rule RG-01 "Enough outcome indicators" {{
  principle measurable-outcomes
  let n = count(i in indicators where i.kind == "outcome")
  require n >= min_outcome_indicators
  message "Only {{n}} outcome indicators; {{min_outcome_indicators}} are required."
  hint "Add outcome indicators."
}}
'''

CHILD = '''ruleset xd "Dorado"
extends regional/rg
jurisdiction XD
{changes}
'''


def layers(tmp_path: Path, changes: str, params: str = "") -> Catalog:
    return write_rulesets(tmp_path, {
        "regional/rg.cpol": ROOT.format(params=params),
        "national/xd.cpol": CHILD.format(changes=changes)})


def resolved(tmp_path: Path, changes: str, params: str = "") -> tuple[
        dict[str, str], list[Diagnostic]]:
    """The direction of each param change national/xd makes, and its diagnostics."""
    catalog = layers(tmp_path, changes, params)
    parent, _ = resolve_collecting(catalog, catalog.sources["regional/rg"])
    child, errors = resolve_collecting(catalog, catalog.sources["national/xd"])
    return {c.name: c.direction for c in param_changes(parent, child)}, errors


def cli(tmp_path: Path, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--rulesets", str(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output


def test_a_change_to_a_param_without_direction_is_a_relaxation_in_every_view(
        tmp_path: Path) -> None:
    changes, errors = resolved(tmp_path, 'set min_outcome_indicators = 1 because "Policy"')
    assert changes == {"min_outcome_indicators": "relaxes"} and errors == []
    shown = cli(tmp_path, "rulesets", "show", "national/xd", "--changes")
    assert "min_outcome_indicators: 2 -> 1 (RELAXES)" in shown, shown
    compared = cli(tmp_path, "rulesets", "diff", "regional/rg", "national/xd")
    assert "min_outcome_indicators: 2 -> 1 (RELAXES)" in compared, compared
    # raising it relaxes too: without a direction, no change can be shown not to relax
    assert resolved(tmp_path, 'set min_outcome_indicators = 3 because "Policy"')[0] == {
        "min_outcome_indicators": "relaxes"}
    (tmp_path / "national" / "xd.cpol").write_text(
        CHILD.format(changes="set min_outcome_indicators = 1"), encoding="utf-8")
    linted = cli(tmp_path, "lint", "national/xd")
    assert "`set min_outcome_indicators` relaxes 2 (from regional/rg) to 1 and gives no " \
        "reason" in linted, linted




@pytest.mark.parametrize("value", ["99000 GBP", "100000 USD"])
def test_a_money_param_set_in_another_currency_is_a_relaxation(tmp_path: Path,
                                                               value: str) -> None:
    """Amounts in two currencies are not compared: a new currency cannot be shown not to
    relax the limit, whatever its amount (99000 GBP is more than 100000 EUR)."""
    param = "param max_award: money = 100000 EUR lower is stricter"
    changes, errors = resolved(tmp_path, f"set max_award = {value}", param)
    assert changes == {"max_award": "relaxes"}
    [cp250] = [d for d in errors if d.code == "CP250"]
    assert f"`set max_award` relaxes 100000 EUR (from regional/rg) to {value} and" in \
        cp250.message
    changes, _ = resolved(tmp_path, 'set max_award = 90000 EUR because "Act"', param)
    assert changes == {"max_award": "tightens"}  # in its own currency, by amount


def declared(tmp_path: Path, line: str) -> list[Diagnostic]:
    """The errors of a root ruleset with one param more, declared on `line`."""
    folder = tmp_path / line.split()[1].rstrip(":")
    catalog = write_rulesets(folder, {"regional/rg.cpol": ROOT.format(params=line)})
    return resolve_collecting(catalog, catalog.sources["regional/rg"])[1]


def test_a_direction_that_does_not_fit_the_param_s_type_is_an_error(tmp_path: Path) -> None:
    refused = [
        # a pattern is no set of characters: narrowing it finds fewer, and was a tightening
        'param p_pattern: string = "(?i)^(none|n/a)$" smaller is stricter',
        'param p_text: string = "abc" narrower is stricter',
        "param p_set: set = {ministry, cert} lower is stricter",
        "param p_countries: set of country = {BE, FR} higher is stricter",
        "param p_flag: bool = true higher is stricter",
        "param p_number: number = 3 larger is stricter",
        'param p_list: list = ["a", "b"] smaller is stricter',
        "param p_country: country = FR lower is stricter",
    ]
    for line in refused:
        [error] = declared(tmp_path, line)
        word = line.split()[-3]
        assert error.code == "CP215" and f"`{word} is stricter` does not fit param" in \
            error.message, (line, error)
        assert error.span is not None and error.span.line == 3
    accepted = [
        "param p_share: percent = 15% higher is stricter",
        "param p_amount: money = 100000 EUR lower is stricter",
        "param p_delay: duration = 6 months lower is stricter",
        "param p_deadline: date = 2027-06-30 lower is stricter",
        "param p_kinds: set = {ministry} smaller is stricter",
        "param p_topics: set of string = {} larger is stricter",
        'param p_languages: set of string = {"fr"} narrower is stricter',
        'param p_free: string = "abc"',
    ]
    for line in accepted:
        assert [e for e in declared(tmp_path, line) if e.code == "CP215"] == [], line


def test_a_param_may_not_take_a_name_the_rules_already_read(tmp_path: Path) -> None:
    """A param comes before a field, a built-in name and an enumeration value: one of their
    name would change what the parent's rules read, and no view would show it."""
    for line, what in [
        ("param activities: list = []", "a top-level field of the proposal"),
        ('param host_country: string = "XD"', "a top-level field of the proposal"),
        ("param as_of: date = 2027-01-01", "a built-in name"),
        ("param graph: number = 1", "a built-in name"),
        ("param program: number = 1", "a built-in name"),
    ]:
        changes, errors = resolved(tmp_path, line)
        [error] = [e for e in errors if e.code == "CP216"]
        name = line.split()[1].rstrip(":")
        assert error.message == f"param {name} has the name of {what}", error
        assert error.span is not None and Path(error.span.file).name == "xd.cpol"
        assert error.span.line == 4
    assert [e for e in resolved(tmp_path, "param training_programme: number = 1")[1]
            if e.code == "CP216"] == []


def test_a_param_named_as_an_enumeration_value_is_refused_where_a_rule_reads_it(
        tmp_path: Path) -> None:
    """`act.type == training` in a parent's rule would read a national `param training`;
    a `param overhead` that no rule reads as a budget category hides nothing, and a
    ministry may name its overhead ceiling so."""
    root = ROOT.replace("let n = count(i in indicators where i.kind == \"outcome\")",
                        "let n = count(a in activities where a.type == training)")
    assert root != ROOT
    for line, refused in (('param training: string = "vocational"', True),
                          ("param overhead: percent = 7% lower is stricter", False)):
        folder = tmp_path / line.split()[1].rstrip(":")
        write_rulesets(folder, {"regional/rg.cpol": root.format(params=""),
                                "national/xd.cpol": CHILD.format(changes=line + ' "x"')})
        result = CliRunner().invoke(main, ["lint", "--rulesets", str(folder), "national/xd",
                                           "--format", "json"])
        found = [d for d in json.loads(result.output)["diagnostics"] if d["code"] == "CP216"]
        assert bool(found) is refused, result.output
        if refused:
            [d] = found
            assert d["file"].endswith("xd.cpol") and d["line"] == 4
            assert d["message"].startswith("param training has the name of an enumeration "
                                           "value that a rule reads (")


def test_a_param_set_twice_in_one_layer_is_an_error_at_the_second_set(
        tmp_path: Path) -> None:
    """Across the files of a folder, which `set` won hung on the order of their names."""
    head = 'ruleset xd "Dorado"\nextends regional/rg\n'
    catalog = write_rulesets(tmp_path, {
        "regional/rg.cpol": ROOT.format(params=""),
        "national/xd/a-financing.cpol": head + 'set min_outcome_indicators = 1 because "A"\n',
        "national/xd/b-later.cpol": head + '\nset min_outcome_indicators = 3 because "B"\n'})
    errors = resolve_collecting(catalog, catalog.sources["national/xd"])[1]
    [error] = [e for e in errors if e.code == "CP224"]
    assert error.message == "param min_outcome_indicators is set twice in national/xd"
    assert error.span is not None and Path(error.span.file).name == "b-later.cpol"
    assert error.span.line == 4 and "a-financing.cpol:3" in (error.help or "")
    # its own param, a ruleset changes where it declares it
    own = ROOT.format(params='set min_outcome_indicators = 3 because "B"')
    catalog = write_rulesets(tmp_path / "own", {"regional/rg.cpol": own})
    [error] = resolve_collecting(catalog, catalog.sources["regional/rg"])[1]
    assert error.code == "CP223" and "declared by this ruleset" in error.message
