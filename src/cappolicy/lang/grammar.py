"""The grammar file, by its digest: parsed rule files and parser tables are cached
under it, so an edit of the grammar is never read with tables or trees made before."""

from __future__ import annotations

from functools import cache

from ..base.cache import digest
from ..base.resources import grammar_file


@cache
def grammar_digest() -> str:
    """A digest of the grammar file."""
    return digest(grammar_file().read_bytes())
