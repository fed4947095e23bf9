"""File names as CI tools want them: relative to the repository root, with `/`.

SARIF and GitHub annotations place a result on a file of the repository that was
checked out, so a proposal file given on the command line (relative to the current
folder, or absolute) is written relative to a root folder instead. Nothing here reads
a file; only `os.path.realpath` looks at the file system, to see through symbolic links.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from ..base.visible import no_commands, visible

#: Characters left as they are in a URI path: RFC 3986's unreserved ones, sub-delims, '@'
#: and '/'. Not ':', which would make a first segment like `a:b` read as a scheme.
_URI_SAFE = "/-._~!$&'()*+,;=@"


#: repo_path's answers during one rendering (a report names a few files many times over,
#: and seeing through links asks the file system); `forget` starts afresh
_answers: dict[tuple[str, str, str], str | None] = {}


def forget() -> None:
    """Start a rendering: repo_path asks the file system again."""
    _answers.clear()


def repo_path(file: str, root: str | os.PathLike[str] | None) -> str | None:
    """`file` relative to `root` (default: the current folder), with `/` separators;
    None when the file lies outside the root (or has no name, like `<builtin>`)."""
    if not file or file.startswith("<"):
        return None
    key = (file, os.fspath(root) if root is not None else "", os.getcwd())
    if key not in _answers:
        if len(_answers) > 10_000:
            _answers.clear()
        _answers[key] = _repo_path(file, root)
    return _answers[key]


def _repo_path(file: str, root: str | os.PathLike[str] | None) -> str | None:
    base = Path(os.path.abspath(root if root is not None else os.curdir))
    for resolve in (os.path.abspath, os.path.realpath):
        target = Path(resolve(file))
        top = Path(resolve(base))
        try:
            relative = target.relative_to(top)
        except ValueError:
            continue
        return PurePosixPath(*relative.parts).as_posix()
    return None


def line_path(file: str) -> str:
    """A file name as the start of a line of a human report: control characters (a
    newline, CR, U+2028, an escape) spelled out (visible.py), and `./` before a name that
    would begin the line with `::` (no_commands)."""
    return no_commands(visible(file))


def shown_path(file: str, root: str | os.PathLike[str] | None) -> str:
    """The file relative to the root when it lies inside it, else as given."""
    relative = repo_path(file, root)
    return relative if relative is not None else file


def relative_uri(path: str) -> str:
    """A relative path as a URI reference: `/` kept, everything else percent-encoded
    where RFC 3986 asks (spaces, `%`, `#`, `?`, non-ASCII letters...); a byte of a file
    name that is not UTF-8 (a lone surrogate, os.fsdecode) as that byte, %FF."""
    return quote(path.encode("utf-8", "surrogateescape"), safe=_URI_SAFE)


def absolute_uri(file: str | os.PathLike[str], folder: bool = False) -> str:
    """A `file:` URI for a file or folder (a folder's ends with `/`, as SARIF's
    originalUriBaseIds require)."""
    uri = Path(os.path.abspath(file)).as_uri()
    return uri + "/" if folder and not uri.endswith("/") else uri


#: in_rulesets's answers: a report cites the same few ruleset files thousands of times
_in_rulesets: dict[tuple[str, str], str] = {}


def in_rulesets(file: str, layer: str | None) -> str:
    """A ruleset file as its rulesets root names it (`baseline/financing.cpol`,
    `national/xa.cpol`), wherever the root lies: a source checkout, an installed package or a
    folder of the user's. The ruleset id `layer` is the file's path under its root, or the
    folder holding it; a file that does not end so is shown as given."""
    if not layer or not file or file.startswith("<"):
        return file
    key = (file, layer)
    named = _in_rulesets.get(key)
    if named is None:
        if len(_in_rulesets) > 10_000:
            _in_rulesets.clear()
        named = _in_rulesets[key] = _under_root(file, layer)
    return named


def _under_root(file: str, layer: str) -> str:
    parts = PurePosixPath(file.replace(os.sep, "/")).parts
    wanted = PurePosixPath(layer).parts
    for end in (len(parts), len(parts) - 1):  # a one-file ruleset, or a file of a folder
        start = end - len(wanted)
        stem = PurePosixPath(parts[end - 1]).stem if end == len(parts) else parts[end - 1]
        if start >= 0 and (*parts[start:end - 1], stem) == wanted:
            return PurePosixPath(*parts[start:]).as_posix()
    return file
