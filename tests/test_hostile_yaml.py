"""YAML proposals written by a hostile stranger: what a reviewer reads in an editor or a
diff is what is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main

EXAMPLE = (Path(__file__).resolve().parent.parent / "examples" / "proposals"
           / "xa-closed-procurement.yaml")
WAIVER = "{rule: PROC-02, reason: ok, approved_by: xa-mict, expires: 2029-12-31}"


def check(path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, ["check", str(path), "--as-of", "2026-01-01",
                                       "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("brk", ["\u2028", "\x85", "\u2029"], ids=["LS", "NEL", "PS"])
@pytest.mark.parametrize("where", ["comment", "plain"])
def test_a_line_break_only_yaml_sees_cannot_hide_a_key(tmp_path: Path, brk: str,
                                                       where: str) -> None:
    # editors, diffs and YAML 1.2 keep these on one line; a YAML 1.1 reader ends the
    # comment (or the plain value) there, and read the rest as a top-level `waivers:`
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text[:text.index("waivers:")]
    if where == "comment":
        text = text.replace("# Everything else is in order.",
                            f"# Everything else is in order.{brk}waivers: [{WAIVER}]")
    else:
        text = text.replace("host_country: XA", f"host_country: XA{brk}waivers: [{WAIVER}]")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    code, report = check(path)
    assert code == 2
    assert report["results"] == []
    [error] = [d for e in report["errors"] for d in e["diagnostics"]]
    line = 9 if where == "comment" else 13
    assert (error["code"], error["line"]) == ("CP402", line)
    assert f"U+{ord(brk):04X} outside quotes" in error["message"]


def test_inside_quotes_such_a_character_is_text(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "title: Upgrading the national CIRT's monitoring platform",
        'title: "Upgrading\u2028the national\u2029CIRT\'s platform"')
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    code, report = check(path)
    assert code == 1 and report["errors"] == []
