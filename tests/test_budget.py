"""A ruleset that costs too much to decide does not hang the run.

Five `any` nested over a proposal's 68 organisations are 68 to the fifth power steps: a
rule file from a pull request that passed lint held `check` and `test` for hours. The
rules of a proposal are decided within a time budget (engine/budget.py); the rule it
runs out in, and the rules after it, are unknown and say why, and such an unknown fails
the run even with --allow-unknown. Each command runs in a process of its own, with the
budget made short through CAPPOLICY_TIME_BUDGET and a guard timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "examples" / "proposals" / "xa-cirt-good.yaml"
GUARD = 120

COSTLY = '''ruleset costly "Rules that cost too much"
version "1"
rule COST-01 "Five nested walks" {
  principle co-financing
  source "doc.txt, paragraph 1"
  severity must
  require (any a in organisations: any b in organisations: any c in organisations:
           any d in organisations: any e in organisations:
           a.id == "zz" and b.id == c.id and d.id == e.id)
  message "m"
  hint "h"
}
rule COST-02 "The programme has a title" {
  principle accountability
  source "doc.txt, paragraph 1"
  severity must
  require title present
  message "m"
  hint "h"
}
'''

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no interval timer")


def _project(tmp_path: Path) -> Path:
    (tmp_path / "rules" / "costly").mkdir(parents=True)
    (tmp_path / "rules" / "costly" / "costly.cpol").write_text(COSTLY, encoding="utf-8")
    many = "".join(f"  - {{id: o{i}, name: O, country: XA, kind: ngo}}\n" for i in range(60))
    text = GOOD.read_text(encoding="utf-8").replace("organisations:\n",
                                                    "organisations:\n" + many, 1)
    (tmp_path / "many.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _run(cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "CAPPOLICY_TIME_BUDGET": "1"}
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "cappolicy.cli.entry", *args], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=GUARD,
                              check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cappolicy {' '.join(args)} did not finish in {GUARD} s (it hangs)")
    return done, time.monotonic() - start


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_rule_that_costs_too_much_is_unknown_and_fails_the_run(
        tmp_path: Path, jobs: str) -> None:
    project = _project(tmp_path)
    (project / "copy.yaml").write_text((project / "many.yaml").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    done, took = _run(project, "check", "many.yaml", "copy.yaml", "--rulesets", "rules",
                      "--ruleset", "costly", "--allow-unknown", "--format", "json",
                      "-j", jobs)
    assert done.returncode == 1, done.stdout + done.stderr  # not a pass, not a crash
    assert took < 60, took
    for result in json.loads(done.stdout)["results"]:
        outcomes = {f["rule"]: (f["outcome"], f["message"]) for f in result["findings"]}
        assert outcomes["COST-01"] == ("unknown", "cannot decide: deciding this rule took "
                                       "longer than the 1 s the rules of a proposal may take")
        assert outcomes["COST-02"] == ("unknown", "not decided: the time the rules of a "
                                       "proposal may take ran out while COST-01 was decided")


def test_a_rule_test_of_a_rule_that_costs_too_much_does_not_hang(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "rules" / "costly" / "tests").mkdir()
    (project / "rules" / "costly" / "tests" / "c.test.yaml").write_text(
        "cappolicy-test: 1\nruleset: costly\nbase: ../../../many.yaml\ncases:\n"
        "  - name: said to pass\n    expect: {COST-01: pass}\n", encoding="utf-8")
    (project / ".git").mkdir()
    done, took = _run(project, "test", "--rulesets", "rules", "rules/costly/tests")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "COST-01   expected pass, got unknown" in done.stdout, done.stdout
    assert took < 60, took


def test_a_quick_check_ends_with_its_own_exit_code(tmp_path: Path) -> None:
    # the timer rings every half second for the rest of the process: stopped as it ends,
    # or a ring after Python gave up its handler would end it as "Alarm clock" (142)
    done, _ = _run(tmp_path, "check", str(GOOD), "--country", "XA")
    assert done.returncode == 0, done.stdout + done.stderr
    ran = subprocess.run(
        [sys.executable, "-c", "import time\nfrom cappolicy.engine import budget\n"
         "budget.arm(); budget.disarm(); time.sleep(1.2)\nprint('done')"],
        capture_output=True, text=True, timeout=GUARD, check=False)
    assert (ran.returncode, ran.stdout) == (0, "done\n"), ran.stderr


def test_ctrl_c_ends_the_run_with_130_not_1(tmp_path: Path) -> None:
    # click turned Ctrl-C into "Aborted!" and exit code 1, which says a proposal fails
    import signal

    project = _project(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "cappolicy.cli.entry", "check", "many.yaml", "--rulesets",
         "rules", "--ruleset", "costly"], cwd=project, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "CAPPOLICY_TIME_BUDGET": str(GUARD)},
        # as a terminal's Ctrl-C finds it: a suite run in the background (`cmd &` in a
        # script) hands its children SIGINT ignored, and an ignored SIGINT stays ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3)  # deciding COST-01 by then
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=GUARD)
    assert process.returncode == 130, err
    assert err.strip() == "cappolicy: interrupted"


def test_what_a_proposal_relied_on_is_decided_within_the_same_budget(tmp_path: Path) -> None:
    # each rule a layer disabled is decided again, as its parent wrote it, to say whether
    # the proposal relied on the disable: each of those started a budget of its own, so
    # twenty disabled costly rules held one proposal for twenty budgets
    rules = [COSTLY.split("rule COST-02")[0].replace("COST-01", f"COST-{i:02}")
             .replace('ruleset costly "Rules that cost too much"\nversion "1"\n', "")
             for i in range(1, 21)]
    base = 'ruleset baseline "Costly"\nversion "1"\n' + "".join(
        r if r.rstrip().endswith("}") else r + "}\n" for r in rules)
    national = ('ruleset xa "Arcadia"\nversion "1"\nextends baseline\njurisdiction XA\n'
                + "".join(f'disable COST-{i:02} because "Decree {i}/2027"\n'
                          for i in range(1, 21))
                + 'rule XA-01 "A title" {\n  principle accountability\n'
                  '  source "doc.txt, paragraph 1"\n  severity must\n  require title present\n'
                  '  message "m"\n  hint "h"\n}\n')
    (tmp_path / "rules" / "national").mkdir(parents=True)
    (tmp_path / "rules" / "baseline.cpol").write_text(base, encoding="utf-8")
    (tmp_path / "rules" / "national" / "xa.cpol").write_text(national, encoding="utf-8")
    _project(tmp_path)
    done, took = _run(tmp_path, "check", "many.yaml", "--rulesets", "rules",
                      "--country", "XA", "--format", "json")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert took < 20, took  # one budget of 1 s, not twenty


def test_a_parent_that_ignores_the_alarm_signal_does_not_turn_the_budget_off(
        tmp_path: Path) -> None:
    import signal

    project = _project(tmp_path)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "cappolicy.cli.entry", "check", "many.yaml", "--rulesets",
         "rules", "--ruleset", "costly", "--format", "json"], cwd=project,
        capture_output=True, text=True, timeout=GUARD, check=False,
        env={**os.environ, "CAPPOLICY_TIME_BUDGET": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGALRM, signal.SIG_IGN))  # `trap '' ALRM`
    assert done.returncode == 1, done.stderr
    assert time.monotonic() - start < 60
    [result] = json.loads(done.stdout)["results"]
    assert {f["rule"]: f["outcome"] for f in result["findings"]}["COST-01"] == "unknown"


@pytest.mark.parametrize("value", ["2s", "0", "-1", "nan", "inf", ""])
def test_a_budget_that_is_no_number_of_seconds_is_refused(tmp_path: Path, value: str) -> None:
    # it fell back to 30 s in silence
    done = subprocess.run([sys.executable, "-m", "cappolicy.cli.entry", "check", str(GOOD)],
                          capture_output=True, text=True, timeout=GUARD, check=False,
                          env={**os.environ, "CAPPOLICY_TIME_BUDGET": value})
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: CAPPOLICY_TIME_BUDGET={value!r} is not a number of seconds above 0" \
        in done.stderr


def test_a_ruleset_diff_does_not_call_rules_out_of_time_unchanged(tmp_path: Path) -> None:
    """A rule that neither side decided in time is unknown on both: the diff said "no
    proposal's outcome changes" and exited 0, a comparison it could not make. It lists
    the rule as not compared, counts it as worse (exit 1), and says so in JSON."""
    project = _project(tmp_path)
    rules = "rules/costly/costly.cpol"
    done, took = _run(project, "rulesets", "diff", rules, rules, "many.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no proposal's outcome changes" not in done.stdout
    assert "COST-01 Five nested walks: unknown -> unknown  NOT COMPARED" in done.stdout
    assert "(1 of them with rules not decided in time: not compared)" in done.stdout
    data, _ = _run(project, "rulesets", "diff", rules, rules, "many.yaml", "--format", "json")
    changes = json.loads(data.stdout)["proposals"][0]["changes"]
    assert {c["rule"]: (c["undecided"], c["worse"]) for c in changes} == {
        "COST-01": (True, True), "COST-02": (True, True)}
    decided, _ = _run(project, "rulesets", "diff", rules, rules,
                      str(GOOD))
    assert decided.returncode == 0, decided.stdout + decided.stderr  # decided: no change
    assert "no proposal's outcome changes" in decided.stdout
