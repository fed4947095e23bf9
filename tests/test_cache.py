"""The on-disk cache (cache.py): parsed rule files and code lists are reused only
while everything they were made from is unchanged, a broken cache is no cache, reading
an entry runs no code whoever wrote it, and a folder others can write is not used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cappolicy.base import cache
from cappolicy.base.errors import RuleSyntaxError
from cappolicy.lang import cached, parse
from cappolicy.proposal import codes

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


def _sealed(entry: Path, body: bytes) -> bytes:
    """`body` as the entry `entry` under its own key, sealed with the user's cache key: an
    entry forged by someone who holds the key, so that what reading it checks after the
    seal (the allow-list, the spans, the operators) is what is tested."""
    line = entry.read_bytes().partition(b"\n")[0]
    key_line = line[:line.rindex(b" ") + 1]
    secret = cache._secret(entry.parent)
    assert secret is not None
    return key_line + cache._seal(secret, entry, key_line, body) + b"\n" + body


def _entries(folder: Path) -> list[Path]:
    """The cache's entry files, whatever they are named (and however old the cache)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_a_rule_file_is_parsed_once_then_read_from_the_cache(
        store: Path, parses: list[str], tmp_path: Path) -> None:
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    first = cached.rule_file(str(path))
    second = cached.rule_file(str(path))
    assert parses == [str(path)]
    assert first == second and first is not second
    assert [r.span for r in second.items] == [r.span for r in first.items]  # spans too
    assert len(_entries(store / "rules")) == 1


def test_a_change_of_content_is_seen_even_with_the_same_size_and_time(
        store: Path, parses: list[str], tmp_path: Path) -> None:
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    stamp = os.stat(path)
    before = cached.rule_file(str(path))
    changed = RULES.replace("DEMO-01", "DEMO-02")
    assert len(changed) == len(RULES)
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert os.stat(path).st_mtime_ns == stamp.st_mtime_ns
    after = cached.rule_file(str(path))
    assert [r.id for r in before.items] == ["DEMO-01"]
    assert [r.id for r in after.items] == ["DEMO-02"]
    assert parses == [str(path), str(path)]
    assert len(_entries(store / "rules")) == 1  # replaced, not added


def test_a_change_of_the_parser_or_grammar_is_a_new_key(
        store: Path, parses: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    cached.rule_file(str(path))
    monkeypatch.setattr(cached, "grammar_digest", lambda: "another grammar")
    cached.rule_file(str(path))
    monkeypatch.setattr(cache, "__version__", "another version")
    cached.rule_file(str(path))
    assert len(parses) == 3


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage", None,
                                    "no body", "truncated", "not JSON", "an object",
                                    "a field too many", "a field of the wrong type"])
def test_a_broken_entry_is_ignored_and_rebuilt(
        store: Path, parses: list[str], tmp_path: Path, damage: bytes | str | None) -> None:
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    good = cached.rule_file(str(path))
    (entry,) = _entries(store)
    body = entry.read_bytes().partition(b"\n")[2]
    if damage is None:  # a valid pickle of something else
        import pickle

        entry.write_bytes(pickle.dumps(("a key", "a value")))
    elif isinstance(damage, bytes):
        entry.write_bytes(damage)
    else:  # the right key, then a value that is not a syntax tree
        entry.write_bytes(_sealed(entry, {
            "no body": b"",
            "truncated": body[:len(body) // 2],
            "not JSON": b"\x80\x05garbage",
            "an object": b'{"__class__": "RuleFile"}',
            "a field too many": body.replace(b'["Name","title",', b'["Name","title","x",', 1),
            "a field of the wrong type": body.replace(b'["Name","title",', b'["Name",7,', 1),
        }[damage]))
    assert cached.rule_file(str(path)) == good
    assert cached.rule_file(str(path)) == good
    assert len(parses) == 2  # rebuilt once, then read again


def test_an_unwritable_cache_is_no_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]) -> None:
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv("CAPPOLICY_CACHE_DIR", str(blocker))
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    assert cached.rule_file(str(path)) == cached.rule_file(str(path))
    assert len(parses) == 2


