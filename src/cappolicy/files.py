"""The files a command is given: files named, and the files below folders named."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import Diagnostic


def collect(paths: Iterable[Path], suffixes: tuple[str, ...], code: str,
            what: str) -> tuple[list[Path], list[Diagnostic]]:
    """Each file named, and each file below a folder named whose suffix is one of
    `suffixes` (sorted; none inside a hidden folder below it, nor hidden itself), each
    once, in order; and a diagnostic `code` for a path that does not exist or a folder
    with no such file (`what` names them: "proposal files")."""
    files: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            # hidden below the folder given: the folder itself may sit anywhere
            found = sorted(p for p in path.rglob("*") if p.suffix in suffixes and p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                problems.append(Diagnostic(code, f"{path} holds no {what} "
                                                 f"({', '.join(suffixes)})"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Diagnostic(code, f"no such file or folder: {path}"))
    return list(dict.fromkeys(files)), problems
