"""The files a command is given, and how cappolicy reads and writes files.

Reading: every file cappolicy reads (proposals, rule files, settings, rule tests, the
cited source documents, and the lines diagnostics quote) goes through `read_bytes`, which
reads only a regular file, and at most a bounded number of bytes of it: a FIFO cannot
block (it is opened without blocking, then refused), a device such as /dev/zero is
refused before a byte is read, and a /proc or /sys file (regular, but made up as it is
read) is refused by its file system, before a byte is read.

Symbolic links: a file named on the command line may be a link to a regular file, and is
followed (it was named on purpose; a pre-commit hook does not pass links, since they are
not YAML or JSON files to it). A link found while scanning a folder is followed only
when what it points to is inside that folder; one that leads out of it, round a loop or
nowhere is never read (`scan_folder`, for proposals, rule files and rule tests): passed
over with a note, or, for a rule file, an error of its ruleset (rulesets/catalog.py).
The cited source documents are never read through a link.

Writing: report files (`check --output`) and `cappolicy init`'s skeleton are written
whole to a temporary file in the same folder, then renamed over the target, so a
reader never sees half a file. A symbolic link at the target is replaced by the new
file, never followed: the file it pointed to is left untouched. What is not a file is
never replaced: a character device (/dev/null, a terminal) or a named pipe named as the
target is written to (a pipe only while something reads it: one with no reader is an
error, never a wait), a link to this process's standard output or error (/dev/stdout,
/dev/fd/2) writes there, and a block device or a socket is refused. Renamed over, as
root, /dev/null would have become a regular file for every program on the machine.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from .deferred import N_
from .record import Record

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
        if info.st_dev in _kernel_devices():
            # sysfs says 4096 bytes of every file, so the size check below cannot tell
            raise NotReadable(errno.EINVAL, "it is a file of the kernel's (/sys or /proc), "
                                            "not a file to check")
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


@functools.cache
def _kernel_devices() -> frozenset[int]:
    """The devices of /sys and /proc, where the system's files are made up when read
    (none where they are no mounts of their own: then they are the root's device)."""
    def device(folder: str) -> int | None:
        try:
            return os.stat(folder).st_dev
        except OSError:
            return None
    root = device("/")
    return frozenset(d for d in (device("/sys"), device("/proc")) if d is not None and d != root)


def _too_large(limit: int, what: str) -> str:
    size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    return f"it is larger than {size}; a {what} is far smaller"


class Skipped(Record):
    """A file a folder scan passed over, and `why`: what it is, a deferred text (N_), for
    the note (CP425) of a caller that passes over it (`message`, `help`) or the error of
    one that refuses it (rule files). `unread`: a folder that could not be listed, whose
    files nobody knows: every caller refuses it (an error), as passing over it would
    leave what it holds unchecked and say nothing."""

    __slots__ = ("path", "why", "help", "unread")
    path: Path
    why: str
    help: str | None
    unread: bool

    def __init__(self, path: Path, why: str, help: str | None = None,
                 unread: bool = False) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "why", why)
        object.__setattr__(self, "help", help)
        object.__setattr__(self, "unread", unread)

    @property
    def message(self) -> str:
        if self.unread:
            return N_("{path} is {why}: what it holds is not checked", path=str(self.path),
                      why=self.why)
        return N_("{path} is {why}: skipped", path=str(self.path), why=self.why)


def scan_folder(folder: Path, suffixes: Iterable[str], *, recursive: bool = True,
                hidden: bool = False) -> tuple[list[Path], list[Skipped]]:
    """The regular files in `folder` (and below it, when `recursive`) whose names end with
    one of `suffixes` in any case (`.yaml` finds `P.YAML`), sorted; and those of such a
    name passed over: a symbolic link that leads out of `folder`, round a loop or nowhere,
    and what is not a regular file. Unless `hidden`, what lies in a hidden folder below
    `folder`, or is hidden itself, is not looked at (`folder` itself may sit anywhere).
    Linked folders are not descended into. A folder that cannot be listed (no permission
    to read it) is passed over as `unread`, which its callers refuse. Nothing found is
    opened."""
    ends = tuple(suffix.lower() for suffix in suffixes)
    inside = Path(os.path.realpath(folder))
    found: list[Path] = []
    skipped: list[Skipped] = []
    searched: set[Path] = set()  # folders found listable but not searchable, said once
    for p in sorted(_entries(folder, recursive, hidden, skipped)):
        if not p.name.lower().endswith(ends) or not hidden and p.name.startswith("."):
            continue
        try:
            link = p.is_symlink()
        except OSError as exc:  # a folder that may be listed but not searched (r--)
            _unsearchable(p.parent, exc, searched, skipped)
            continue
        if link:
            # realpath, not Path.resolve: it stops at a loop where resolve raises
            target = Path(os.path.realpath(p))
            if not target.is_relative_to(inside):
                skipped.append(Skipped(p, N_(
                    "a symbolic link to {target}, outside {folder}", target=str(target),
                    folder=str(folder)),
                    N_("name the file itself on the command line to check it")))
                continue
            if not hidden and any(part.startswith(".")
                                  for part in target.relative_to(inside).parts):
                # judged by where it leads: proposals/c.json -> ../.env is the .env
                skipped.append(Skipped(p, N_(
                    "a symbolic link to {target}, a hidden file or a file in a hidden "
                    "folder", target=str(target)),
                    N_("name the file itself on the command line to check it")))
                continue
        try:
            mode = os.stat(p).st_mode
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM):
                _unsearchable(p.parent, exc, searched, skipped)
            elif exc.errno == errno.ELOOP:
                skipped.append(Skipped(p, N_("a symbolic link that leads round a loop of "
                                             "links")))
            else:
                skipped.append(Skipped(p, N_("a broken symbolic link")))
            continue
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            skipped.append(Skipped(p, N_("{kind}, not a regular file", kind=kind_of(mode))))
            continue
        found.append(p)
    return found, skipped


