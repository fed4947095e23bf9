"""cappolicy fmt: one canonical layout for rule files, which keeps their meaning and their
comments, and does not change again when run again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies_lang import exprs, literals, names

from cappolicy.base.resources import shipped_rulesets
from cappolicy.cli.main import main
from cappolicy.lang import ast
from cappolicy.lang.fmt import WIDTH, format_rule_file, format_text
from cappolicy.lang.layout import source_layout
from cappolicy.lang.parse import parse_text
from cappolicy.lang.unparse import template, unparse

SHIPPED = sorted(shipped_rulesets().rglob("*.cpol"))
SHIPPED_IDS = [str(p.relative_to(shipped_rulesets())) for p in SHIPPED]


def fmt(text: str, width: int = WIDTH) -> str:
    return format_text(text, "test.cpol", width)


def comment_texts(text: str) -> list[str]:
    return [c.text for c in source_layout(text).comments]


# ------------------------------------------------------------------ the layout


MESSY = '''# Licence: CC-BY-4.0

ruleset   demo "A demo"   # the id
jurisdiction XA,XB
version "1"
param min_share :percent=15% higher is stricter "Least share"
param kinds: set = {ministry,cert}
# the big one
rule R-01 "Title" { require a and b
  severity should   # was must
  principle p
  for x in xs where x.ok
    message "Bad {x.id}."
  let n = count( xs )
}
set other = 12 months   because "Law, s.1"
disable R-09 because "Law, s.2"

# at the end
'''

MESSY_FORMATTED = '''# Licence: CC-BY-4.0

ruleset demo "A demo"  # the id
version "1"
jurisdiction XA, XB

param min_share: percent = 15% higher is stricter "Least share"
param kinds: set = {ministry, cert}

# the big one
rule R-01 "Title" {
  principle p
  severity should  # was must
  for x in xs where x.ok
  let n = count(xs)
  require a and b
  message "Bad {x.id}."
}

set other = 12 months because "Law, s.1"
disable R-09 because "Law, s.2"

# at the end
'''


def test_a_messy_file_gets_the_house_layout() -> None:
    assert fmt(MESSY) == MESSY_FORMATTED
    assert fmt(MESSY_FORMATTED) == MESSY_FORMATTED


def test_literals_keep_the_authors_spelling() -> None:
    text = ('ruleset r\n\nparam budget: money = 1_200_000 EUR\n\n'
            'param wait: duration = 12 months\n\nparam share: percent = 12.50%\n\n'
            'param name: string = "tab\\there"\n')
    assert fmt(text) == text


LONG = '''ruleset r

rule R-01 "Long conditions" {
  principle p
  for flow in graph.edges(kind: shares_data) where flow.to.kind in {regional-body, international-org} and flow.data in sensitive_operational_data
  let national = sum(sum(src.by_year) for src in funding.sources where src.from.country == host_country)
  require count(body.chair) > 0 and (all c in body.chair: c.country == host_country) and host_seats > min_host_seat_share * seats
  message "{flow.id}"
}
'''

LONG_FORMATTED = '''ruleset r

rule R-01 "Long conditions" {
  principle p
  for flow in graph.edges(kind: shares_data)
      where flow.to.kind in {regional-body, international-org}
          and flow.data in sensitive_operational_data
  let national = sum(sum(src.by_year) for src in funding.sources
      where src.from.country == host_country)
  require count(body.chair) > 0
      and (all c in body.chair: c.country == host_country)
      and host_seats > min_host_seat_share * seats
  message "{flow.id}"
}
'''


def test_long_conditions_break_at_and_or_with_continuation_indent() -> None:
    assert fmt(LONG) == LONG_FORMATTED
    assert all(len(line) <= WIDTH for line in LONG_FORMATTED.split("\n"))


def test_quantifier_bodies_and_call_arguments_over_lines() -> None:
    text = ('ruleset r\n\nrule R-01 "t" {\n  principle p\n'
            '  require any org in organisations: org.country == host_country and org.kind in '
            'public_sector and org.id in roles.design and org.id in roles.implementation\n'
            '  when graph.reaches(body, n -> n.country == host_country and n.kind in public_sector, '
            'via: [reports_to, oversees<-])\n}\n')
    assert fmt(text) == (
        'ruleset r\n\nrule R-01 "t" {\n  principle p\n'
        '  when graph.reaches(body, n -> n.country == host_country and n.kind in public_sector,\n'
        '                     via: [reports_to, oversees<-])\n'
        '  require any org in organisations:\n'
        '      org.country == host_country\n'
        '      and org.kind in public_sector\n'
        '      and org.id in roles.design\n'
        '      and org.id in roles.implementation\n'
        '}\n')


def test_param_docs_and_reasons_go_on_continuation_lines_when_too_long() -> None:
    doc = "Kinds of organisation that count as the host's public institutions, and some more"
    text = (f'ruleset r\nparam public_sector: set = {{ministry, regulator, cert}} smaller is stricter '
            f'"{doc}"\nset public_sector = {{ministry}} because "{doc}"\n'
            f'override OWN-01 severity should because "{doc}"\n')
    assert fmt(text) == (
        'ruleset r\n\n'
        'param public_sector: set = {ministry, regulator, cert} smaller is stricter\n'
        f'    "{doc}"\n'
        'set public_sector = {ministry}\n'
        f'    because "{doc}"\n'
        'override OWN-01 severity should\n'
        f'    because "{doc}"\n')


def test_a_long_set_fills_the_lines_below_its_brace() -> None:
    countries = ", ".join(f"X{chr(65 + i)}" for i in range(26)) + ", " + ", ".join(
        f"Y{chr(65 + i)}" for i in range(10))
    out = fmt(f"ruleset r\nparam c: set of country = {{{countries}}} smaller is stricter\n")
    lines = out.split("\n")
    assert lines[2] == "param c: set of country = {"
    assert lines[3].startswith("    XA, XB,") and lines[3].endswith(",")
    assert lines[-3].endswith("}") and lines[-2] == "    smaller is stricter"
    assert all(len(line) <= WIDTH for line in lines)


def test_a_change_without_because_is_written_without_one() -> None:
    """`because` may be missing (lint and resolution report it): fmt adds none."""
    rule_file = ast.RuleFile("r", None, None, "baseline", (), (
        ast.SetParam("a", ast.Literal(1, "number"), None),
        ast.Override("R-1", "severity", "should", None),
        ast.Disable("R-2", None)))
    text = format_rule_file(rule_file)
    assert text == ("ruleset r\nextends baseline\n\nset a = 1\n\noverride R-1 severity should\n\n"
                    "disable R-2\n")
    assert parse_text(text) == rule_file
    assert fmt(text) == text


# ------------------------------------------------------------------ comments


COMMENTED = '''# file header
ruleset r "t"  # after the header
version "1"

# a block about the params
#
# with a blank comment line

param a: number = 1  # a's end
param b: number = 2

rule R-01 "t" {  # after the brace
  # before the principle
  principle p
  require a and  # inside the condition
      # own line inside the condition
      b
  message "m"  # after the message
  # before the closing brace
}  # after the rule

# the end
'''


def test_comments_stay_where_they_were_or_move_before_their_clause() -> None:
    out = fmt(COMMENTED)
    assert out == '''# file header
ruleset r "t"  # after the header
version "1"

# a block about the params
#
# with a blank comment line

param a: number = 1  # a's end
param b: number = 2

rule R-01 "t" {  # after the brace
  # before the principle
  principle p
  # inside the condition
  # own line inside the condition
  require a and b
  message "m"  # after the message
  # before the closing brace
}  # after the rule

# the end
'''
    assert comment_texts(out) == comment_texts(COMMENTED)
    assert fmt(out) == out


def test_comments_move_with_their_clause() -> None:
    text = ('ruleset r\n\nrule R-01 "t" {\n  # about the message\n  message "m"\n'
            '  require a  # why a\n  principle p\n}\n')
    assert fmt(text) == ('ruleset r\n\nrule R-01 "t" {\n  principle p\n  require a  # why a\n'
                         '  # about the message\n  message "m"\n}\n')


# ------------------------------------------------------------------ the shipped files


@pytest.mark.parametrize("path", SHIPPED, ids=SHIPPED_IDS)
def test_every_shipped_file_formats_to_the_same_rules_and_comments(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    out = fmt(text)
    assert parse_text(out) == parse_text(text)
    assert comment_texts(out) == comment_texts(text)
    assert fmt(out) == out


def test_the_shipped_rulesets_are_in_the_canonical_layout() -> None:
    """The project formats its own rulesets with fmt, so `cappolicy fmt --check rulesets/`
    passes on a checkout (and a ministry copying one starts from the canonical layout)."""
    changed = [p.name for p in SHIPPED if fmt(p.read_text(encoding="utf-8")) !=
               p.read_text(encoding="utf-8")]
    assert changed == [], f"run `cappolicy fmt rulesets/`: {changed} would change"


@st.composite
def commented(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A shipped file in the canonical layout with comments added at line ends and on
    lines of their own, and blank lines here and there; the comments' markers in order."""
    path = draw(st.sampled_from(SHIPPED))
    lines = fmt(path.read_text(encoding="utf-8")).split("\n")[:-1]
    spots = draw(st.lists(st.integers(0, len(lines)), min_size=1, max_size=12))
    ends = draw(st.lists(st.integers(0, len(lines) - 1), max_size=12))
    blanks = draw(st.lists(st.integers(0, len(lines)), max_size=6))
    counter = 0
    out: list[str] = []
    for i in range(len(lines) + 1):
        out += [""] * blanks.count(i)
        for _ in range(spots.count(i)):
            counter += 1
            indent = draw(st.sampled_from(["", "  ", "      "]))
            out.append(f"{indent}# note-{counter}-")
        if i < len(lines):
            line = lines[i]
            if i in ends and not line.lstrip().startswith("#"):
                counter += 1
                line += f"  # note-{counter}-"
            out.append(line)
    text = "\n".join(out) + "\n"
    return text, re.findall(r"# note-\d+-", text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(commented())
def test_comments_added_anywhere_survive_in_order(case: tuple[str, list[str]]) -> None:
    text, markers = case
    out = fmt(text)
    assert re.findall(r"# note-\d+-", out) == markers
    assert parse_text(out) == parse_text(text)
    assert fmt(out) == out


# ------------------------------------------------------------------ generated files

RULE_IDS = st.from_regex(r"\A[A-Z]{1,4}-[0-9]{2}\Z")
STRINGS = st.text(max_size=20)


@st.composite
def templates(draw: st.DrawFn) -> ast.Template:
    """A message as the parser builds it: text and holes, with the text it was read from."""
    parts: list[str | ast.Expr] = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            parts.append(draw(st.text(st.characters() | st.sampled_from("{}\\\""),
                                      min_size=1, max_size=6)))
        parts.append(draw(exprs))
    text = template(ast.Template(tuple(parts), ""))
    item = parse_text(f"ruleset r\noverride R-1 hint {text} because \"b\"\n").items[0]
    assert isinstance(item, ast.Override) and isinstance(item.value, ast.Template)
    return item.value


@st.composite
def rules(draw: st.DrawFn) -> ast.Rule:
    maybe_expr = st.none() | exprs
    check = draw(maybe_expr)
    for_ = draw(st.none() | st.builds(ast.ForClause, names, exprs, maybe_expr))
    return ast.Rule(
        id=draw(RULE_IDS), title=draw(STRINGS), principle=draw(st.none() | names),
        source=draw(st.none() | STRINGS),
        severity=draw(st.none() | st.sampled_from(["must", "should", "advisory"])),
        for_=for_, lets=tuple(draw(st.lists(st.builds(ast.Let, names, exprs), max_size=3))),
        when=draw(maybe_expr), check_kind=None if check is None else draw(
            st.sampled_from(["require", "forbid"])), check=check,
        message=draw(st.none() | templates()), hint=draw(st.none() | templates()),
        # per language: the messages' translations come first, as the parser orders them
        translations=tuple(sorted(draw(st.lists(
            st.builds(ast.Translation, LANGS, st.sampled_from(["title", "message", "hint"]),
                      templates()),
            max_size=3, unique_by=lambda t: (t.lang, t.field))),
            key=lambda t: ("title", "message", "hint").index(t.field))))


LANGS = st.sampled_from(["fr", "es", "pt-br", "ar"])


TYPES = st.builds(ast.TypeExpr, st.sampled_from(["number", "percent", "set", "list", "money"]),
                  st.none() | st.sampled_from(["country", "string"]))
items = st.one_of(
    rules(),
    st.builds(ast.Param, names, TYPES, exprs | literals(),
              st.none() | st.sampled_from(["higher", "lower", "larger", "smaller"]),
              st.none() | STRINGS),
    st.builds(ast.SetParam, names, exprs, st.none() | STRINGS),
    st.builds(ast.Override, RULE_IDS, st.just("severity"),
              st.sampled_from(["must", "should", "advisory"]), st.none() | STRINGS),
    st.builds(lambda r, f, t, b, lang: ast.Override(r, f, t, b, lang=lang), RULE_IDS,
              st.sampled_from(["message", "hint"]), templates(), st.none() | STRINGS,
              st.none() | LANGS),
    st.builds(lambda r, t, lang: ast.Override(r, "title", t, None, lang=lang), RULE_IDS,
              templates(), LANGS),
    st.builds(ast.Disable, RULE_IDS, st.none() | STRINGS),
)
rule_files = st.builds(
    ast.RuleFile, names, st.none() | STRINGS, st.none() | STRINGS,
    st.none() | st.sampled_from(["baseline", "regional/aec"]),
    st.lists(st.sampled_from(["XA", "XB", "NL"]), max_size=3).map(tuple),
    st.lists(items, max_size=5).map(tuple))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(rule_files, st.integers(20, 120))
def test_generated_files_read_back_the_same_and_format_once(rule_file: ast.RuleFile,
                                                            width: int) -> None:
    text = format_rule_file(rule_file, width)
    assert parse_text(text) == rule_file, text
    assert format_text(text, width=width) == text
    again = format_text(text)  # laid out at another width, then back
    assert parse_text(again) == rule_file
    assert format_text(again, width=width) == text


@given(exprs, st.integers(10, 100), st.sampled_from(["require", "let", "for"]))
def test_expressions_laid_over_lines_read_back_the_same(e: ast.Expr, width: int,
                                                       kind: str) -> None:
    """Narrow widths break every kind of expression somewhere: the text still reads back,
    and its words stay one space apart."""
    if kind == "for":
        rule = ast.Rule("R-1", "t", None, None, None, ast.ForClause("y", e, e), (), None,
                        None, None, None, None)
    elif kind == "let":
        rule = ast.Rule("R-1", "t", None, None, None, None, (ast.Let("x", e),), None, None,
                        None, None, None)
    else:
        rule = ast.Rule("R-1", "t", None, None, None, None, (), None, "require", e, None, None)
    rule_file = ast.RuleFile("r", None, None, None, (), (rule,))
    text = format_rule_file(rule_file, width)
    assert parse_text(text) == rule_file, text
    assert format_text(text, width=width) == text
    for line in text.split("\n"):  # words one space apart, outside strings
        code = re.sub(r'"([^"\\]|\\.)*"', '""', line)
        assert "  " not in code.strip() and not code.endswith(" "), text


@given(exprs)
def test_a_condition_that_fits_its_line_is_written_as_evidence_quotes_it(e: ast.Expr) -> None:
    """Findings quote conditions with `unparse`: fmt writes a short one the same way."""
    quoted = unparse(e)
    assume(len("  require ") + len(quoted) <= WIDTH)
    rule = ast.Rule("R-1", "t", None, None, None, None, (), None, "require", e, None, None)
    text = format_rule_file(ast.RuleFile("r", None, None, None, (), (rule,)))
    assert text.split("\n")[3] == "  require " + quoted


# ------------------------------------------------------------------ the command


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["fmt", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def test_fmt_rewrites_files_in_place_and_only_those_that_change(tmp_path: Path) -> None:
    messy = write(tmp_path / "rules" / "messy.cpol", MESSY)
    tidy = write(tmp_path / "rules" / "national" / "tidy.cpol", MESSY_FORMATTED)
    write(tmp_path / "rules" / ".hidden" / "skip.cpol", MESSY)
    before = tidy.stat().st_mtime_ns
    code, _, err = run(str(tmp_path / "rules"))
    assert code == 0
    assert messy.read_text(encoding="utf-8") == MESSY_FORMATTED
    assert tidy.stat().st_mtime_ns == before
    assert (tmp_path / "rules" / ".hidden" / "skip.cpol").read_text(encoding="utf-8") == MESSY
    assert f"reformatted {messy}" in err and "1 file reformatted, 1 file unchanged" in err
    assert run(str(tmp_path / "rules"))[0] == 0


def test_check_lists_the_files_that_would_change_and_exits_1(tmp_path: Path) -> None:
    messy = write(tmp_path / "messy.cpol", MESSY)
    tidy = write(tmp_path / "tidy.cpol", MESSY_FORMATTED)
    code, out, _ = run("--check", str(messy), str(tidy))
    assert code == 1
    assert out == f"would reformat {messy}\n"
    assert messy.read_text(encoding="utf-8") == MESSY
    assert run("--check", str(tidy)) == (0, "", "0 files would be reformatted, 1 file unchanged\n")


def test_crlf_line_ends_count_as_a_change(tmp_path: Path) -> None:
    crlf = write(tmp_path / "crlf.cpol", MESSY_FORMATTED.replace("\n", "\r\n"))
    assert run("--check", str(crlf))[0] == 1
    assert run(str(crlf))[0] == 0
    assert crlf.read_bytes() == MESSY_FORMATTED.encode("utf-8")


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    messy = write(tmp_path / "messy.cpol", MESSY)
    code, out, _ = run("--diff", str(messy))
    assert code == 1
    assert out.startswith(f"--- {messy}\n+++ {messy}\n@@ ")
    assert "-ruleset   demo \"A demo\"   # the id\n" in out
    assert "+ruleset demo \"A demo\"  # the id\n" in out
    assert messy.read_text(encoding="utf-8") == MESSY
    patched = _apply(MESSY, out)
    assert patched == MESSY_FORMATTED


def _apply(text: str, diff: str) -> str:
    """Apply a unified diff with full context of one file (enough for these tests)."""
    old = text.split("\n")
    new: list[str] = []
    at = 0
    lines = diff.split("\n")[2:]
    for line in lines:
        m = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", line)
        if m:
            start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
            new += old[at:start]
            at = start
        elif line.startswith(" "):
            new.append(line[1:])
            at += 1
        elif line.startswith("-"):
            at += 1
        elif line.startswith("+"):
            new.append(line[1:])
    new += old[at:]
    return "\n".join(new)


BROKEN = 'ruleset r\n\nrule R-01 "t" {\n  principle p\n  requre a\n}\n'


def test_a_file_with_syntax_errors_is_reported_and_left_as_it_is(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.cpol", BROKEN)
    messy = write(tmp_path / "messy.cpol", MESSY)
    code, _, err = run(str(broken), str(messy))
    assert code == 2
    assert broken.read_text(encoding="utf-8") == BROKEN
    assert f"{broken}:5:3: error[CP101]: unexpected 'requre'" in err
    assert "did you mean 'require'?" in err
    assert messy.read_text(encoding="utf-8") == MESSY_FORMATTED  # the others are formatted
    assert run("--check", str(broken))[0] == 2


def test_paths_that_do_not_exist_or_hold_no_rule_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = run(str(tmp_path / "nothing.cpol"), str(tmp_path / "empty"))
    assert code == 2
    assert "error[CP420]: no such file or folder" in err
    assert "holds no rule files (.cpol)" in err


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    latin = tmp_path / "latin.cpol"
    latin.write_bytes(b'ruleset r "caf\xe9"\n')
    code, _, err = run(str(latin))
    assert code == 2 and "error[CP100]" in err and "not UTF-8" in err
    assert latin.read_bytes() == b'ruleset r "caf\xe9"\n'


def test_the_shipped_rulesets_can_be_checked(tmp_path: Path) -> None:
    code, out, err = run("--check", str(shipped_rulesets()))
    assert code in (0, 1) and "error" not in err
    assert all(line.startswith("would reformat ") for line in out.splitlines())


def test_a_file_is_rewritten_whole_through_a_link_named_and_keeps_its_mode(
        tmp_path: Path) -> None:
    # Written in place, a run stopped half-way (a full disk, Ctrl-C) left half a rule
    # file: the new text now goes to a temporary file renamed over the old one.
    real = write(tmp_path / "rules" / "messy.cpol", MESSY)
    real.chmod(0o640)
    link = tmp_path / "link.cpol"
    link.symlink_to(real)
    code, _, err = run(str(link))
    assert code == 0, err
    assert link.is_symlink() and real.read_text(encoding="utf-8") == MESSY_FORMATTED
    assert real.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in real.parent.iterdir()] == ["messy.cpol"]  # no temporary left


def test_a_link_out_of_the_project_is_not_written_through(tmp_path: Path) -> None:
    """A pre-commit hook names the files a pull request brings: one that is a link to a
    file elsewhere on the machine is not rewritten; the other files are formatted."""
    outside = write(tmp_path / "elsewhere" / "theirs.cpol", MESSY)
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    link = project / "rules" / "lx.cpol"
    link.parent.mkdir()
    link.symlink_to(outside)
    own = write(project / "rules" / "own.cpol", MESSY)
    code, _, err = run(str(link), str(own))
    assert code == 2, err
    assert "lx.cpol leads through a symbolic link to" in err and "not rewritten" in err
    assert outside.read_text(encoding="utf-8") == MESSY
    assert own.read_text(encoding="utf-8") == MESSY_FORMATTED
    # nor through a folder on its way that is such a link
    (project / "linked").symlink_to(outside.parent)
    code, _, err = run(str(project / "linked" / "theirs.cpol"))
    assert code == 2 and "not rewritten" in err, err
    assert outside.read_text(encoding="utf-8") == MESSY


def test_a_file_that_cannot_be_written_is_an_error_and_the_others_are_formatted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cappolicy.base import files

    stuck = write(tmp_path / "a-stuck.cpol", MESSY)
    other = write(tmp_path / "b-other.cpol", MESSY)
    written = files.write_atomic

    def refuse(path: Path, text: str) -> None:
        if path.name == stuck.name:
            raise PermissionError(13, "Permission denied")
        written(path, text)
    monkeypatch.setattr(files, "write_atomic", refuse)
    code, _, err = run(str(stuck), str(other))
    assert code == 2  # never a traceback
    assert f"error[CP422]: cannot write {stuck}: Permission denied; it is left as it was" in err
    assert stuck.read_text(encoding="utf-8") == MESSY
    assert other.read_text(encoding="utf-8") == MESSY_FORMATTED
    assert "1 file reformatted, 0 files unchanged, 1 with errors (left as they are)" in err
