"""An on-disk cache of work that depends only on files: parsed rule files
(lang/cached.py), lark's parser tables (lang/tables.py) and the code lists of pycountry
(proposal/codes.py). It makes a cold `cappolicy check` skip lark and pycountry. This
module is the store; each of those modules says what it keeps and under which key.

Where: `$CAPPOLICY_CACHE_DIR`, else `$XDG_CACHE_HOME/cappolicy`, else `~/.cache/cappolicy`;
`CAPPOLICY_NO_CACHE=1` turns it off. Each entry is one file, named after what it is for
(a rule file's path, say): a first line that is a digest of the key it was made under
(cappolicy's version, Python's, a digest of the code that made the value, and the content
of every input file, hashed, so an edit that keeps the file's size and time is still
seen) and a seal, then the value as JSON data (cachedata.py). The key is compared before
the value is looked at; the seal is a MAC of the entry's name, key and value under the
user's cache key, 32 random bytes kept outside the cache folder (`$XDG_STATE_HOME/
cappolicy/cache-key`, else `~/.local/state/cappolicy/cache-key`, made on first use), so
an entry written by anyone who does not hold the key (a CI cache restored from another
run, a cache folder committed into a checkout) is no entry: it cannot change what a rule
file means, nor give lark a lexer pattern that never ends. The value is then decoded by
an allow-list of classes with checked fields: reading an entry never runs code, whoever
wrote it. An entry that is missing, unreadable,
malformed or made under another key is ignored, rebuilt and replaced; entries are written
to a temporary file and renamed into place, so a reader never sees half of one.

The same folder keeps the LALR tables of lark's parsers (`lark`), as plain data, in
place of lark's own cache.

Only a folder that is this user's alone is used: its path absolute; the folder, its
`rules`, `codes` and `lark` folders and every entry owned by the user and writable by no one
else; entries regular files, not symbolic links; the folders above it owned by the user
or root and writable by no one else unless sticky (as /tmp is). The key's folder and
file are held to the same rules. Otherwise the run says
once, on stderr, which folder it does not use and why, and goes on without the cache.
Any other failure to read or write the cache is silent: the result is the same without it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from .. import __version__

try:  # CPython's own BLAKE2, without hashlib, which loads OpenSSL (digest)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - another Python
    from hashlib import blake2b

T = TypeVar("T")

#: bumped when the layout of entries changes (1: pickles; 2: a key line, then JSON;
#: 3: the key line sealed with the user's cache key)
FORMAT = 3
_SUFFIX = ".json"


def cache_dir() -> Path | None:
    """The folder the cache is set to be in, or None when it is turned off. Whether it
    may be used is `usable_dir`'s question."""
    if os.environ.get("CAPPOLICY_NO_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("CAPPOLICY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "cappolicy"
    home = os.path.expanduser("~")
    if not os.path.isabs(home):  # no home to keep a cache in: none
        return None
    return Path(home) / ".cache" / "cappolicy"


def digest(*parts: bytes | str) -> str:
    """BLAKE2b-256 of `parts`, each preceded by its length: Python's own code, where
    SHA-256 is OpenSSL's, whose loading (by `import hashlib`) took a few milliseconds of
    every start. Only the cache's keys and entries' names are digests."""
    h = blake2b(digest_size=32)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


# ----------------------------------------------------------------- whose folder

#: folder -> why it is not used (None: it is), decided once a process
_verdicts: dict[str, str | None] = {}
_noted: set[str] = set()


def usable_dir(kind: str | None = None) -> Path | None:
    """The cache folder (its `kind` subfolder, when given), if the cache is on and the
    folder is safe to use; else None, and the first time, a note on stderr saying why."""
    folder = cache_dir()
    if folder is None:
        return None
    name = str(folder)
    if name not in _verdicts:
        _verdicts[name] = _unsafe_folder(folder)
    if _verdicts[name] is None and kind is not None:
        sub = str(folder / kind)
        if sub not in _verdicts:
            _verdicts[sub] = _unsafe_subfolder(folder / kind)
        if _verdicts[sub] is not None:
            _verdicts[name] = _verdicts[sub]
    why = _verdicts[name]
    if why is not None:
        _note(name, why)
        return None
    return folder if kind is None else folder / kind


def key_dir() -> Path | None:
    """The folder of the user's cache key: `$XDG_STATE_HOME/cappolicy`, else
    `~/.local/state/cappolicy`; never the cache folder, whose contents a CI cache or a
    checkout may bring. None when there is no home to keep it in."""
    state = os.environ.get("XDG_STATE_HOME")
    if state and os.path.isabs(state):
        return Path(state) / "cappolicy"
    home = os.path.expanduser("~")
    if not os.path.isabs(home):
        return None
    return Path(home) / ".local" / "state" / "cappolicy"


#: the user's cache key, read (or made) once a process; None: no cache can be trusted
_secrets: dict[str, bytes | None] = {}
_KEY_FILE = "cache-key"
_KEY_BYTES = 32


def _secret(folder: Path) -> bytes | None:
    """The key every entry of the cache at `folder` is sealed with: 32 random bytes in
    the user's key folder (key_dir), made on first use. A key folder or file that is
    not the user's alone (as the cache folder must be) leaves the run without a cache,
    said once."""
    where = key_dir()
    name = str(where)
    if name not in _secrets:
        _secrets[name] = None
        why = "there is no home folder to keep its key in" if where is None else \
            _unsafe_folder(where)
        if why is None and where is not None:
            try:
                _secrets[name] = _key_in(where)
            except _Refused as refused:
                why = str(refused)
        if why is not None:
            _refuse(folder.parent, f"its key folder {where}: {why}" if where else why)
    return _secrets[name]


def _key_in(where: Path) -> bytes | None:
    """The key kept in the folder `where`, made there if it has none; None when it can
    be neither read nor made (a read-only home: no cache, in silence)."""
    path = where / _KEY_FILE
    for _ in range(2):
        try:
            fh = _open_own(path, f"its key {path}")
        except FileNotFoundError:
            _make_key(where, path)
            continue
        except OSError:
            return None
        with fh:
            secret = fh.read(_KEY_BYTES + 1)
        if len(secret) != _KEY_BYTES:
            raise _Refused(f"its key {path} is not {_KEY_BYTES} bytes long")
        return secret
    return None


def _make_key(where: Path, path: Path) -> None:
    """Make the key file `path`: written whole under another name, then linked into
    place, so that of two runs making it at once, both read the one that won."""
    import tempfile

    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".key-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(_KEY_BYTES))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _refuse(folder: Path, why: str) -> None:
    """Use no cache in `folder` for the rest of the run, and say why."""
    _verdicts[str(folder)] = why
    _note(str(folder), why)


def _note(folder: str, why: str) -> None:
    if folder in _noted:
        return
    _noted.add(folder)
    mp = sys.modules.get("multiprocessing")
    if mp is not None and mp.parent_process() is not None:
        return  # a worker of `check -j`: the process that started it says so
    print(f"cappolicy: not using the cache folder {folder}: {why}; running without the "
          "cache", file=sys.stderr)


def _posix() -> bool:
    return os.name == "posix" and hasattr(os, "geteuid")


def _unsafe_folder(folder: Path) -> str | None:
    """Why `folder` may not hold the cache, or None when it may."""
    if not folder.is_absolute():
        return "its path is relative (set CAPPOLICY_CACHE_DIR to an absolute path)"
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        st = None  # made when the first entry is written, by this user, for this user
    except OSError as exc:
        return f"it cannot be examined ({exc.strerror})"
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            return "it is not a folder"
        why = _not_ours(st)
        if why:
            return why
    if not _posix():
        return None
    # The folders above: whoever may rename or replace one of them controls the cache.
    # Each is checked as written (a symbolic link is judged by its target) and as it is.
    above = [*Path(os.path.abspath(folder)).parents,
             *Path(os.path.realpath(folder)).parents]
    if st is not None:
        above.append(Path(os.path.realpath(folder)))
    seen = set()
    for parent in above:
        if parent in seen:
            continue
        seen.add(parent)
        try:
            pst = os.stat(parent)
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"the folder {parent} above it cannot be examined ({exc.strerror})"
        if pst.st_uid not in (0, os.geteuid()):
            return f"the folder {parent} above it belongs to another user ({_user(pst.st_uid)})"
        if pst.st_mode & 0o022 and not pst.st_mode & stat.S_ISVTX:
            return (f"the folder {parent} above it can be written by others "
                    f"(mode {stat.S_IMODE(pst.st_mode):o})")
    return None


def _unsafe_subfolder(sub: Path) -> str | None:
    try:
        st = os.lstat(sub)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"its folder {sub.name} cannot be examined ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        return f"its folder {sub.name} is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return f"its {sub.name} is not a folder"
    why = _not_ours(st)
    return f"its folder {sub.name}: {why}" if why else None


def _not_ours(st: os.stat_result) -> str | None:
    """Why a file or folder with status `st` is not this user's alone, or None."""
    if not _posix():
        return None
    if st.st_uid != os.geteuid():
        return f"it belongs to another user ({_user(st.st_uid)})"
    if st.st_mode & 0o022:
        return f"others can write to it (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _user(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


# ----------------------------------------------------------------- entries


class Corrupt(ValueError):
    """An entry that is not the encoding of a value of the expected kind."""


class _Refused(Exception):
    """An entry that shows the folder is not this user's alone."""


def _key_line(key: tuple[Any, ...]) -> bytes:
    return f"cappolicy-cache {digest(json.dumps(key))} ".encode("ascii")


def _seal(secret: bytes, path: Path, key_line: bytes, data: bytes) -> bytes:
    """The seal of an entry: a MAC, under the user's secret, of its name, its key and its
    data, so that it holds only where it was written, for the key it was written for."""
    mac = blake2b(key=secret, digest_size=32)
    for part in (path.name.encode("utf-8", "surrogatepass"), key_line, data):
        mac.update(len(part).to_bytes(8, "little"))
        mac.update(part)
    return mac.hexdigest().encode("ascii")


def _open_own(path: Path, what: str) -> BinaryIO:
    """`path` opened to read, when it is this user's own regular file; `what` names it
    in the _Refused raised otherwise (a link, not a regular file, another's). Opened
    without following a link or waiting on a FIFO; OSError when it cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise _Refused(f"{what} is a symbolic link") from None
        raise
    st = os.fstat(fd)  # before open(), which refuses a folder as an OSError: said here
    if not stat.S_ISREG(st.st_mode):
        why = f"{what} is not a regular file"
    elif ours := _not_ours(st):
        why = f"{what}: {ours}"
    else:
        return open(fd, "rb")  # noqa: SIM115 - handed to the caller, who closes it
    os.close(fd)
    raise _Refused(why)


#: the largest entry read, in bytes: the tree of the largest rule file (1 MiB, lang/limits)
#: is a few MiB; an entry of gigabytes (its key line copied from a real one: it holds no
#: secret) was read whole before its seal was checked, and exhausted memory
MAX_ENTRY = 64 * 1024 * 1024


def _read(path: Path, key_line: bytes, secret: bytes) -> bytes | None:
    """The data stored at `path` under the key of `key_line`, sealed with `secret`; None
    when there is none (or its seal does not hold: whoever wrote it did not hold the
    key). _Refused when the entry is not this user's own regular file."""
    try:
        fh = _open_own(path, f"its entry {path.parent.name}/{path.name}")
    except OSError:
        return None  # missing or unreadable: made again
    with fh:
        try:
            if os.fstat(fh.fileno()).st_size > MAX_ENTRY:
                return None  # larger than anything stored: not read, made again
            if fh.readline(len(key_line)) != key_line:
                return None  # made under another key: not even decoded
            seal = fh.readline(66).rstrip(b"\n")
            data = fh.read(MAX_ENTRY)  # bounded, should it grow once opened
        except (OSError, MemoryError):
            return None
    # compared plainly, not in constant time (hmac would load OpenSSL at every start): a
    # writer of the folder learns nothing from timing one comparison made per run
    return data if seal == _seal(secret, path, key_line, data) else None


def _write(path: Path, key_line: bytes, text: str, secret: bytes) -> bool:
    """Store `text` under the key of `key_line` at `path`; whether it could be (a
    read-only or full disk leaves the cache as it was)."""
    import tempfile  # only to write: most runs only read

    try:
        path.parent.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the cache's
        path.parent.mkdir(exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=_SUFFIX)
    except OSError:
        return False
    try:
        data = text.encode("utf-8", "surrogatepass")
        with os.fdopen(fd, "wb") as fh:
            fh.write(key_line + _seal(secret, path, key_line, data) + b"\n")
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    return True


def cached(kind: str, name: str, key: tuple[Any, ...], make: Callable[[], T],
           dumps: Callable[[T], str], loads: Callable[[bytes], T]) -> T:
    """The value cached for (`kind`, `name`) under `key`, else `make()`, stored for next time.
    `dumps` writes a value as text (TypeError or ValueError: it is not stored), `loads`
    reads it back (Corrupt: it is made again). `make` may raise: nothing is
    stored then."""
    folder = usable_dir(kind)
    secret = _secret(folder) if folder is not None else None
    if folder is None or secret is None:
        return make()
    path = folder / (digest(name)[:32] + _SUFFIX)
    line = _key_line((FORMAT, __version__, sys.version, *key))
    try:
        data = _read(path, line, secret)
    except _Refused as refused:
        _refuse(folder.parent, str(refused))
        return make()
    if data is not None:
        try:
            return loads(data)
        except Corrupt:
            pass
    value = make()
    try:
        text = dumps(value)
    except (TypeError, ValueError, RecursionError):
        return value
    _write(path, line, text, secret)
    return value


@cache
def code_digest(*modules: str) -> str:
    """A digest of the source of cappolicy's own modules (`lang.parse`, `lang.ast`...), so
    that a checkout whose code changes under one version number does not reuse old entries."""
    package = Path(__file__).resolve().parent.parent
    parts = []
    for module in modules:
        try:
            parts.append((package / (module.replace(".", "/") + ".py")).read_bytes())
        except OSError:  # sourceless install: the version alone must tell
            parts.append(module.encode())
    return digest(*parts)