def _unsearchable(folder: Path, exc: OSError, said: set[Path],
                  skipped: list[Skipped]) -> None:
    """A folder whose names could be listed but whose files cannot be reached: refused as
    one that cannot be listed is, once."""
    if folder not in said:
        said.add(folder)
        skipped.append(_unread(folder, exc))


def _unread(folder: Path, exc: OSError) -> Skipped:
    """A folder that cannot be read: its files unknown, which every caller refuses."""
    return Skipped(folder, N_("a folder that cannot be read ({reason})",
                              reason=exc.strerror or str(exc)),
                   N_("give the user running cappolicy the right to read it, or name the "
                      "files to check"), unread=True)


def _entries(folder: Path, recursive: bool, hidden: bool,
             skipped: list[Skipped]) -> Iterator[Path]:
    """What `folder` holds, and below it when `recursive`: never what a linked folder
    holds, nor, unless `hidden`, a hidden folder's. A folder that cannot be listed is
    added to `skipped` (`unread`), where a glob would pass over it without a word."""
    waiting = [folder]
    while waiting:
        here = waiting.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except OSError as exc:
            skipped.append(_unread(here, exc))
            continue
        for entry in entries:
            path = here / entry.name
            yield path
            if not recursive or not hidden and entry.name.startswith("."):
                continue
            try:
                below = entry.is_dir(follow_symlinks=False)
            except OSError:
                below = False
            if below:
                waiting.append(path)


def project_root(start: Path) -> Path | None:
    """The project's root folder above `start` (or `start` itself): the first holding
    `.git` (a folder or a file), or the user's home folder, whichever comes first; None
    when neither is, or when a folder another user could write to comes first
    (_trusted): a `.git` planted in a shared folder above a checkout marks no project.
    The root of the file system is never the home folder (HOME=/, as for system
    accounts, would make every folder a project's)."""
    try:
        home: Path | None = Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no home folder known
        home = None
    if home is not None and home == Path(home.anchor):
        home = None
    for folder in _climb(start):
        if folder == home or os.path.lexists(folder / ".git"):
            return folder
    return None


def search_folders(start: Path) -> list[Path]:
    """The folders settings are looked for in, nearest first: `start` and the folders
    above it up to the project's root (project_root); only `start` when it has none."""
    root = project_root(start)
    if root is None:
        return [start]
    return [start, *(folder for folder in start.parents if folder.is_relative_to(root))]


def nearest_marked(start: Path, markers: tuple[str, ...]) -> Path | None:
    """The nearest folder at or above `start` holding one of `markers` (".git",
    "cappolicy.toml"), climbing only into folders `_trusted` as project_root does; None
    when none is found before an untrusted folder or the root."""
    for folder in _climb(start):
        if any(os.path.lexists(folder / marker) for marker in markers):
            return folder
    return None


def _climb(start: Path, stopped: list[Path] | None = None) -> Iterator[Path]:
    """`start`, then each folder above it while the climb may enter it (_trusted);
    the folder that stopped it, if any, is appended to `stopped`."""
    owners = _owners(start)
    yield start
    for folder in start.parents:
        if not _trusted(folder, owners):
            if stopped is not None:
                stopped.append(folder)
            return
        yield folder


def _owners(start: Path) -> set[int]:
    """Who may own a folder the search climbs into: this user, root (only root can write
    what root owns) and the owner of `start`, whose project it is (a checkout in a
    container run as root belongs to the runner's user)."""
    owners = {0, os.geteuid()} if hasattr(os, "geteuid") else {0}
    try:
        owners.add(os.stat(start).st_uid)
    except OSError:
        pass
    return owners


def _trusted(folder: Path, owners: set[int]) -> bool:
    """Whether settings, and a `.git` marking a project's root, may be taken from
    `folder`: one of `owners` owns it and no other user can add a file to it. A folder
    writable by others is not, sticky or not: the sticky bit (/tmp) stops others from
    removing or replacing a file, not from adding a `.git` or a `cappolicy.toml` that is
    not there. Without owners and modes (Windows), every folder is."""
    if os.name == "nt":
        return True
    try:
        info = os.stat(folder)
    except OSError:
        return False
    if info.st_uid not in owners or info.st_mode & stat.S_IWOTH:
        return False
    # a folder its group can write to is the group's members' as well: trusted only when
    # that group is its owner's own (a user private group, which a umask of 002 leaves
    # writable on the user's every folder)
    return not info.st_mode & stat.S_IWGRP or _private_group(info.st_uid, info.st_gid)


