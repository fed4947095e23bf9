"""The country, language and currency codes of pycountry, kept in the cache
(base/cache.py) under the identity of pycountry's databases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from os import stat
from pathlib import Path

from ..base.cache import cached, code_digest, digest, usable_dir
from ..lang.cachedata import dumps_codes, loads_codes


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
    cached under the identity of pycountry's databases: each file's path, device,
    inode, size and modification time, as Python's bytecode is kept under its source's
    (installing another pycountry writes new files). Their content, 0.9 MB to digest,
    took about 1.6 ms of every start. They lie among the installed packages, which are
    trusted as cappolicy's own code is; the cache is not (its entries are sealed)."""
    files = _pycountry_files() if usable_dir("codes") is not None else None
    if not files:
        return make()
    try:
        identities = [_identity(f) for f in files]
    except OSError:
        return make()
    key = ("codes", code_digest("proposal.validate", "lang.cachedata"), *identities)
    return cached("codes", "pycountry", key, make, dumps_codes, loads_codes)


def _identity(file: Path) -> str:
    found = stat(file)
    return digest(str(file), *(str(n) for n in (
        found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)))
