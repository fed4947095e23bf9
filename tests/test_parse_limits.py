"""Rule files beyond the limits of the language (docs/language.md, "Limits") are refused
with a located CP1xx diagnostic and exit code 2 by every command that reads them, and
rule files right at the limits go through every command."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from cappolicy.base.errors import Diagnostic, RuleSyntaxError
from cappolicy.cli.main import main
from cappolicy.lang import cached
from cappolicy.lang.ast import Literal, Param
from cappolicy.lang.fmt import format_text
from cappolicy.lang.layout import source_layout
from cappolicy.lang.limits import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NUMBER_CHARS,
    MAX_STRING_CHARS,
)
from cappolicy.lang.parse import (
    parse_text,
)

PROPOSAL = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"
COUNT = "count(organisations) > 0"
REQUIRE_LINE, REQUIRE_COL = 8, 11  # where the condition starts in rule_file()
PARAM_LINE = 3
T = TypeVar("T")


def rule_file(name: str, condition: str = COUNT, param: str = "", message: str = "m") -> str:
    return (f'ruleset {name} "Limits"\n'
            "\n"
            f"{param}\n"
            "\n"
            'rule T-01 "Something is required" {\n'
            "  principle local-ownership\n"
            "  severity must\n"
            f"  require {condition}\n"
            f'  message "{message}"\n'
            '  hint "Do it."\n'
            "}\n")


def commands(path: Path) -> list[list[str]]:
    """Every command that reads a rule file, given this one."""
    return [["check", "--ruleset", str(path), str(PROPOSAL)],
            ["lint", str(path)],
            ["fmt", str(path)],
            ["explain", "T-01", "--ruleset", str(path)],
            ["rulesets", "show", str(path)]]


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


def from_deep_stack(frames: int, call: Callable[[], T]) -> T:
    """`call()` with `frames` more frames on the stack, as from deep inside a host program."""
    return call() if frames == 0 else from_deep_stack(frames - 1, call)


def diagnostics(text: str, file: str = "r.cpol") -> list[Diagnostic]:
    with pytest.raises(RuleSyntaxError) as info:
        parse_text(text, file)
    return list(info.value.diagnostics)


# ------------------------------------------------------------------ the attacks


def _param_use(param: str) -> str:
    return f"{param.split(':')[0].split()[1]} present"


ATTACKS: dict[str, tuple[str, dict[str, str], tuple[int, int]]] = {
    # name: (code, rule_file() arguments, where the diagnostic points)
    "and320": ("CP109", {"condition": " and ".join([COUNT] * 321)},
               (REQUIRE_LINE, REQUIRE_COL)),
    "not490": ("CP109", {"condition": "not " * 490 + f"({COUNT})"},
               (REQUIRE_LINE, REQUIRE_COL + 4 * MAX_DEPTH)),  # at the first 'not' too many
    "plus2000": ("CP109", {"condition": " + ".join(["count(organisations)"] * 2000) + " > 0"},
                 (REQUIRE_LINE, REQUIRE_COL)),
    # the rule's brace is one level: the 64th parenthesis is the one too many
    "parens300": ("CP109", {"condition": "(" * 300 + COUNT + ")" * 300},
                  (REQUIRE_LINE, REQUIRE_COL + MAX_DEPTH - 1)),
    "deephole": ("CP109", {"message": "{" + "not " * 200 + "true}"}, (9, 13 + 4 * MAX_DEPTH)),
    "digits5000": ("CP110", {"condition": "1" + "0" * 5000 + " > count(organisations)"},
                   (REQUIRE_LINE, REQUIRE_COL)),
    "money400": ("CP110", {"param": "param big: money = 1" + "0" * 400 + " EUR"},
                 (PARAM_LINE, 20)),
    "money1e400": ("CP110", {"param": "param big: money = 1" + "0" * 400 + ".5 EUR"},
                   (PARAM_LINE, 20)),
    "percent1e400": ("CP110", {"param": "param big: percent = 1" + "0" * 400 + ".5%"},
                     (PARAM_LINE, 22)),
    "duration": ("CP104", {"param": "param d: duration = 99999999999 years"}, (PARAM_LINE, 21)),
    "year0": ("CP104", {"param": "param d: date = 0000-01-01"}, (PARAM_LINE, 17)),
    "year10000": ("CP104", {"param": "param d: date = 10000-01-01"}, (PARAM_LINE, 17)),
    "string20k": ("CP110", {"param": 'param s: string = "' + "a" * 20_000 + '"'},
                  (PARAM_LINE, 19)),
    "string5mb": ("CP108", {"param": 'param s: string = "' + "a" * 5_000_000 + '"'}, (1, 1)),
}


@pytest.fixture(scope="module")
def attack_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("attacks")
    files = {}
    for name, (_, arguments, _) in ATTACKS.items():
        if arguments.get("param") and "condition" not in arguments:
            arguments = {**arguments, "condition": _param_use(arguments["param"])}
        path = folder / f"{name}.cpol"
        path.write_text(rule_file(name, **arguments), encoding="utf-8")
        files[name] = path
    return files


@pytest.mark.parametrize("command", ["check", "lint", "fmt", "explain", "rulesets show"])
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_rule_file_beyond_a_limit_is_a_located_error(attack: str, command: str,
                                                      attack_files: dict[str, Path]) -> None:
    code, _, (line, column) = ATTACKS[attack]
    path = attack_files[attack]
    before = path.read_bytes()
    [args] = [a for a in commands(path) if " ".join(a).startswith(command)]
    result = invoke(args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"[:300])
    assert result.exit_code == 2, result.output[-2000:]
    assert "Traceback" not in result.output
    assert f"{path}:{line}:{column}: error[{code}]" in result.output, result.output[:2000]
    assert path.read_bytes() == before  # fmt leaves a file it cannot read as it is


@pytest.mark.parametrize("attack", ["not490", "digits5000", "money400"])
def test_the_installed_program_prints_no_traceback(attack: str,
                                                   attack_files: dict[str, Path]) -> None:
    """The same through the program's own entry point, in a process of its own."""
    import subprocess

    path = attack_files[attack]
    for args in commands(path):
        out = subprocess.run([sys.executable, "-m", "cappolicy.cli.entry", *args], capture_output=True,
                             text=True, check=False)
        assert out.returncode == 2, (args, out.stderr[-1000:])
        assert "Traceback" not in out.stderr + out.stdout
        assert f"error[{ATTACKS[attack][0]}]" in out.stderr + out.stdout