def _private_group(uid: int, gid: int) -> bool:
    """Whether `gid` is the user private group of `uid`: named as the user, with no
    member but the user."""
    try:
        import grp
        import pwd
        group, user = grp.getgrgid(gid), pwd.getpwuid(uid)
    except (ImportError, KeyError):
        return False
    return group.gr_name == user.pw_name and all(m == user.pw_name for m in group.gr_mem)


def untrusted_above(start: Path) -> Path | None:
    """The first folder above `start` that the climb to a project (project_root) does
    not enter because another user could have written to it, when it or a folder above
    it holds settings or a `.git` that are then not read; None otherwise."""
    stopped: list[Path] = []
    for folder in _climb(start, stopped):
        if folder != start and os.path.lexists(folder / ".git"):
            return None
    if not stopped:
        return None
    marked = any(os.path.lexists(f / name) for f in (stopped[0], *stopped[0].parents)
                 for name in (".git", "cappolicy.toml", "pyproject.toml"))
    return stopped[0] if marked else None


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write `text` (UTF-8; or its pieces, in order) to `path` whole: to a temporary file
    in the same folder, then renamed over `path`. A symbolic link at `path` is replaced,
    not followed, unless it leads to this process's standard output or error; an
    existing regular file keeps its permissions; a device or a named pipe is written to,
    never replaced (the module's docstring). Raises OSError when it cannot be."""
    folder = path.parent
    try:
        old = os.lstat(path)
    except FileNotFoundError:
        old = None
    if old is not None and stat.S_ISDIR(old.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder")
    if old is not None and not stat.S_ISREG(old.st_mode):
        if stat.S_ISLNK(old.st_mode):
            standard = _standard_stream(path)
            if standard is not None:
                _write_stream(standard, text)
                return
        elif stat.S_ISCHR(old.st_mode) or stat.S_ISFIFO(old.st_mode):
            _write_through(path, old.st_mode, text)
            return
        else:
            raise OSError(errno.EINVAL, f"it is {kind_of(old.st_mode)}, which a report is "
                                        "never written to")
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
            for chunk in _pieces(text):
                stream.write(chunk)
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


def _pieces(text: str | Iterable[str]) -> Iterable[bytes]:
    for piece in [text] if isinstance(text, str) else text:
        yield piece.encode("utf-8", errors="replace")


def _standard_stream(link: Path) -> int | None:
    """1 or 2 when the symbolic link `link` leads to this process's standard output or
    error (/dev/stdout, /dev/fd/2, /proc/self/fd/1), whatever that is (a terminal, a
    pipe, a file), else None."""
    try:
        target = os.stat(link)
    except OSError:
        return None
    for fd in (1, 2):
        try:
            mine = os.fstat(fd)
        except OSError:
            continue
        if (mine.st_dev, mine.st_ino) == (target.st_dev, target.st_ino):
            return fd
    return None


def _write_stream(fd: int, text: str | Iterable[str]) -> None:
    """To standard output or error, after what Python has kept of it to write."""
    import sys

    stream = sys.stdout if fd == 1 else sys.stderr
    stream.flush()
    _write_all(fd, text)


def _write_through(path: Path, mode: int, text: str | Iterable[str]) -> None:
    """To the character device or named pipe at `path`. A pipe is opened without
    waiting: with no process reading it, that fails (ENXIO), said as such."""
    flags = os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | \
        getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO and stat.S_ISFIFO(mode):
            raise OSError(errno.ENXIO, "it is a named pipe (FIFO) that no process is "
                                       "reading") from None
        raise
    try:
        os.set_blocking(fd, True)  # written at the pace of its reader, as a pipe is
        _write_all(fd, text)
    finally:
        os.close(fd)


def _write_all(fd: int, text: str | Iterable[str]) -> None:
    for chunk in _pieces(text):
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]


def led_out(path: Path) -> str | None:
    """Where a report file named within the project (a relative path that does not climb
    out with `..`) would land when a folder on its way is a symbolic link leading out of
    the project (`reports` -> a folder of the machine, committed by a pull request); None
    when it lands where it is named, or was named elsewhere on purpose."""
    if path.is_absolute() or ".." in path.parts:
        return None
    here = Path.cwd()
    real = os.path.realpath(here / path.parent)
    return None if Path(real).is_relative_to(held_within(here)) else real


def held_within(folder: Path) -> Path:
    """The folder a file of `folder` is held to, links followed: its project's root
    (project_root), else `folder` itself. A settings file, a report or a rule file that
    leads out of it through a symbolic link is not read or written."""
    return Path(os.path.realpath(project_root(folder) or folder))
