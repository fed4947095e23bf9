"""The files a command is given, and how cappolicy reads and writes files.

Reading: every file cappolicy reads (proposals, rule files, settings, rule tests, the
cited source documents, and the lines diagnostics quote) goes through `read_bytes`, which
reads only a regular file, and at most a bounded number of bytes of it: a FIFO cannot
block (it is opened without blocking, then refused), a device such as /dev/zero is
refused before a byte is read, and a /proc or /sys file (regular, but "size 0" with
content) is refused because it holds more than its size says.

Symbolic links: a file named on the command line may be a link to a regular file, and is
followed (it was named on purpose; a pre-commit hook does not pass links, since they are
not YAML or JSON files to it). A link found while scanning a folder is followed only
when what it points to is inside that folder; one that leads out of it is skipped, with
a note. The cited source documents are never read through a link.

Writing: report files (`check --output`) and `cappolicy init`'s skeleton are written
whole to a temporary file in the same folder, then renamed over the target, so a
reader never sees half a file. A symbolic link at the target is replaced by the new
file, never followed: the file it pointed to is left untouched.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .deferred import N_

#: The most cappolicy reads of any one file unless its reader says less: no proposal,
#: rule file, settings file or rule test comes near it.
MAX_BYTES = 10 * 1024 * 1024

_KINDS = ((stat.S_ISDIR, N_("a folder")), (stat.S_ISFIFO, N_("a named pipe (FIFO)")),
          (stat.S_ISCHR, N_("a character device")), (stat.S_ISBLK, N_("a block device")),
          (stat.S_ISSOCK, N_("a socket")), (stat.S_ISLNK, N_("a symbolic link")))


class NotReadable(OSError):
    """A file cappolicy will not read: not a regular file, or too large. An OSError, so
    a reader's `except OSError` reports it as it reports a missing file (`strerror`)."""


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return N_("not a regular file")


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_BYTES, *,
               follow: bool = True, what: str = "file") -> bytes:
    """The content of a regular file of at most `limit` bytes. Raises NotReadable (an
    OSError) for anything else, or the OSError of opening it; with `follow=False`, a
    symbolic link is refused too. Never blocks on a FIFO, never reads a device."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | \
        getattr(os, "O_BINARY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP:
            raise NotReadable(errno.ELOOP, "it is a symbolic link, which is not followed "
                                           "here") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable(errno.EINVAL, f"it is {kind_of(info.st_mode)}, not a regular "
                                            "file")
        if info.st_size > limit:
            raise NotReadable(errno.EFBIG, _too_large(limit, what))
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise NotReadable(errno.EFBIG, _too_large(limit, what))
        if got > info.st_size:  # /proc/self/environ and the like: "size 0", yet content
            raise NotReadable(errno.EINVAL, "it is not an ordinary file: it holds more than "
                                            "its size says (a /proc or /sys file?)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike[str], limit: int = MAX_BYTES, *,
              follow: bool = True, what: str = "file") -> str:
    """read_bytes as UTF-8 text (UnicodeDecodeError when it is not)."""
    return read_bytes(path, limit, follow=follow, what=what).decode("utf-8")


def _too_large(limit: int, what: str) -> str:
    size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    return f"it is larger than {size}; a {what} is far smaller"


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write `text` (UTF-8; or its pieces, in order) to `path` whole: to a temporary file in the same folder,
    then renamed over `path`. A symbolic link at `path` is replaced, not followed; an
    existing regular file keeps its permissions. Raises OSError when it cannot be."""
    folder = path.parent
    try:
        old = os.lstat(path)
    except FileNotFoundError:
        old = None
    if old is not None and stat.S_ISDIR(old.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder")
    if old is not None and stat.S_ISREG(old.st_mode):
        mode = stat.S_IMODE(old.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    import tempfile  # only to write: a check only reads

    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            for piece in [text] if isinstance(text, str) else text:
                stream.write(piece.encode("utf-8", errors="replace"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