def test_the_size_limit_holds_for_every_way_in(tmp_path: Path) -> None:
    """parse_text (which the cache calls with the text it read), parse_file (through the
    cache, and without it) and the formatter's layout reader all refuse a file above the
    limit before parsing it."""
    text = rule_file("big") + "#" * (MAX_FILE_BYTES + 1 - len(rule_file("big"))) + "\n"
    path = tmp_path / "big.cpol"
    path.write_text(text, encoding="utf-8")
    refusals = []
    for read in (lambda: parse_text(text, str(path)), lambda: source_layout(text, str(path)),
                 lambda: cached.rule_file(str(path))):
        with pytest.raises(RuleSyntaxError) as info:
            read()
        refusals.append([(d.code, str(d.span)) for d in info.value.diagnostics])
    assert refusals == [[("CP108", f"{path}:1:1")]] * 3
    # a file of exactly the limit is read (multi-byte characters count as their bytes)
    exact = rule_file("big") + "#" + "é" * ((MAX_FILE_BYTES - len(rule_file("big")) - 2) // 2)
    exact += "\n" * (MAX_FILE_BYTES - len(exact.encode("utf-8")))
    assert len(exact.encode("utf-8")) == MAX_FILE_BYTES
    assert parse_text(exact).ruleset == "big"
    assert [d.code for d in diagnostics(exact + "\n")] == ["CP108"]


def test_literals_at_their_limits_are_read() -> None:
    number = "9" * MAX_NUMBER_CHARS
    text = rule_file("r", f"count(organisations) < {number} and period.end < 9999-12-31 "
                          "and period.start + 10000 years > period.end",
                     f'param s: string = "{"a" * MAX_STRING_CHARS}"')
    param = parse_text(text).items[0]
    assert isinstance(param, Param) and isinstance(param.default, Literal)
    assert param.default.value == "a" * MAX_STRING_CHARS
    assert [d.code for d in diagnostics(text.replace(number, number + "9"))] == ["CP110"]
    assert [d.code for d in diagnostics(text.replace('"a', '"aa'))] == ["CP110"]
    assert [d.code for d in diagnostics(text.replace("10000 years", "10001 years"))] == ["CP104"]
    assert [d.code for d in diagnostics(text.replace("9999-12-31", "0000-12-31"))] == ["CP104"]


# ------------------------------------------------------------------ at the limit


def nested(kind: str, n: int) -> str:
    """A condition nesting `kind` n times."""
    c = COUNT
    return {
        "not": lambda: "not " * n + f"({c})",
        "and": lambda: " and ".join([c] * (n + 1)),
        "or": lambda: " or ".join([c] * (n + 1)),
        "implies": lambda: " implies ".join([c] * (n + 1)),
        "plus": lambda: " + ".join(["count(organisations)"] * (n + 1)) + " > 0",
        "times": lambda: " * ".join(["count(organisations)"] * (n + 1)) + " > 0",
        "minus": lambda: "- " * n + "count(organisations) < 0",
        "list": lambda: "count(" + "[" * n + "1" + "]" * n + ") > 0",
        "count": lambda: "count(" * n + "organisations" + ")" * n + " > 0",
        "any": lambda: "".join(f"any x{i} in organisations where false: " for i in range(n))
        + "x0.kind == cert",
        "parens": lambda: "(" * n + c + ")" * n,
    }[kind]()


def deepest(kind: str) -> int:
    """The most `kind` nests in a rule file that parses; one more is CP109."""
    n = 0
    while True:
        try:
            parse_text(rule_file("r", nested(kind, n + 1)))
        except RuleSyntaxError as exc:
            assert [d.code for d in exc.diagnostics] == ["CP109"]
            return n
        n += 1
        assert n <= MAX_DEPTH


KINDS = ["not", "and", "or", "implies", "plus", "times", "minus", "list", "count", "any",
         "parens"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_rule_nested_to_the_limit_goes_through_every_command(kind: str, tmp_path: Path) -> None:
    """Right at the limit, with Python's default recursion limit and hundreds of frames
    already on the stack: no command runs out of stack (nor takes time exponential in
    the depth)."""
    n = deepest(kind)
    assert n >= MAX_DEPTH - 3  # the limit counts the condition's own levels, no more
    path = tmp_path / "deep.cpol"
    path.write_text(rule_file("deep", nested(kind, n)), encoding="utf-8")
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        for args in commands(path):
            result = from_deep_stack(250, lambda: invoke(args))  # noqa: B023
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                args, type(result.exception).__name__)
            assert "CP1" not in result.output and "Traceback" not in result.output
            assert result.exit_code in (0, 1, 2), (args, result.output[-1000:])
    finally:
        sys.setrecursionlimit(saved)


# ---------------------------------------------- any nesting within the limit round-trips


@st.composite
def conditions(draw: st.DrawFn, depth: int) -> str:
    """An expression of and/or/not/+ and parentheses whose tree is `depth` levels deep
    (a name is one level), using at most depth - 1 nested brackets."""
    if depth == 1:
        return draw(st.sampled_from(["a", "b", "c", "1", "true"]))
    op = draw(st.sampled_from(["and", "or", "+", "not", "paren"]))
    deep = draw(conditions(depth - 1))
    if op == "not":
        return f"not ({deep})"
    if op == "paren":  # a redundant pair around a deep part
        return f"({deep})"
    shallow = draw(conditions(draw(st.integers(1, min(depth - 1, 3)))))
    if draw(st.booleans()):  # a left-nested chain needs no brackets: a and b and c
        return f"{deep} {op} ({shallow})" if draw(st.booleans()) else f"({deep}) {op} ({shallow})"
    return f"({shallow}) {op} ({deep})"


@given(st.integers(1, MAX_DEPTH).flatmap(conditions))
def test_any_nesting_within_the_limit_parses_and_formats(condition: str) -> None:
    text = rule_file("r", condition)
    rules = parse_text(text)
    formatted = format_text(text)  # which checks it reads back as the same rules
    assert parse_text(formatted) == rules
    assert format_text(formatted) == formatted


def test_one_level_more_than_the_limit_is_refused_where_it_starts() -> None:
    condition = "not " * MAX_DEPTH + "a"  # MAX_DEPTH + 1 levels: the name is one
    [d] = diagnostics(rule_file("r", condition))
    assert d.code == "CP109" and d.span is not None
    assert (d.span.line, d.span.column) == (REQUIRE_LINE, REQUIRE_COL + 4 * MAX_DEPTH)  # the name
    assert re.search(r"more than \d+ levels", d.message)
    parse_text(rule_file("r", "not " * (MAX_DEPTH - 1) + "a"))


def test_unparsing_nested_counts_reads_each_part_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Analysis quotes each part of a condition: count(count(...)) written out twice per
    level took time 2^depth, so a rule well within the limit never finished linting."""
    from cappolicy.lang import unparse as unparsing
    from cappolicy.lang.parse import parse_expr

    text = "count(" * 12 + "organisations" + ")" * 12
    expr = parse_expr(text)
    real = unparsing.unparse
    calls = []

    def counting(e: object) -> str:
        calls.append(e)
        return real(e)  # type: ignore[arg-type]

    monkeypatch.setattr(unparsing, "unparse", counting)
    assert counting(expr) == text
    assert len(calls) == 13  # twelve counts and the name
