"""The cited source documents: `source "000_66251300b48a3485.txt, paragraph 5"`.

The documents are plain text files kept in one folder. A body paragraph is a line
longer than 300 characters; paragraphs are numbered from 1 in the order they appear
(titles, dates and short lines around them are not counted), up to the "Related
Articles" list that closes a source page.

The folder is always given, never looked for: `--sources DIR` on the command line, or
`sources = "DIR"` in cappolicy.toml (relative to that file). Without it, citations are
shown (and linted for their form) but not quoted.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from ..base.files import read_text

PARAGRAPH_MIN = 300  # a body paragraph is a line longer than this ...
RELATED_HEADING = "Related Articles"  # ... above this line, if the document has it

# the file name neither starts nor ends with white space, so that each space is read one
# way only: `[^,]+?` between two `\s*` backtracked for minutes over a few thousand spaces
_CITATION = re.compile(r"\s*(?P<file>[^,\s](?:[^,]*[^,\s])?)\s*,\s*paragraph\s+(?P<number>\d+)\s*",
                       re.IGNORECASE)


@attrs.frozen
class Citation:
    file: str  # a file name in the folder of the cited source documents
    paragraph: int


def parse_citation(source: str) -> Citation | None:
    """`000_66251300b48a3485.txt, paragraph 5` -> Citation; None for any other form, or for
    a file name that is not a plain name (a ruleset never makes cappolicy read a path)."""
    match = _CITATION.fullmatch(source)
    if match is None:
        return None
    name = match.group("file")
    if Path(name).name != name or name.startswith(".") or "\\" in name:
        return None
    return Citation(name, int(match.group("number")))


def paragraphs(text: str) -> list[str]:
    """The body paragraphs of a source document, in order: its lines longer than 300
    characters above the "Related Articles" list that closes a source page (whose teasers
    can be as long), as `cappolicy lint` counts them."""
    found = []
    for line in text.splitlines():
        if line.strip() == RELATED_HEADING:
            break
        if len(line) > PARAGRAPH_MIN:
            found.append(line.strip())
    return found


@attrs.frozen
class Quote:
    """What a citation says, or why it cannot be shown (`problem`); `folder` is the folder
    of the cited source documents, or None when none was given."""

    citation: Citation
    folder: Path | None
    text: str | None = None
    problem: str | None = None

    @property
    def file(self) -> Path | None:
        return self.folder / self.citation.file if self.folder is not None else None


def quote(citation: Citation, folder: Path | None = None) -> Quote:
    """The paragraph a citation names, from the folder of the cited source documents
    (None: not given, so nothing is quoted and the problem says how to give it)."""
    if folder is None:
        return Quote(citation, None, problem=(
            "the cited source documents were not given: pass --sources DIR, or set "
            "sources = \"DIR\" in cappolicy.toml"))
    path = folder / citation.file
    try:  # a regular file in the folder, never read through a link
        text = read_text(path, follow=False, what="source document")
    except FileNotFoundError:
        return Quote(citation, folder, problem=f"{citation.file} is not in {folder}")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        return Quote(citation, folder, problem=f"cannot read {path}: {reason}")
    found = paragraphs(text)
    if not 1 <= citation.paragraph <= len(found):
        return Quote(citation, folder, problem=(
            f"{citation.file} has {len(found)} body paragraphs, not a paragraph "
            f"{citation.paragraph}"))
    return Quote(citation, folder, found[citation.paragraph - 1])
