"""The files a command is given: each file named, and the files of the kind wanted below
each folder named, in order, with a diagnostic for a path that cannot be one."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

from ..base.deferred import N_
from ..base.errors import Diagnostic
from ..base.files import kind_of, scan_folder

#: proposal files
PROPOSAL_SUFFIXES = (".yaml", ".yml", ".json")
#: and IATI activity files: an .xml file named, or one below a folder whose root is IATI's
CHECKED_SUFFIXES = (*PROPOSAL_SUFFIXES, ".xml")


def collect(paths: Iterable[Path], suffixes: tuple[str, ...], code: str,
            what: str) -> tuple[list[Path], list[Diagnostic]]:
    """Each file named, and each file below a folder named whose suffix is one of
    `suffixes`, in any case (sorted; none inside a hidden folder below it, nor hidden
    itself), each once, in order; and a diagnostic `code` for a path that does not
    exist, is not a regular file, or a folder with no such file (`what` names them:
    "proposal files").

    Below a folder, a symbolic link that leads out of the folder, round a loop or
    nowhere, and anything that is not a regular file (a FIFO, a device), are skipped,
    each with a diagnostic of level "note": the caller shows notes and carries on. A
    folder that cannot be listed is an error (CP425): its files go unchecked."""
    files: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            found, notes = _scan(path, suffixes)
            problems.extend(notes)
            if not found and not any(n.level == "error" for n in notes):
                problems.append(Diagnostic(code, N_(
                    "{path} holds no {what} ({suffixes})", path=str(path), what=what,
                    suffixes=", ".join(suffixes))))
            files.extend(found)
            continue
        try:
            info = os.stat(path)
        except OSError:
            info = None
        if info is None:
            problems.append(Diagnostic(code, N_("no such file or folder: {path}",
                                                path=str(path))))
        elif not stat.S_ISREG(info.st_mode):
            problems.append(Diagnostic(code, N_(
                "{path} is {kind}, not a regular file; cappolicy reads only regular files",
                path=str(path), kind=kind_of(info.st_mode))))
        else:
            files.append(path)
    return list(dict.fromkeys(files)), problems


def _scan(folder: Path, suffixes: tuple[str, ...]) -> tuple[list[Path], list[Diagnostic]]:
    """The regular files below `folder` with one of `suffixes`, in any case, and notes on
    those skipped (base/files.scan_folder)."""
    found, skipped = scan_folder(folder, suffixes)
    return found, [Diagnostic("CP425", s.message, None, s.help,
                              level="error" if s.unread else "note") for s in skipped]


def iati_in_folders(files: list[Path], named: Sequence[Path]) -> list[Path]:
    """Of the .xml files found below folders, those that are IATI files (their root
    element says so); an .xml file in `named` is checked whatever it holds (with
    --only-proposals none is: a hook names every changed file)."""
    if not any(file.suffix.lower() == ".xml" for file in files):
        return files
    from ..proposal.iati import is_iati

    return [file for file in files
            if file.suffix.lower() != ".xml" or file in named or is_iati(file)]


class FileNames(Sequence[Path]):
    """Files held by their names, each made a Path again when it is read: a run over
    thousands of files keeps a string a file, where a Path keeps its parts besides
    (about 365 bytes a file in all)."""

    __slots__ = ("_names",)

    def __init__(self, files: Iterable[Path]) -> None:
        self._names = [str(file) for file in files]

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, index: int) -> Path: ...

    @overload
    def __getitem__(self, index: slice) -> list[Path]: ...

    def __getitem__(self, index: int | slice) -> Path | list[Path]:
        if isinstance(index, slice):
            return [Path(name) for name in self._names[index]]
        return Path(self._names[index])

    def __iter__(self) -> Iterator[Path]:
        return map(Path, self._names)
