"""Tell proposal files from the other YAML and JSON files of a repository.

A pre-commit hook or a CI job passes every changed `.yaml`/`.json` file: workflow
files, the hook configuration itself, data files. A proposal says what it is on
its first key, `cappolicy: 1` (format v1 requires it), so a file whose text has
no top-level `cappolicy` key is clearly something else and can be skipped.

This is a look at the text, not a parse: a file that is meant to be a proposal
but is broken (bad YAML, a wrong version) still has its `cappolicy:` line and is
handed to the loader, which reports what is wrong with it. A file that cannot be
read is handed on too, for the same reason."""

from __future__ import annotations

import re
from pathlib import Path

from .files import read_bytes
from .load import MAX_BYTES

# `cappolicy:` as a key at the start of a line: a top-level key of a block mapping
# (a nested key is indented). The key may be quoted.
_YAML_KEY = re.compile(r"""^(?:cappolicy|"cappolicy"|'cappolicy')[ \t]*:(?:[ \t]|$)""",
                       re.MULTILINE)
# A key of a flow mapping or a JSON object, anywhere in it.
_FLOW_KEY = re.compile(r"""(?:^|[{,\s])(?:cappolicy|"cappolicy"|'cappolicy')[ \t]*:""")
# Comments, directives, document markers and blank lines before the content.
_PREAMBLE = re.compile(r"(?:[ \t]*(?:#[^\n]*|%[^\n]*|---[ \t]*)?\r?\n)*[ \t]*")


def looks_like_proposal(path: Path) -> bool:
    """False when the file is clearly not a proposal: readable, and no top-level
    `cappolicy` key in its text. True otherwise."""
    try:
        raw = read_bytes(path, MAX_BYTES, what="proposal")
    except OSError:
        return True  # `check` reports why it cannot be read
    return looks_like_proposal_text(raw.decode("utf-8", "replace"))


def looks_like_proposal_text(text: str) -> bool:
    text = text.removeprefix("\ufeff")
    if _YAML_KEY.search(text):
        return True
    start = _PREAMBLE.match(text)
    body = text[start.end():] if start else text
    return body.startswith("{") and _FLOW_KEY.search(body) is not None
