"""The parts of a run's text and JSON reports, in a temporary file until they are written.

A check writes each result's part of each report wanted (render_result, result_json)
as soon as the result is made, here or in a worker. Kept in memory, those parts grow
with the run: about 25 KB of text and 130 KB of JSON for an IATI activity, so 0.75 GB
and 3.9 GB for a file of 30,000. The spool keeps them in one temporary file instead,
each part compressed (zlib, fastest level: a tenth of its size or less), and the
reports are then written from it a result at a time (Checked.pieces in check.py).
What stays in memory per result is its sort key (one string), where its parts end
and a checksum of each: about 100 bytes and the length of its file's name and
proposal id, whatever the size of its parts. Its counts are added up as it
is kept (`counts`).

The file lives in the temporary folder, which other users may write to:
- it is made as tempfile makes one (O_EXCL, mode 0600), and has no name from the start
  (O_TMPFILE, opened here without importing tempfile, where the system has it) or from
  right after it is made (by tempfile): nothing outside this process can open it, and
  nothing is left behind however the run ends (an exception, Ctrl-C, kill -9);
- the folder is the one TMPDIR (else TEMP, TMP) names, else the system's: never
  another in its place; one that is a symbolic link that another user could point
  elsewhere (the link, or the folder it stands in, is theirs or open to them), or
  cannot be written, or fills up, is a CP470 error, exit 2;
- only what this process wrote is read back: each part from where it was written,
  of the size written, and held to the checksum of what was written (CP471 if not).
"""

from __future__ import annotations

import os
import stat
import zlib
from array import array
from collections.abc import Iterator, Sequence
from typing import IO

from ..base.errors import CappolicyError, Diagnostic
from ..report.model import Tally

#: zlib's fastest level: the parts are text that repeats itself, and it keeps the
#: time of writing them small beside the time of checking
LEVEL = 1
#: the start of the temporary file's name while it has one (only where O_TMPFILE is not)
PREFIX = "cappolicy-report-"
#: the variables that name the temporary folder, in the order tempfile reads them
FOLDER_VARIABLES = ("TMPDIR", "TEMP", "TMP")


def temporary_folder() -> str:
    """The folder the spool is made in: the first of TMPDIR, TEMP and TMP that is set,
    else tempfile's choice (on POSIX systems /tmp, where this user can write). A folder
    named but unusable is an error, never passed over for another (tempfile would fall
    back to the next usable one without a word)."""
    for name in FOLDER_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value
    if os.name == "posix" and os.access("/tmp", os.W_OK | os.X_OK):
        return "/tmp"  # tempfile's first choice there, named without importing it
    import tempfile  # a tenth of the start of a check: only where it must choose

    return tempfile.gettempdir()


def _link_is_ours(link: str) -> bool:
    """Whether only this user or the system can change where the link `link` points: it,
    and the folder it stands in, belong to root or to this user, and that folder is not
    writable by others (unless it is sticky, as /tmp is: then no one else may replace a
    link of ours there). macOS's /tmp is such a link, to /private/tmp."""
    mine = (0, os.geteuid())
    try:
        info = os.lstat(link)
        where = os.stat(os.path.dirname(os.path.abspath(link)) or "/")
    except OSError:
        return False
    open_to_others = where.st_mode & (stat.S_IWGRP | stat.S_IWOTH) \
        and not where.st_mode & stat.S_ISVTX
    return info.st_uid in mine and where.st_uid in mine and not open_to_others


def _problem(folder: str, why: str) -> CappolicyError:
    return CappolicyError(Diagnostic(
        "CP470", f"cannot keep the report in a temporary file in {folder}: {why}", None,
        "set TMPDIR to a folder of your own that can be written to and has room for the "
        "report (about a tenth of its size)"))


def pack(parts: Sequence[str]) -> tuple[bytes, ...]:
    """A result's parts as the spool keeps them, compressed: made where the result is
    checked, so that a worker sends them so (a tenth of the size or less)."""
    return tuple(zlib.compress(part.encode("utf-8", "surrogatepass"), LEVEL)
                 for part in parts)


