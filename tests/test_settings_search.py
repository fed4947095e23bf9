"""How far up the search for settings goes: to the project's root, and never into a
folder another user could have written to. A `.git` and a `cappolicy.toml` planted in a
shared folder above a checkout that has no `.git` of its own (a tarball, an artifact)
must not apply to it, nor must a settings file anywhere above when HOME is `/`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main

GOOD = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"
OTHER = 54321  # a user id that is not this process's


def _planted(shared: Path) -> Path:
    """A checkout without `.git` in `shared`, where another user put a `.git` and
    settings that check every proposal against Borealia's rules."""
    (shared / ".git").write_text("gitdir: /nowhere\n", encoding="utf-8")
    (shared / "cappolicy.toml").write_text('country = "XB"\n', encoding="utf-8")
    (shared / "repo" / "proposals").mkdir(parents=True)
    shutil.copy(GOOD, shared / "repo" / "proposals" / "p.yaml")
    return shared / "repo" / "proposals" / "p.yaml"


def _check(proposal: Path) -> str:
    result = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15", str(proposal)])
    assert "Traceback" not in result.output, result.output
    return result.output


@pytest.mark.parametrize("mode", [0o1777, 0o777])
def test_a_folder_others_can_write_to_ends_the_search(tmp_path: Path, mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    proposal = _planted(shared)
    shared.chmod(mode)  # /tmp's mode, and the same without the sticky bit
    out = _check(proposal)
    assert "settings: none (defaults)" in out, out
    assert "against ruleset national/xa" in out
    shared.chmod(0o755)  # the same folder, when only its owner can write to it
    assert "against ruleset national/xb" in _check(proposal)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a folder to another user takes root")
def test_a_folder_of_another_user_ends_the_search_but_not_within_their_project(
        tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    proposal = _planted(shared)
    os.chown(shared, OTHER, -1)
    out = _check(proposal)
    assert "settings: none (defaults)" in out, out
    # checking another user's checkout (a container run as root on the runner's files):
    # their folders above the one checked are their project's, and its settings apply
    for folder in (shared / "repo", shared / "repo" / "proposals"):
        os.chown(folder, OTHER, -1)
    assert "against ruleset national/xb" in _check(proposal)


def test_with_home_at_the_root_no_folder_above_the_checkout_applies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME=/ (system accounts, a container's user without a passwd entry) made `/` the
    home folder, so the search went up to it and every folder was the project's: a
    settings file in /tmp applied, and `rulesets = ["/elsewhere"]` was held to nothing."""
    monkeypatch.setenv("HOME", "/")
    (tmp_path / "cappolicy.toml").write_text('country = "XB"\n', encoding="utf-8")
    (tmp_path / "repo").mkdir()
    shutil.copy(GOOD, tmp_path / "repo" / "p.yaml")
    out = _check(tmp_path / "repo" / "p.yaml")
    assert "settings: none (defaults)" in out, out
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "repo" / "cappolicy.toml").write_text(
        f'rulesets = ["{tmp_path / "elsewhere"}"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "repo" / "p.yaml")])
    assert result.exit_code == 2, result.output
    assert "error[CP441]: rulesets folder" in result.output
    assert "outside the project" in result.output


def test_the_home_folder_s_settings_do_not_refuse_a_folder_s_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's own defaults in ~/cappolicy.toml and a folder of proposals below it, not a
    repository, with settings of its own: the nearer applies. Only a settings file below
    another of the same repository is refused."""
    home = tmp_path / "home"
    (home / "work" / "proj").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    (home / "cappolicy.toml").write_text('fail_on = "should"\n', encoding="utf-8")
    (home / "work" / "proj" / "cappolicy.toml").write_text('country = "XB"\n',
                                                          encoding="utf-8")
    shutil.copy(GOOD, home / "work" / "proj" / "p.yaml")
    out = _check(home / "work" / "proj" / "p.yaml")
    assert "against ruleset national/xb" in out, out


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a folder to another group takes root")
def test_a_folder_its_group_can_write_to_ends_the_search_unless_the_group_is_its_owner_s(
        tmp_path: Path) -> None:
    # the cache and the spool already held a group-writable folder to be others'; the
    # search for settings let a member of the group plant a .git and settings above a
    # checkout. A user's private group (umask 002 makes every folder of theirs group
    # writable) is the user's own
    import grp
    import pwd

    shared = tmp_path / "shared"
    shared.mkdir()
    proposal = _planted(shared)
    shared.chmod(0o775)
    owner = pwd.getpwuid(os.geteuid()).pw_name
    own_group = grp.getgrnam(owner).gr_gid
    os.chown(shared, -1, own_group)
    assert "against ruleset national/xb" in _check(proposal)
    os.chown(shared, -1, OTHER)  # a group of others
    result = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15", str(proposal)])
    assert "settings: none (defaults)" in result.output, result.output
    assert "against ruleset national/xa" in result.output
    # and the run says why, rather than checking with other rules in silence
    assert f"note: settings and a .git at or above {shared} are not read" in result.stderr