def test_no_cache_when_turned_off(
        store: Path, parses: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPPOLICY_NO_CACHE", "1")
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    cached.rule_file(str(path))
    cached.rule_file(str(path))
    assert len(parses) == 2
    assert not store.exists()
    assert codes.code_lists(lambda: {"country": frozenset({"XA"})}) == {
        "country": frozenset({"XA"})}
    assert not store.exists()


def test_syntax_errors_are_reported_every_time_and_not_cached(
        store: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.cpol"
    path.write_text(RULES.replace("require title present", "require ((("), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RuleSyntaxError):
            cached.rule_file(str(path))
    # no rule file cached (lark's parse tables may be, when this test runs first)
    assert _entries(store / "rules") == []


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

    assert codes.code_lists(make) == codes.code_lists(make) == {"country": frozenset({"XA", "NL"})}
    assert made == [1]


def test_code_lists_are_made_again_when_a_database_changes(
        store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # kept under the files' identity, not their content: another pycountry installed
    # (a file of another size, time or inode) must not be answered from the old entry
    databases = [tmp_path / f"{name}.json" for name in ("countries", "languages", "currencies")]
    for file in databases:
        file.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(codes, "_pycountry_files", lambda: databases)
    made: list[str] = []

    def make() -> dict[str, frozenset[str]]:
        made.append("made")
        return {"country": frozenset({"XA", f"X{'BCD'[len(made) - 1]}"})}

    assert codes.code_lists(make) == codes.code_lists(make) == {"country": frozenset({"XA", "XB"})}
    databases[1].write_text('{"639-3": []}', encoding="utf-8")  # another size
    assert codes.code_lists(make) == {"country": frozenset({"XA", "XC"})}
    stat = databases[2].stat()
    os.utime(databases[2], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert codes.code_lists(make) == {"country": frozenset({"XA", "XD"})}
    assert made == ["made"] * 3
    databases[0].unlink()  # a database gone: read by pycountry, which reports it
    assert codes.code_lists(lambda: {"country": frozenset({"XZ"})}) == {
        "country": frozenset({"XZ"})}


_PROBE = """
import sys
from cappolicy.cli.entry import main
sys.argv = ["cappolicy", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("imported:", " ".join(m for m in ("lark", "pycountry", "networkx", "cappolicy.lang.parse")
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


# ------------------------------------------------------------ what an entry may hold


def _cli(store: Path | str, *args: str, cwd: Path = ROOT, **env: str) -> tuple[int, str, str]:
    """Run the real program in a process of its own, with the cache in `store`."""
    out = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom cappolicy.cli.entry import main\n"
         "sys.argv[0] = 'cappolicy'\nmain()\n", *args],
        capture_output=True, text=True, check=False, cwd=cwd,
        env={**os.environ, "CAPPOLICY_CACHE_DIR": str(store), **env})
    return out.returncode, out.stdout, out.stderr


CHECK = ("check", str(GOOD), "--country", "XA", "--format", "json")


class _Payload:
    """What an attacker writes: a pickle that, when loaded, creates `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return exec, (f"import pathlib; pathlib.Path({str(self.marker)!r}).touch()",)


def test_a_planted_pickle_runs_nothing(store: Path, tmp_path: Path) -> None:
    """The attack: whoever can write the cache folder puts a pickle whose loading runs
    code where the next `cappolicy check` reads an entry. Nothing may run, and the
    verdict must be the one the rule files give."""
    import pickle

    marker = tmp_path / "the payload ran"
    payload = pickle.dumps(_Payload(marker))
    pickle.loads(payload)  # the payload works: loading it creates the marker
    assert marker.exists()
    marker.unlink()
    first = _cli(store, *CHECK)
    assert first[0] == 0
    entries = _entries(store)
    assert entries, "the first run made no entry to replace"
    for entry in entries:  # every file the cache reads: rule files and code lists
        entry.write_bytes(payload)
    again = _cli(store, *CHECK)
    assert not marker.exists()
    assert again[:2] == first[:2]
    assert again[2] == ""  # a bad entry is rebuilt in silence: it says nothing of the folder


def test_an_entry_naming_a_class_outside_the_allow_list_is_rebuilt(
        store: Path, parses: list[str], tmp_path: Path) -> None:
    from cappolicy.lang.cachedata import Corrupt, loads_tree

    marker = tmp_path / "ran"
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    good = cached.rule_file(str(path))
    (entry,) = _entries(store)
    whole = entry.read_bytes()
    body = whole.partition(b"\n")[2]
    command = f"touch '{marker}'".encode()
    for hostile in (
            b'["os.system","' + command + b'"]',
            b'["subprocess.Popen",["tuple","touch","' + str(marker).encode() + b'"]]',
            body.replace(b'["Name","title",', b'["os.system","touch ran",', 1),
            body.replace(b'["Presence",', b'["__import__",', 1),
            body.replace(b'["tuple",', b'["builtins.eval","1"],["tuple",', 1)):
        with pytest.raises(Corrupt):
            loads_tree(hostile)
        entry.write_bytes(_sealed(entry, hostile))
        assert cached.rule_file(str(path)) == good
        assert entry.read_bytes() == whole  # rebuilt in its place
    assert not marker.exists()
    assert len(parses) == 6


def test_a_forged_operator_runs_nothing_and_changes_no_verdict(
        store: Path, tmp_path: Path) -> None:
    """The attack: an entry's types were checked, not its operators, and generated code
    writes an operator into its source as it is. FIN-01's "/" made
    "/ (__import__('os').system(...) or 1) /" ran the command in any check of two
    proposals (the second writes the rule's Python), with the shipped rulesets."""
    marker = tmp_path / "payload-ran"
    second = tmp_path / "p2.yaml"
    second.write_text(GOOD.read_text(encoding="utf-8").replace(
        "id: XA-CIRT-2027", "id: XA-CIRT-2028"), encoding="utf-8")
    both = ("check", str(GOOD), str(second), "--country", "XA", "--format", "json")
    first = _cli(store, *both)
    assert first[0] == 0, first[2]
    payload = f"/ (__import__('os').system('touch {marker}') or 1) /"
    forged = 0
    for entry in _entries(store / "rules"):
        body = entry.read_bytes().partition(b"\n")[2]
        if b'["Rule","FIN-01"' not in body:
            continue
        start = body.index(b'["Rule","FIN-01"')
        at = body.index(b'["Binary","/",', start)
        body = body[:at] + b'["Binary",' + json.dumps(payload).encode() + b"," + \
            body[at + len(b'["Binary","/",'):]
        entry.write_bytes(_sealed(entry, body))
        forged += 1
    assert forged == 1
    again = _cli(store, *both)
    assert not marker.exists()
    assert again[:2] == first[:2]  # the entry is rebuilt from the rule file


def test_an_operator_or_kind_the_language_lacks_is_a_corrupt_entry(
        store: Path, tmp_path: Path) -> None:
    from cappolicy.lang.cachedata import Corrupt, loads_tree

    path = tmp_path / "demo.cpol"
    path.write_text(RULES.replace('title present', 'count(organisations) * 2 > 1 and '
                                  'not (any o in organisations: o.id == "x") and -1 < 0'),
                    encoding="utf-8")
    cached.rule_file(str(path))
    (entry,) = _entries(store / "rules")
    body = entry.read_bytes().partition(b"\n")[2]
    loads_tree(body)
    for real, forged in ((b'["Binary","*",', b'["Binary","* __import__(\'os\') *",'),
                         (b'["Binary",">",', b'["Binary","> 0 or 1 >",'),
                         (b'["Unary","not",', b'["Unary","not not",'),
                         (b'["Quantifier","any",', b'["Quantifier","anything",'),
                         (b'["Aggregate","count",', b'["Aggregate","eval",')):
        assert real in body, real
        with pytest.raises(Corrupt):
            loads_tree(body.replace(real, forged, 1))


def test_an_entry_whose_spans_name_another_file_is_rebuilt(
        store: Path, parses: list[str], tmp_path: Path) -> None:
    # A diagnostic quotes the lines its span names: an entry whose spans named a secret
    # file printed that file's first line in the report. Every span of an entry must be
    # in the rule file the entry is of.
    secret = tmp_path / "secret.txt"
    secret.write_text("the password is hunter2\n", encoding="utf-8")
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    good = cached.rule_file(str(path))
    (entry,) = _entries(store / "rules")
    whole = entry.read_bytes()
    body = whole.partition(b"\n")[2]
    spans = json.dumps(str(path)).encode()
    assert spans in body
    entry.write_bytes(_sealed(entry, body.replace(spans, json.dumps(str(secret)).encode())))
    again = cached.rule_file(str(path))
    assert again == good and all(r.span.file == str(path) for r in again.items)
    assert len(parses) == 2  # parsed again, the forged entry not taken
    assert entry.read_bytes() == whole  # and rebuilt in its place


def test_an_entry_made_under_another_key_is_not_even_decoded(
        store: Path, parses: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry is read only when its key is the one asked for; its value is not looked
    at before: here a well-formed entry of another rule file, under a key that looks
    right but is not this file's."""
    from cappolicy.lang import cachedata

    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    cached.rule_file(str(path))
    (entry,) = _entries(store)
    other = parse.parse_text(RULES.replace("DEMO-01", "DEMO-99"), str(path))
    forged = b"cappolicy-cache " + cache.digest("another key").encode() + b"\n"
    entry.write_bytes(forged + cachedata.dumps_tree(other).encode())
    decoded: list[object] = []
    real = cachedata.loads_tree

    def counting(text: str | bytes) -> object:
        decoded.append(text)
        return real(text)

    monkeypatch.setattr(cachedata, "loads_tree", counting)
    assert [r.id for r in cached.rule_file(str(path)).items] == ["DEMO-01"]
    assert decoded == []
    assert len(parses) == 3  # the first run, the other file's tree, and this run


# ------------------------------------------------------------ whose folder it is


def _note_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "not using the cache folder" in line]


@pytest.fixture()
def reference() -> tuple[int, str, str]:
    """What the check says with no cache at all."""
    return _cli("", *CHECK, CAPPOLICY_NO_CACHE="1")


def _refused(store: Path | str, reference: tuple[int, str, str], why: str,
             cwd: Path = ROOT) -> list[str]:
    """Run the check with the cache in `store`: the same result as without a cache, one
    note naming the folder and saying `why`. The note."""
    got = _cli(store, *CHECK, cwd=cwd)
    assert got[:2] == reference[:2]
    notes = _note_lines(got[2])
    assert len(notes) == 1, got[2]
    assert str(store) in notes[0] and why in notes[0], notes[0]
    assert notes[0].endswith("running without the cache")
    return notes


def test_a_folder_others_can_write_is_not_used(
        store: Path, reference: tuple[int, str, str]) -> None:
    store.mkdir()
    store.chmod(0o777)
    _refused(store, reference, "others can write to it (mode 777)")
    assert _entries(store) == []  # nothing written there, and so nothing read either
    store.chmod(0o770)
    _refused(store, reference, "others can write to it (mode 770)")
    store.chmod(0o700)
    assert _note_lines(_cli(store, *CHECK)[2]) == []
    assert _entries(store)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a folder to another user takes root")
def test_a_folder_of_another_user_is_not_used(
        store: Path, reference: tuple[int, str, str]) -> None:
    import pwd

    store.mkdir(mode=0o755)
    nobody = pwd.getpwnam("nobody")
    os.chown(store, nobody.pw_uid, nobody.pw_gid)
    _refused(store, reference, "it belongs to another user (nobody)")
    assert _entries(store) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a folder to another user takes root")
def test_a_folder_inside_a_folder_of_another_user_is_not_used(
        tmp_path: Path, reference: tuple[int, str, str]) -> None:
    import pwd

    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, pwd.getpwnam("nobody").pw_uid, -1)
    store = theirs / "cache"  # made by this user, but they can replace it
    store.mkdir(mode=0o700)
    _refused(store, reference, f"the folder {theirs} above it belongs to another user")


def test_a_folder_inside_one_others_can_write_is_not_used_unless_sticky(
        tmp_path: Path, reference: tuple[int, str, str]) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    store = shared / "cache"
    _refused(store, reference, f"the folder {shared} above it can be written by others")
    assert not store.exists()
    shared.chmod(0o1777)  # as /tmp: others cannot rename or delete what is this user's
    got = _cli(store, *CHECK)
    assert _note_lines(got[2]) == [] and got[:2] == reference[:2]
    assert _entries(store)


def test_a_relative_folder_is_not_used(tmp_path: Path) -> None:
    """A relative CAPPOLICY_CACHE_DIR is wherever the command runs: a checkout's folder,
    which a pull request can fill."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    reference = _cli("", *CHECK, cwd=workspace, CAPPOLICY_NO_CACHE="1")
    _refused("rel-cache", reference, "its path is relative", cwd=workspace)
    assert not (workspace / "rel-cache").exists()


def test_entries_that_are_links_or_others_can_write_are_not_used(
        store: Path, reference: tuple[int, str, str], tmp_path: Path) -> None:
    assert _cli(store, *CHECK)[:2] == reference[:2]
    entry = _entries(store)[0]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    _refused(store, reference, f"its entry {entry.parent.name}/{entry.name} is a symbolic link")
    entry.unlink()
    elsewhere.rename(entry)
    entry.chmod(0o666)
    _refused(store, reference,
             f"its entry {entry.parent.name}/{entry.name}: others can write to it")
    entry.chmod(0o600)
    (store / "rules").chmod(0o757)
    _refused(store, reference, "its folder rules: others can write to it")


def test_a_refused_folder_is_noted_once_with_workers(
        store: Path, tmp_path: Path) -> None:
    """`check -j 2`: the workers use no cache either, and the note is said once."""
    from cappolicy.run.check import MIN_FILES_PER_WORKER

    folder = tmp_path / "proposals"
    folder.mkdir()
    for n in range(2 * MIN_FILES_PER_WORKER):
        (folder / f"p{n:03d}.yaml").write_bytes(GOOD.read_bytes())
    store.mkdir()
    store.chmod(0o777)
    args = ("check", str(folder), "--country", "XA", "--format", "json")
    alone = _cli(store, *args, CAPPOLICY_NO_CACHE="1")
    got = _cli(store, *args, "-j", "2")
    assert got[:2] == alone[:2]
    assert len(_note_lines(got[2])) == 1, got[2]
    assert _entries(store) == []


# ------------------------------------------------------------ the round trip


def _same(a: object, b: object) -> bool:
    """Equal, and so are the fields equality ignores (spans, a rule file's name)."""
    import attrs

    from cappolicy.base.record import Record

    if type(a) is not type(b):
        return False
    if isinstance(a, Record):
        return all(_same(getattr(a, name), getattr(b, name)) for name in a.FIELDS)
    if attrs.has(type(a)):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a)))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    return a == b


def _shipped_rule_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.cpol")
                  if ".venv" not in p.parts and "site-packages" not in p.parts)


@pytest.mark.parametrize("path", _shipped_rule_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_rule_file_comes_back_from_json_whole(path: Path) -> None:
    from cappolicy.lang.cachedata import dumps_tree, loads_tree

    try:
        tree = parse.parse_file(str(path))
    except RuleSyntaxError:  # only the tests' own broken rule files may fail to parse
        assert path.relative_to(ROOT).parts[0] == "tests", path
        return
    text = dumps_tree(tree)
    back = loads_tree(text.encode())
    assert back == tree and _same(back, tree)
    assert dumps_tree(back) == text


def test_the_allow_list_is_every_class_of_the_syntax_tree() -> None:
    """A node class added to ast.py and not to the allow-list would not be cached."""
    from cappolicy.base.record import Record
    from cappolicy.base.span import Span
    from cappolicy.lang import ast
    from cappolicy.lang.cachedata import NODE_CLASSES

    in_ast = {v for v in vars(ast).values()
              if isinstance(v, type) and issubclass(v, Record) and v.__module__ == ast.__name__}
    assert set(NODE_CLASSES) == in_ast | {Span}


def _rule_files() -> object:
    from hypothesis import strategies as st
    from strategies_lang import exprs

    from cappolicy.base.span import Span
    from cappolicy.lang import ast

    # a tree's spans are all in its file (the parser makes them so; dumps_tree keeps no other)
    spans = st.builds(Span, st.just(TREE_FILE), st.integers(0, 10**6), st.integers(0, 500),
                      st.integers(0, 10**6), st.integers(0, 500))
    texts = st.text(max_size=10)
    maybe_text = st.none() | texts
    template = st.builds(ast.Template, st.lists(texts | exprs, max_size=3).map(tuple), texts,
                         spans)
    rule = st.builds(
        ast.Rule, texts, texts, maybe_text, maybe_text, maybe_text,
        st.none() | st.builds(ast.ForClause, texts, exprs, st.none() | exprs, spans),
        st.lists(st.builds(ast.Let, texts, exprs, spans), max_size=2).map(tuple),
        st.none() | exprs, st.sampled_from([None, "require", "forbid"]), st.none() | exprs,
        st.none() | template, st.none() | template, spans, spans)
    items = st.one_of(
        rule,
        st.builds(ast.Param, texts, st.builds(ast.TypeExpr, texts, maybe_text, spans), exprs,
                  maybe_text, maybe_text, spans),
        st.builds(ast.SetParam, texts, exprs, maybe_text, spans),
        st.builds(ast.Override, texts, texts, texts | template, maybe_text, spans),
        st.builds(ast.Disable, texts, maybe_text, spans))
    return st.builds(ast.RuleFile, texts, maybe_text, maybe_text, maybe_text,
                     st.lists(texts, max_size=3).map(tuple),
                     st.lists(items, max_size=4).map(tuple), st.just(TREE_FILE), spans, spans)


TREE_FILE = "rules/é x.cpol"


def test_a_tree_with_a_span_in_another_file_is_not_kept(tmp_path: Path) -> None:
    """An entry names its file once, and every span is read as in it: a tree whose spans
    named another file (none the parser makes) could not come back whole, so it is
    not written at all, and what is written cannot name another file."""
    from cappolicy.base.record import replace
    from cappolicy.lang.cachedata import Corrupt, dumps_tree, loads_tree

    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    tree = parse.parse_file(str(path))
    (rule,) = tree.items
    elsewhere = replace(tree, items=(replace(rule, span=replace(rule.span, file="/etc/passwd")),))
    with pytest.raises(TypeError):
        dumps_tree(elsewhere)
    text = dumps_tree(tree)
    assert text.count(json.dumps(str(path))) == 2  # the entry's file, and the tree's
    assert loads_tree(text, str(path)) == tree
    with pytest.raises(Corrupt):
        loads_tree(text, str(tmp_path / "other.cpol"))


def test_any_syntax_tree_comes_back_from_json_whole() -> None:
    from hypothesis import given

    from cappolicy.lang.cachedata import dumps_tree, loads_tree

    @given(_rule_files())
    def round_trip(tree: object) -> None:
        back = loads_tree(dumps_tree(tree))  # type: ignore[arg-type]
        assert back == tree and _same(back, tree)

    round_trip()


# ------------------------------------------------------------ lark's tables


def test_a_pickle_planted_where_lark_caches_runs_nothing(
        store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """lark's own cache reads a pickle from the temporary folder, under a name anyone can
    work out (the user's name, a digest of the grammar and the options): any user of the
    machine can leave one there first. cappolicy does not let lark read it."""
    import pickle
    import tempfile

    from lark import Lark

    from cappolicy.base.resources import grammar_file

    temp = tmp_path / "temp"
    temp.mkdir()
    marker = tmp_path / "the payload ran"
    first = _cli(store, *CHECK, TMPDIR=str(temp), CAPPOLICY_NO_CACHE="1")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    for start in (["start", "item", "clause", "expr"], "start"):  # the names lark would read
        Lark(grammar_file().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
             propagate_positions=True, maybe_placeholders=True, start=start, cache=True)
    planted = sorted(temp.glob(".lark*"))
    assert planted
    for path in planted:  # lark's layout: a digest line, then pickles; the first is loaded
        digest_line = path.read_bytes().partition(b"\n")[0]  # before the digest is compared
        path.write_bytes(digest_line + b"\n" + pickle.dumps(_Payload(marker)))
    again = _cli(store, *CHECK, TMPDIR=str(temp), CAPPOLICY_NO_CACHE="1")
    assert not marker.exists()
    assert again == first
    again = _cli(store, "fmt", "--check", str(ROOT / "rulesets" / "baseline" / "data.cpol"),
                 TMPDIR=str(temp))
    assert not marker.exists()
    assert again[0] == 0


def test_lark_tables_come_from_the_cache_and_a_tampered_table_is_rebuilt(
        store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lark

    text = RULES
    built = parse.make_parser("start")
    (entry,) = _entries(store / "lark")
    real_init = lark.Lark.__init__

    def no_building(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError("lark built the tables again")

    monkeypatch.setattr(lark.Lark, "__init__", no_building)
    loaded = parse.make_parser("start")
    assert loaded is not built
    assert loaded.parse(text) == built.parse(text)
    body = entry.read_bytes().partition(b"\n")[2]
    entry.write_bytes(_sealed(entry, body.replace(b'"__type__":"PatternRE"',
                                                  b'"__type__":"os.system"', 1)))
    builds: list[int] = []

    def counting(self: object, *args: object, **kwargs: object) -> None:
        builds.append(1)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lark.Lark, "__init__", counting)
    again = parse.make_parser("start")
    assert builds == [1] and again.parse(text) == built.parse(text)
    assert b"os.system" not in entry.read_bytes()  # replaced by good tables
    parse.make_parser("start")
    assert builds == [1]


# ------------------------------------------------------------ sealed entries


def test_an_entry_forged_without_the_users_key_is_rebuilt(
        store: Path, parses: list[str], tmp_path: Path) -> None:
    """Whoever writes the cache folder without holding the key (a CI cache restored from
    another run, a folder committed into a checkout) knows every entry's key line, and
    wrote well-formed entries that changed what a rule file means: `require title
    present` read as `require sunset present`. Each entry is now sealed with a key kept
    outside the cache folder; a seal that does not hold is no entry."""
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    good = cached.rule_file(str(path))
    (entry,) = _entries(store / "rules")
    whole = entry.read_bytes()
    line, _, body = whole.partition(b"\n")
    meaning = body.replace(b'"title"', b'"sunset"')
    assert meaning != body
    key_line = line[:line.rindex(b" ") + 1]
    for forged in (line + b"\n" + meaning,  # the old seal kept
                   key_line + cache._seal(b"k" * 32, entry, key_line, meaning) + b"\n" + meaning,
                   key_line + b"\n" + meaning):  # no seal at all
        entry.write_bytes(forged)
        assert cached.rule_file(str(path)) == good
        assert entry.read_bytes() == whole  # rebuilt in its place
    assert len(parses) == 4
    entry.write_bytes(_sealed(entry, meaning))  # whoever holds the key can, as the user can
    assert cached.rule_file(str(path)) != good


def test_an_entry_larger_than_any_stored_is_not_read(
        store: Path, parses: list[str], tmp_path: Path) -> None:
    """An entry of gigabytes behind a real key line (it holds no secret: anyone can copy
    it) was read whole before its seal was checked: 6 GB of memory for one proposal. One
    larger than MAX_ENTRY is passed over unread, and made again."""
    path = tmp_path / "demo.cpol"
    path.write_text(RULES, encoding="utf-8")
    good = cached.rule_file(str(path))
    (entry,) = _entries(store / "rules")
    line = entry.read_bytes().partition(b"\n")[0]
    with entry.open("r+b") as fh:  # sparse: the test writes a few bytes, not the size
        fh.write(line + b"\n" + b"0" * 64 + b"\n")
        fh.truncate(cache.MAX_ENTRY + 1)
    read: list[int] = []
    real = cache._open_own

    def opened(path: Path, what: str) -> Any:
        fh = real(path, what)
        read_ = fh.read

        class Counted:
            def __getattr__(self, name: str) -> Any:
                return getattr(fh, name)

            def __enter__(self) -> Any:
                return self

            def __exit__(self, *exc: object) -> None:
                fh.close()

            def read(self, size: int = -1) -> bytes:
                data = read_(size)
                read.append(len(data))
                return data
        return Counted()

    monkey = pytest.MonkeyPatch()
    monkey.setattr(cache, "_open_own", opened)
    try:
        assert cached.rule_file(str(path)) == good
    finally:
        monkey.undo()
    assert sum(read) < 1024 * 1024  # the body was never read
    assert len(parses) == 2  # made again


def test_a_forged_lexer_pattern_cannot_hang_a_run(store: Path, tmp_path: Path) -> None:
    """lark's tables hold the lexer's patterns as text: one that backtracks for ever on a
    comment line held every command that parsed a rule file, outside any time budget."""
    first = _cli(store, "lint", "baseline")
    assert first[0] == 0, first[2]
    (entry,) = _entries(store / "lark")
    text = entry.read_bytes()
    forged = text.replace(b'"#[^\\n]*"', b'"#(?:[^\\n]|[^\\n])*(?=\\u0000)"', 1)
    assert forged != text
    entry.write_bytes(forged)
    for rules in _entries(store / "rules"):
        rules.unlink()  # so that every rule file is parsed again, comments and all
    again = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom cappolicy.cli.entry import main\n"
         "sys.argv[0] = 'cappolicy'\nmain()\n", "lint", "baseline"],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=120,
        env={**os.environ, "CAPPOLICY_CACHE_DIR": str(store)})
    assert (again.returncode, again.stdout) == first[:2]
    assert b"(?=" not in entry.read_bytes()  # made again from the grammar


def test_the_key_is_the_users_alone_and_kept_outside_the_cache(
        store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    first = _cli(store, *CHECK, XDG_STATE_HOME=str(state))
    assert first[0] == 0, first[2]
    key = state / "cappolicy" / "cache-key"
    assert key.stat().st_size == 32 and not key.is_relative_to(store)
    if os.name == "posix":
        assert key.stat().st_mode & 0o077 == 0 and (state / "cappolicy").stat().st_mode & 0o077 == 0
    again = _cli(store, *CHECK, XDG_STATE_HOME=str(state))
    assert again == first
    # another key (another machine, a fresh CI runner): the entries are not used, and
    # are made again, the verdict the same
    other = _cli(store, *CHECK, XDG_STATE_HOME=str(tmp_path / "other"))
    assert other[:2] == first[:2] and other[2] == ""


@pytest.mark.skipif(os.name != "posix", reason="owners and modes of files")
def test_a_key_others_can_write_or_that_is_no_key_leaves_the_run_without_a_cache(
        store: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "cappolicy").mkdir(parents=True)
    os.chmod(state / "cappolicy", 0o777)
    shared = _cli(store, *CHECK, XDG_STATE_HOME=str(state))
    assert shared[0] == 0
    assert "not using the cache folder" in shared[2] and "its key folder" in shared[2] \
        and "others can write to it" in shared[2], shared[2]
    assert not _entries(store)  # nothing written where it could not be trusted
    os.chmod(state / "cappolicy", 0o700)
    (state / "cappolicy" / "cache-key").write_bytes(b"short")
    short = _cli(store, *CHECK, XDG_STATE_HOME=str(state))
    assert short[:2] == shared[:2]
    assert "is not 32 bytes long" in short[2], short[2]
    (state / "cappolicy" / "cache-key").unlink()
    (state / "cappolicy" / "cache-key").symlink_to(tmp_path / "elsewhere")
    linked = _cli(store, *CHECK, XDG_STATE_HOME=str(state))
    assert linked[:2] == shared[:2] and "is a symbolic link" in linked[2], linked[2]
    (state / "cappolicy" / "cache-key").unlink()
    os.mkfifo(state / "cappolicy" / "cache-key", 0o600)  # opened, it would wait for a writer
    piped = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom cappolicy.cli.entry import main\n"
         "sys.argv[0] = 'cappolicy'\nmain()\n", *CHECK], capture_output=True, text=True,
        check=False, cwd=ROOT, timeout=120,
        env={**os.environ, "CAPPOLICY_CACHE_DIR": str(store), "XDG_STATE_HOME": str(state)})
    assert (piped.returncode, piped.stdout) == shared[:2]
    assert "is not a regular file" in piped.stderr, piped.stderr
    (state / "cappolicy" / "cache-key").unlink()
    (state / "cappolicy" / "cache-key").mkdir(mode=0o700)  # a folder: said, not silent
    folder = _cli(store, *CHECK, XDG_STATE_HOME=str(state))
    assert folder[:2] == shared[:2] and "is not a regular file" in folder[2], folder[2]
