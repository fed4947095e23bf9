"""The country, language and currency codes of pycountry, kept in the cache
(base/cache.py) under the content of pycountry's databases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    cached under the content of pycountry's databases."""
    files = _pycountry_files() if usable_dir("codes") is not None else None
    if not files:
        return make()
    try:
        contents = [digest(f.read_bytes()) for f in files]
    except OSError:
        return make()
    key = ("codes", code_digest("proposal.validate", "lang.cachedata"), *contents)
    return cached("codes", "pycountry", key, make, dumps_codes, loads_codes)
