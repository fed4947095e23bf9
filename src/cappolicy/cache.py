"""An on-disk cache of work that depends only on files: parsed rule files, and the
code lists of pycountry. It makes a cold `cappolicy check` skip lark and pycountry.

Where: `$CAPPOLICY_CACHE_DIR`, else `$XDG_CACHE_HOME/cappolicy`, else `~/.cache/cappolicy`;
`CAPPOLICY_NO_CACHE=1` turns it off. Each entry is one pickle file, named after what it
is for (a rule file's path, say) and holding the key it was made under: cappolicy's
version, Python's, a digest of the code that made the value, and the content of every
input file (hashed, so an edit that keeps the file's size and time is still seen). An
entry that is missing, unreadable or made under another key is ignored, rebuilt and
replaced; entries are written to a temporary file and renamed into place, so a reader
never sees half of one. The cache is an optimisation: any failure to read or write it
is silent, and the result is the same without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import __version__
from .files import read_bytes

if TYPE_CHECKING:
    from . import ast

T = TypeVar("T")

#: bumped when the layout of entries changes
FORMAT = 1


def cache_dir() -> Path | None:
    """The folder of the cache, or None when it is turned off."""
    if os.environ.get("CAPPOLICY_NO_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("CAPPOLICY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "cappolicy"
    home = os.path.expanduser("~")
    if not os.path.isabs(home):  # no home to keep a cache in: none
        return None
    return Path(home) / ".cache" / "cappolicy"


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _entry(kind: str, name: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / kind / (digest(name)[:32] + ".pickle")


def _read(path: Path, key: tuple[Any, ...]) -> Any:
    """The value stored at `path` under `key`; KeyError when there is none."""
    try:
        with open(path, "rb") as fh:
            stored_key, value = pickle.load(fh)
    except Exception:  # noqa: BLE001 - missing, truncated, corrupt, made by other code: rebuild
        raise KeyError(path) from None
    if stored_key != key:
        raise KeyError(path)
    return value


def _write(path: Path, key: tuple[Any, ...], value: Any) -> bool:
    """Store `value` under `key` at `path`; whether it could be (a read-only or full
    disk, or a value that does not pickle, leaves the cache as it was)."""
    import tempfile  # only to write: most runs only read

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - OSError or a pickling error: work without the cache
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    return True


def cached(kind: str, name: str, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """The value cached for (`kind`, `name`) under `key`, else `make()`, stored for next time.
    `make` may raise: nothing is stored then."""
    path = _entry(kind, name)
    if path is None:
        return make()
    full = (FORMAT, __version__, sys.version, *key)
    try:
        return _read(path, full)  # type: ignore[no-any-return]
    except KeyError:
        pass
    value = make()
    _write(path, full, value)
    return value


@cache
def code_digest(*modules: str) -> str:
    """A digest of the source of cappolicy's own modules (`parse`, `ast`...), so that a
    checkout whose code changes under one version number does not reuse old entries."""
    here = Path(__file__).resolve().parent
    parts = []
    for module in modules:
        try:
            parts.append((here / f"{module}.py").read_bytes())
        except OSError:  # sourceless install: the version alone must tell
            parts.append(module.encode())
    return digest(*parts)


# ----------------------------------------------------------------- rule files


@cache
def _grammar_digest() -> str:
    from .resources import grammar_file

    return digest(grammar_file().read_bytes())


def rule_file(path: str) -> ast.RuleFile:
    """`parse.parse_file(path)`, from the cache when the file's content, the grammar and
    the parser are those it was parsed with. A file with syntax errors is not cached."""
    if cache_dir() is None:
        from .parse import parse_file

        return parse_file(path)
    try:
        data = read_bytes(path, what="rule file")  # only a regular file, bounded
        # as parse_file reads it: UTF-8, universal newlines
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, UnicodeDecodeError):
        from .parse import parse_file

        return parse_file(path)  # which says what is wrong with the file

    def make() -> ast.RuleFile:
        from .parse import parse_text

        return parse_text(text, path)

    key = ("rules", _grammar_digest(), code_digest("parse", "ast", "span", "errors"),
           path, digest(data))
    return cached("rules", os.path.abspath(path) + "\0" + path, key, make)


# ----------------------------------------------------------------- code lists


def _pycountry_files() -> Sequence[Path] | None:
    """pycountry's databases of countries, languages and currencies, found without
    importing it (which takes longer than reading them)."""
    from importlib.util import find_spec

    try:
        spec = find_spec("pycountry")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "databases"
    return [folder / name for name in ("iso3166-1.json", "iso639-3.json", "iso4217.json")]


def code_lists(make: Callable[[], dict[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    """The valid country, language and currency codes `make` reads from pycountry,
    cached under the content of pycountry's databases."""
    files = _pycountry_files() if cache_dir() is not None else None
    if not files:
        return make()
    try:
        contents = [digest(f.read_bytes()) for f in files]
    except OSError:
        return make()
    key = ("codes", code_digest("validate"), *contents)
    return cached("codes", "pycountry", key, make)
