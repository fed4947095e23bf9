"""The source documents rules cite: `source "000_66251300b48a3485.txt, paragraph 5"`.

The documents (the "seeds") are plain text files kept in a folder named `seeds`. A body
paragraph is a line longer than 300 characters; paragraphs are numbered from 1 in the
order they appear (titles, dates and short lines around them are not counted), up to the
"Related Articles" list that closes a seed page.

The folder is the one given (`--seeds DIR`), else the first `seeds` folder, holding the
cited file, found in or beside one of the starting folders or the folders above them:
`./seeds`, `../seeds`, `../shared/seeds` (a `seeds` folder inside a sibling folder)...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

PARAGRAPH_MIN = 300  # a body paragraph is a line longer than this ...
RELATED_HEADING = "Related Articles"  # ... above this line, if the document has it
FOLDER = "seeds"

_CITATION = re.compile(r"\s*(?P<file>[^,]+?)\s*,\s*paragraph\s+(?P<number>\d+)\s*", re.IGNORECASE)


@attrs.frozen
class Citation:
    file: str  # a file name in the seeds folder
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
    """The body paragraphs of a seed document, in order: its lines longer than 300
    characters above the "Related Articles" list that closes a seed page (whose teasers
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
    """What a citation says, or why it cannot be shown (`problem`); `folder` is the seeds
    folder used, or None when none was found."""

    citation: Citation
    folder: Path | None
    text: str | None = None
    problem: str | None = None

    @property
    def file(self) -> Path | None:
        return self.folder / self.citation.file if self.folder is not None else None


def find_folder(name: str, starts: Iterable[Path]) -> Path | None:
    """The first `seeds` folder that holds the file `name`, in or beside each start folder
    or a folder above it (nearest first)."""
    seen: set[Path] = set()
    for start in starts:
        try:
            start = start.resolve()
        except OSError:
            continue
        for folder in (start, *start.parents):
            if folder in seen:
                continue
            seen.add(folder)
            for candidate in (folder / FOLDER, *_beside(folder)):
                if (candidate / name).is_file():
                    return candidate
    return None


def _beside(folder: Path) -> list[Path]:
    """`seeds` folders one level down: `shared/seeds` beside the repository `main`."""
    try:
        kids = sorted(k for k in folder.iterdir() if not k.name.startswith("."))
    except OSError:
        return []
    out = []
    for kid in kids:
        try:
            if kid.is_dir() and (kid / FOLDER).is_dir():
                out.append(kid / FOLDER)
        except OSError:
            continue
    return out


def quote(citation: Citation, folder: Path | None = None, starts: Sequence[Path] = ()) -> Quote:
    """The paragraph a citation names: from `folder` when given, else from the seeds folder
    found from `starts`."""
    if folder is None:
        folder = find_folder(citation.file, starts)
        if folder is None:
            return Quote(citation, None, problem=(
                f"the seed documents were not found (no {FOLDER}/{citation.file} in or beside "
                "the current folder, the ruleset's folder or a folder above them); "
                "give --seeds DIR"))
    path = folder / citation.file
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Quote(citation, folder, problem=f"{citation.file} is not in {folder}")
    except (OSError, UnicodeDecodeError) as exc:
        return Quote(citation, folder, problem=f"cannot read {path}: {exc}")
    found = paragraphs(text)
    if not 1 <= citation.paragraph <= len(found):
        return Quote(citation, folder, problem=(
            f"{citation.file} has {len(found)} body paragraphs, not a paragraph "
            f"{citation.paragraph}"))
    return Quote(citation, folder, found[citation.paragraph - 1])