def _nameless(folder: str) -> IO[bytes]:
    """A new file in `folder` that has no name, made as tempfile.TemporaryFile makes it
    (with its flags) but without importing tempfile where the system has O_TMPFILE. Where
    that fails (a file system without it), tempfile tries it again and then makes a file
    it names and at once removes; its error, if it has one, is the one told."""
    tmpfile = getattr(os, "O_TMPFILE", 0)
    if tmpfile:
        flags = os.O_RDWR | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | tmpfile
        try:
            fd = os.open(folder, flags, 0o600)
        except OSError:
            pass
        else:
            return os.fdopen(fd, "w+b")
    import tempfile

    return tempfile.TemporaryFile(dir=folder, prefix=PREFIX)


class Spool:
    """The `width` parts of each result kept, in a temporary file; a context manager
    that closes the file (and so frees its disk) on the way out."""

    def __init__(self, width: int, folder: str | None = None) -> None:
        self.folder = folder if folder is not None else temporary_folder()
        self.width = width
        self.counts = Tally()  #: the counts of every result kept
        self._file = self._open()
        self._end = 0
        #: where each part ends in the file, `width` for each result, in the order kept
        self._ends = array("q")
        self._sums = array("L")  # the CRC-32 of each part, as written
        #: each result's sort key, in the order kept, as one text: its file's name, NUL
        #: and its proposal id, which sorts as the pair does (no file name holds a NUL)
        self._keys: list[str] = []
        self._appending = True  # the file is at its end, where the next part goes

    def _open(self) -> IO[bytes]:
        folder = self.folder
        try:
            if stat.S_ISLNK(os.lstat(folder).st_mode) and not _link_is_ours(folder):
                raise _problem(folder, "it is a symbolic link, which whoever can write "
                                       "where it stands can point elsewhere")
            return _nameless(folder)
        except OSError as exc:
            raise _problem(folder, exc.strerror or str(exc)) from None

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file: its disk is freed (it has no name)."""
        self._file.close()

    def __len__(self) -> int:
        return len(self._keys)

    def keep(self, key: tuple[str, str], data: Sequence[bytes], counts: Tally) -> None:
        """Keep one result's parts (`width` of them, as `pack` made them) under its sort
        key, and add its counts. A file that cannot be written (the folder full) is a
        CP470 error."""
        if len(data) != self.width:
            raise ValueError(f"{len(data)} parts kept where each result has {self.width}")
        name, proposal = key
        if "\0" in name:
            raise ValueError(f"a file name holds a NUL character: {name!r}")
        try:
            if not self._appending:  # (a seek writes out what is buffered: only after a read)
                self._file.seek(self._end)
                self._appending = True
            for chunk in data:
                self._file.write(chunk)
        except OSError as exc:
            raise _problem(self.folder, exc.strerror or str(exc)) from None
        for chunk in data:
            self._end += len(chunk)
            self._ends.append(self._end)
            self._sums.append(zlib.crc32(chunk))
        self._keys.append(f"{name}\0{proposal}")
        self.counts += counts

    def order(self) -> list[int]:
        """The results kept, by number, in report order: by sort key, and results of
        one key in the order they were kept."""
        return sorted(range(len(self._keys)), key=self._keys.__getitem__)

    def parts(self, index: int, order: Sequence[int] | None = None) -> Iterator[str]:
        """The `index`th part of every result, in report order (or `order`), read back
        one at a time."""
        file = self._file
        self._appending = False
        try:
            file.flush()
        except OSError as exc:
            raise _problem(self.folder, exc.strerror or str(exc)) from None
        for n in order if order is not None else self.order():
            at = n * self.width + index
            start = self._ends[at - 1] if at else 0
            size = self._ends[at] - start
            try:
                file.seek(start)
                chunk = file.read(size)
            except OSError as exc:
                raise self._changed(exc.strerror or str(exc)) from None
            if len(chunk) != size or zlib.crc32(chunk) != self._sums[at]:
                raise self._changed("it does not hold what was written to it")
            try:
                yield zlib.decompress(chunk).decode("utf-8", "surrogatepass")
            except (zlib.error, UnicodeDecodeError) as exc:  # pragma: no cover - summed
                raise self._changed(str(exc)) from None

    def _changed(self, why: str) -> CappolicyError:
        return CappolicyError(Diagnostic(
            "CP471", f"the report kept in a temporary file in {self.folder} cannot be read "
            f"back: {why}", None,
            "something else wrote to or cut the file while the check ran; run it again"))
