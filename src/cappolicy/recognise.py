"""Tell proposal files from the other YAML and JSON files of a repository.

A pre-commit hook or a CI job passes every changed `.yaml`/`.json` file: workflow
files, the hook configuration itself, data files, a JSON Schema of proposals. A
proposal says what it is by a top-level key, `cappolicy: 1` (format v1 requires it).
The file is parsed (YAML as proposals are composed, JSON by the standard reader) and
its document's top-level keys decide: the text is never searched, so a JSON Schema
whose properties name `cappolicy` is no proposal.

A file that cannot be read or parsed is handed on to the loader, which reports what
is wrong with it: a broken proposal is never skipped in silence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import CappolicyError
from .files import read_bytes
from .load import MAX_BYTES, compose_yaml

KEY = "cappolicy"


def looks_like_proposal(path: Path) -> bool:
    """False when the file is clearly not a proposal: it parses, and its document is not
    a mapping with a top-level `cappolicy` key. True otherwise."""
    try:
        raw = read_bytes(path, MAX_BYTES, what="proposal")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return True  # `check` reports why it cannot be read
    return looks_like_proposal_text(text, is_json=path.suffix.lower() == ".json")


def looks_like_proposal_text(text: str, *, is_json: bool = False) -> bool:
    """Whether the document of `text` has a top-level `cappolicy` key, or does not parse."""
    keys = top_level_keys(text, is_json)
    return keys is None or KEY in keys


def top_level_keys(text: str, is_json: bool = False) -> list[str] | None:
    """The top-level keys of the document (none when it is not a mapping); None when the
    text does not parse."""
    text = text.removeprefix("\ufeff")
    if is_json:
        try:
            data: Any = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return [str(k) for k in data] if isinstance(data, dict) else []
    try:
        root = compose_yaml(text, "<document>")
    except (CappolicyError, RecursionError):
        return None
    if root is None or root.kind != "map":
        return []
    return [str(key.value) for key, _ in root.value if key.kind == "scalar"]
