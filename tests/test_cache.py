"""The on-disk cache (cache.py): parsed rule files and code lists are reused only
while everything they were made from is unchanged, and a broken cache is no cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cappolicy import cache, parse
from cappolicy.errors import RuleSyntaxError

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "examples" / "proposals" / "xa-cirt-good.yaml"

RULES = '''ruleset demo "A demo"
version "1"
rule DEMO-01 "The programme has a title" {
  principle accountability
  require title present
}
'''


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CAPPOLICY_CACHE_DIR", str(folder))
    monkeypatch.delenv("CAPPOLICY_NO_CACHE", raising=False)
    return folder


@pytest.fixture()
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files actually parsed (not taken from the cache), in order."""
    seen: list[str] = []
    real = parse.parse_text

    def counting(text: str, file: str = "<string>") -> object:
        seen.append(file)
        return real(text, file)

    monkeypatch.setattr(parse, "parse_text", counting)
    return seen


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pickle"))


def test_a_rule_file_is_parsed_once_then_read_from_the_cache(
        store: Path, parses: list[str], tmp_path: Path) -> None:
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    first = cache.rule_file(str(path))
    second = cache.rule_file(str(path))
    assert parses == [str(path)]
    assert first == second and first is not second
    assert [r.span for r in second.items] == [r.span for r in first.items]  # spans too
    assert len(_entries(store / "rules")) == 1


def test_a_change_of_content_is_seen_even_with_the_same_size_and_time(
        store: Path, parses: list[str], tmp_path: Path) -> None:
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    stamp = os.stat(path)
    before = cache.rule_file(str(path))
    changed = RULES.replace("DEMO-01", "DEMO-02")
    assert len(changed) == len(RULES)
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert os.stat(path).st_mtime_ns == stamp.st_mtime_ns
    after = cache.rule_file(str(path))
    assert [r.id for r in before.items] == ["DEMO-01"]
    assert [r.id for r in after.items] == ["DEMO-02"]
    assert parses == [str(path), str(path)]
    assert len(_entries(store / "rules")) == 1  # replaced, not added


def test_a_change_of_the_parser_or_grammar_is_a_new_key(
        store: Path, parses: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    cache.rule_file(str(path))
    monkeypatch.setattr(cache, "_grammar_digest", lambda: "another grammar")
    cache.rule_file(str(path))
    monkeypatch.setattr(cache, "__version__", "another version")
    cache.rule_file(str(path))
    assert len(parses) == 3


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage", None])
def test_a_broken_entry_is_ignored_and_rebuilt(
        store: Path, parses: list[str], tmp_path: Path, damage: bytes | None) -> None:
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    good = cache.rule_file(str(path))
    (entry,) = _entries(store)
    if damage is None:  # a valid pickle of something else
        import pickle

        entry.write_bytes(pickle.dumps(("a key", "a value")))
    else:
        entry.write_bytes(damage)
    assert cache.rule_file(str(path)) == good
    assert cache.rule_file(str(path)) == good
    assert len(parses) == 2  # rebuilt once, then read again


def test_an_unwritable_cache_is_no_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]) -> None:
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv("CAPPOLICY_CACHE_DIR", str(blocker))
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    assert cache.rule_file(str(path)) == cache.rule_file(str(path))
    assert len(parses) == 2


def test_no_cache_when_turned_off(
        store: Path, parses: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPPOLICY_NO_CACHE", "1")
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    cache.rule_file(str(path))
    cache.rule_file(str(path))
    assert len(parses) == 2
    assert not store.exists()
    assert cache.code_lists(lambda: {"country": frozenset({"XA"})}) == {
        "country": frozenset({"XA"})}
    assert not store.exists()


def test_syntax_errors_are_reported_every_time_and_not_cached(
        store: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.cpol"
    path.write_text(RULES.replace("require title present", "require ((("), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RuleSyntaxError):
            cache.rule_file(str(path))
    assert _entries(store) == []


def test_where_the_cache_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CAPPOLICY_NO_CACHE", raising=False)
    monkeypatch.delenv("CAPPOLICY_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "cappolicy"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "cappolicy"
    monkeypatch.setenv("CAPPOLICY_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    for off in ("1", "yes"):
        monkeypatch.setenv("CAPPOLICY_NO_CACHE", off)
        assert cache.cache_dir() is None
    monkeypatch.setenv("CAPPOLICY_NO_CACHE", "0")
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("CAPPOLICY_CACHE_DIR")
    monkeypatch.setattr(cache.os.path, "expanduser", lambda path: path)  # no home known
    assert cache.cache_dir() is None


def test_code_lists_are_cached_under_pycountrys_databases(store: Path) -> None:
    made: list[int] = []

    def make() -> dict[str, frozenset[str]]:
        made.append(1)
        return {"country": frozenset({"XA", "NL"})}

    assert cache.code_lists(make) == cache.code_lists(make) == {"country": frozenset({"XA", "NL"})}
    assert made == [1]


_PROBE = """
import sys
from cappolicy.entry import main
sys.argv = ["cappolicy", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("imported:", " ".join(m for m in ("lark", "pycountry", "networkx", "cappolicy.parse")
                            if m in sys.modules), file=sys.stderr)
"""


def _probe(store: Path, *args: str, **env: str) -> tuple[int, str, str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                         check=False, cwd=ROOT,
                         env={**os.environ, "CAPPOLICY_CACHE_DIR": str(store), **env})
    line = [x for x in out.stderr.splitlines() if x.startswith("imported:")]
    assert line, out.stderr
    return out.returncode, out.stdout, line[-1].removeprefix("imported:").strip()


def test_a_second_check_reads_the_cache_and_imports_no_parser(store: Path) -> None:
    """The point of the cache: the second run skips lark and pycountry (and networkx,
    which the checks do not need), and says the same."""
    first = _probe(store, "check", str(GOOD), "--country", "XA", "--format", "json")
    second = _probe(store, "check", str(GOOD), "--country", "XA", "--format", "json")
    assert first[0] == second[0] == 0
    assert first[1] == second[1]
    assert "lark" in first[2] and "pycountry" in first[2]
    assert second[2] == ""
    off = _probe(store, "check", str(GOOD), "--country", "XA", "--format", "json",
                 CAPPOLICY_NO_CACHE="1")
    assert off[1] == first[1] and "lark" in off[2]
