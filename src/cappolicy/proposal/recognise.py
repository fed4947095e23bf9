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

import yaml

from ..base.files import read_bytes
from .load import MAX_BYTES

#: PyYAML's event parser, libyaml's when available
_EVENTS: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
    """Whether the document of `text` has a top-level `cappolicy` key (or one misspelt:
    `_near`), or the fields of a proposal without it (`_unversioned`), or does not parse."""
    keys = top_level_keys(text, is_json)
    return keys is None or any(key == KEY or _near(key) for key in keys) or _unversioned(keys)


def _unversioned(keys: list[str]) -> bool:
    """Whether top-level keys are a proposal's that lacks its `cappolicy: 1`: a
    `host_country` and two more of the fields only a proposal has (`period`,
    `organisations`, `funding`...). Skipped as another file, such a proposal went
    unchecked and the run passed; the loader says what it lacks instead."""
    if "host_country" not in keys:
        return False
    from .schema import PROPOSAL

    own = {f.name for f in PROPOSAL.fields} - {KEY, "id", "title", "host_country"}
    return len(own.intersection(keys)) >= 2


def _near(key: str) -> bool:
    """Whether a key is `cappolicy` misspelt: in other capitals or with a separator
    (`Cappolicy`, `cap-policy`), or with a letter of it doubled or undoubled (`capolicy`,
    `cappolicyy`). Such a file is meant as a proposal: the loader says what is wrong with
    it, where skipping it would leave it unchecked with a note few read. Keys one letter
    away otherwise (`gap_policy`, `map_policy`) belong to other files."""
    word = "".join(c for c in key.lower() if c.isalpha())
    if word == KEY:
        return True
    short, long_ = sorted((word, KEY), key=len)
    if len(long_) - len(short) != 1:
        return False
    # long_ is short with one letter doubled: the letter removed leaves short, and it
    # stands beside the same letter
    return any(long_[:i] + long_[i + 1:] == short and
               (long_[i - 1:i] == long_[i] or long_[i + 1:i + 2] == long_[i])
               for i in range(len(long_)))


def top_level_keys(text: str, is_json: bool = False) -> list[str] | None:
    """The top-level keys of the document (of each document of a YAML stream; none when
    it is not a mapping), up to the first `cappolicy` key; None when the text does not
    parse, or a key of YAML is an alias (`*k`), which may stand for `cappolicy`."""
    text = text.removeprefix("\ufeff")
    if is_json:
        try:
            data: Any = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return [str(k) for k in data] if isinstance(data, dict) else []
    return _yaml_keys(text)


def _yaml_keys(text: str) -> list[str] | None:
    """The keys of the top-level mappings of a YAML stream's documents, read from the
    parser's events (no value is constructed, no tag applied): the scalars that stand in
    key position at depth 1. Stops at a `cappolicy` key; the loader reads the rest (and
    says that a proposal is one document). None, as for text that does not parse, at a
    key that is an alias."""
    keys: list[str] = []
    depth = 0
    items = 0  # nodes completed at depth 1: even before a key, odd before a value
    root_is_map = False
    try:
        for event in yaml.parse(text, Loader=_EVENTS):
            if isinstance(event, yaml.DocumentStartEvent):
                depth, items, root_is_map = 0, 0, False
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if depth == 0:
                    root_is_map = isinstance(event, yaml.MappingStartEvent)
                depth += 1
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                if depth == 1:
                    items += 1
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)) and depth == 1:
                if root_is_map and items % 2 == 0:
                    if isinstance(event, yaml.AliasEvent):
                        # `*k: 1` may stand for `cappolicy: 1` (`&k cappolicy` above): the
                        # keys alone cannot tell, so the loader reads the file and decides
                        return None
                    keys.append(event.value)
                    if event.value == KEY:
                        return keys
                items += 1
    except (yaml.YAMLError, RecursionError):
        return None
    return keys
