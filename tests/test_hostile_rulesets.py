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
