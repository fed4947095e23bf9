"""The package works installed from a wheel, outside the repository: the grammar
and the shipped rulesets travel inside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work), str(ROOT)],
                   check=True, capture_output=True)
    wheels = list(work.glob("cappolicy-*.whl"))
    assert len(wheels) == 1
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    str(wheels[0])], check=True, capture_output=True)
    return site


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)


def test_wheel_carries_grammar_and_rulesets(installed: Path, tmp_path: Path) -> None:
    out = _run(installed, tmp_path, "-c",
               "import cappolicy, cappolicy.base.resources as r; print(cappolicy.__file__); "
               "print(r.grammar_file()); print(r.shipped_rulesets())")
    assert out.returncode == 0, out.stderr
    module, grammar, rulesets = out.stdout.split()
    for path in (module, grammar, rulesets):
        assert path.startswith(str(installed)), path  # not the checkout's copy
    assert Path(grammar).is_file()
    assert (Path(rulesets) / "baseline").is_dir()


def test_installed_wheel_checks_a_proposal_from_elsewhere(installed: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "p.yaml"
    proposal.write_text((ROOT / "examples" / "proposals" / "xa-cirt-good.yaml").read_text())
    out = _run(installed, tmp_path, "-m", "cappolicy.cli.main", "check", "p.yaml", "--format", "json")
    assert out.returncode in (0, 1), out.stderr
    report = json.loads(out.stdout)
    assert report["results"][0]["proposal"] == "XA-CIRT-2027"
    assert report["results"][0]["findings"], "the shipped rulesets produced no findings"


def test_installed_wheel_carries_the_html_templates(installed: Path, tmp_path: Path) -> None:
    proposal = tmp_path / "p.yaml"
    proposal.write_text((ROOT / "examples" / "proposals" / "xb-donor-led.yaml").read_text())
    out = _run(installed, tmp_path, "-c",
               "import cappolicy.render.html as h, jinja2; "
               "e = jinja2.Environment(loader=jinja2.PackageLoader('cappolicy.render', "
               "h.TEMPLATES)); print(e.loader.get_source(e, 'report.html')[1])")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith(str(installed))  # not the checkout's copy
    out = _run(installed, tmp_path, "-m", "cappolicy.cli.main", "check", "p.yaml", "--format", "html")
    assert out.returncode == 1, out.stderr
    assert out.stdout.startswith("<!DOCTYPE html>") and "<svg" in out.stdout
    assert "DEC-01" in out.stdout


def test_installed_wheel_writes_french_from_its_own_catalogues(installed: Path,
                                                                tmp_path: Path) -> None:
    proposal = tmp_path / "p.yaml"
    proposal.write_text((ROOT / "examples" / "proposals" / "xb-donor-led.yaml").read_text())
    out = _run(installed, tmp_path, "-m", "cappolicy.cli.main", "check", "p.yaml", "--lang", "fr",
               "--as-of", "2026-06-01")
    assert out.returncode == 1, out.stderr
    assert "erreur[FIN-01]" in out.stdout
    assert "Les sources de XB apportent" in out.stdout  # the baseline's French, packaged
    found = _run(installed, tmp_path, "-c", "import cappolicy.lang.i18n as i; print(i.LOCALE_DIR)")
    assert found.stdout.strip().startswith(str(installed))
