"""Rule files from another ministry: what they hold is read, linted and explained in
time, whatever their strings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RULE = '''ruleset xa "A national ruleset"
version "1"
extends baseline
jurisdiction XA

rule XA-99 "A rule with a long source" {{
  principle co-financing
  source "{source}"
  severity must
  require true
  message "never shown"
}}
'''


def test_a_source_of_many_spaces_is_linted_in_time(tmp_path: Path) -> None:
    # reading `FILE, paragraph N` backtracked over the spaces (minutes for a few
    # thousand); the timeout only stops a hung run, one that works takes seconds
    folder = tmp_path / "rules" / "national"
    folder.mkdir(parents=True)
    (folder / "xa.cpol").write_text(RULE.format(source=" " * 8000 + "x"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "from cappolicy.cli.entry import main; main()",
                           "lint", str(folder / "xa.cpol")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert "xa.cpol:8:" in done.stdout + done.stderr  # the source is said to be no citation
    assert "Traceback" not in done.stderr


def test_a_long_line_of_spaces_in_a_rule_is_linted_in_time(tmp_path: Path) -> None:
    # locating a clause read each line both ways, by `\s*` and by `.*`: minutes for a
    # line of a few hundred thousand spaces; the timeout only stops a hung run
    folder = tmp_path / "rules" / "national"
    folder.mkdir(parents=True)
    text = RULE.format(source="not a citation").replace(
        "  source", " " * 300_000 + "\n  source")
    (folder / "xa.cpol").write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", "from cappolicy.cli.entry import main; main()",
                           "lint", str(folder / "xa.cpol")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert "xa.cpol:9:3: error[CP254]" in done.stdout + done.stderr


PATTERN_RULE = '''ruleset xa "A national ruleset"
version "1"
extends baseline
jurisdiction XA

rule XA-98 "A title of a kind" {{
  principle co-financing
  source "000_66251300b48a3485.txt, paragraph 5"
  severity must
  require not title matches "{pattern}"
  message "m"
  hint "h"
}}
'''
GOOD = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"


def _cappolicy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from cappolicy.cli.entry import main; main()",
                           *args], capture_output=True, text=True, timeout=120, check=False)


def test_a_pattern_too_large_to_match_in_bounded_time_is_refused_where_it_is_written(
        tmp_path: Path) -> None:
    """Fifty repeats of `[\\s\\S]{1000}` are a program of 350,000 instructions: matched
    against a long title, one call into RE2 took 84 s, past the time budget."""
    folder = tmp_path / "rules" / "national"
    folder.mkdir(parents=True)
    (folder / "xa.cpol").write_text(PATTERN_RULE.format(pattern="[\\\\s\\\\S]{1000}" * 50 + "z"),
                                    encoding="utf-8")
    done = _cappolicy("lint", str(folder / "xa.cpol"))
    assert "xa.cpol:10:29: error[CP207]: invalid pattern: pattern too large" in done.stdout
    assert done.returncode == 2


def test_a_text_too_long_for_its_pattern_leaves_the_rule_unknown_at_once(
        tmp_path: Path) -> None:
    """A pattern under the limit still costs the text's length times its size when RE2
    falls back from its DFA: a text too long for the pattern is not matched, and the rule
    is unknown, saying why, and fails the run even with --allow-unknown."""
    folder = tmp_path / "rules" / "national"
    folder.mkdir(parents=True)
    (folder / "xa.cpol").write_text(PATTERN_RULE.format(pattern="[\\\\s\\\\S]{5}" * 400 + "z"),
                                    encoding="utf-8")
    text = GOOD.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    long = tmp_path / "long.yaml"
    long.write_text(text.replace(title, "title: " + "a" * 200_000), encoding="utf-8")
    short = tmp_path / "short.yaml"
    short.write_text(text, encoding="utf-8")
    done = _cappolicy("check", str(long), str(short), "--rulesets", str(tmp_path / "rules"),
                      "--allow-unknown", "--as-of", "2027-01-15")
    assert "unknown[XA-98]" in done.stdout
    assert "a text of 200,000 characters is longer than this pattern may be matched" \
        in done.stdout
    assert done.stdout.count("[XA-98]") == 1  # the short title is matched, and passes
    assert done.returncode == 1, done.stdout
