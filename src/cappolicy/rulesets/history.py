"""Rulesets as a git revision had them: `national/xa@HEAD`, `rulesets/baseline@main~3`.

The rule files (`*.cpol`) of the rulesets folders a run uses are read from the
repository's object store (`git ls-tree`, then `git cat-file blob`: the stored bytes,
with no filter, hook or attribute of the repository applied) into a temporary folder
laid out as the repository is, and a catalog is made of them. Nothing of the
repository is run. The revision is checked before it is used: it must name a commit,
and it can never be read as an option of git.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

import attrs

from ..base.errors import CappolicyError, Diagnostic, suggestion
from ..base.files import MAX_BYTES
from ..base.record import replace
from .catalog import Catalog, EffectiveRuleset, Rulesets, source_from_path

#: a revision: no option, no whitespace or control character, no `:` (a path inside a
#: revision is named by REF, not by the revision)
_REVISION = re.compile(r"[^\s\x00-\x1f\x7f:]+")
#: git run without the user's or the system's hooks and helpers on what it reads here
_GIT = ("git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
        "--no-pager", "--no-replace-objects")
TIMEOUT = 60
#: the environment of git that is kept: where it stops looking for a repository
_KEPT = ("GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM")


@attrs.frozen
class Snapshot:
    """The rule files of one revision, under `folder` as they are under `top`."""

    top: Path  # the repository's working tree
    revision: str  # as given
    commit: str  # the full hash it names
    folder: Path  # the temporary copy

    def mapped(self, path: Path) -> Path | None:
        """Where `path` (of the working tree) is in the copy; None when it is outside the
        repository."""
        try:
            rel = path.resolve().relative_to(self.top)
        except ValueError:
            return None
        return self.folder / rel

    def display(self, file: str) -> str:
        """A file of the copy as git names it: `REV:path`; other files unchanged."""
        try:
            rel = Path(file).resolve().relative_to(self.folder.resolve())
        except ValueError:
            return file
        return f"{self.revision}:{rel.as_posix()}"


def split_ref(text: str) -> tuple[str, str | None]:
    """`REF@REV` as (REF, REV); a REF without `@` as (REF, None). The first `@` after a
    non-empty REF splits, so `national/xa@HEAD@{1}` is national/xa at HEAD@{1}."""
    at = text.find("@", 1)
    if at < 0:
        return text, None
    return text[:at], text[at + 1:]


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEPT}
    env["GIT_TERMINAL_PROMPT"] = "0"
    try:
        return subprocess.run([*_GIT, *args], cwd=cwd, env=env, capture_output=True,
                              timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise CappolicyError(Diagnostic(
            "CP450", "git is not installed, so no revision can be read", None,
            "install git, or compare rulesets in two folders")) from None
    except subprocess.TimeoutExpired:
        raise CappolicyError(Diagnostic(
            "CP450", f"git did not answer within {TIMEOUT} seconds in {cwd}", None)) from None


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    text = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[0] if text else f"git exited with {done.returncode}"


def repository_of(folder: Path, given: str) -> Path:
    """The working tree `folder` belongs to; CP450 when it is in none."""
    folder = folder if folder.is_dir() else Path.cwd()
    done = _git(["rev-parse", "--show-toplevel"], folder)
    if done.returncode != 0:
        raise CappolicyError(Diagnostic(
            "CP450", f"'{given}' reads a git revision, but {folder.resolve()} is not in a git "
            f"repository ({_said(done)})", None,
            "run the command inside the repository that holds the rulesets"))
    return Path(done.stdout.decode("utf-8", "replace").strip()).resolve()


def commit_of(top: Path, revision: str, given: str) -> str:
    """The commit `revision` names in the repository at `top`; CP451 when it names none."""
    if not _REVISION.fullmatch(revision) or revision.startswith("-"):
        raise CappolicyError(Diagnostic(
            "CP451", f"'{revision}' in '{given}' is not a git revision", None,
            "name a commit, branch or tag: national/xa@HEAD, national/xa@main~1"))
    done = _git(["rev-parse", "--verify", "--quiet", "--end-of-options",
                 f"{revision}^{{commit}}"], top)
    if done.returncode != 0:
        raise CappolicyError(Diagnostic(
            "CP451", f"unknown git revision '{revision}' in '{given}': no commit of {top} "
            "has that name", None, "see `git log --oneline` for the commits there are"))
    return done.stdout.decode("ascii", "replace").strip()


def snapshot(top: Path, revision: str, commit: str, folders: Sequence[Path],
             into: Path) -> Snapshot:
    """Copy the .cpol files below `folders` (those inside the repository) as `commit` has
    them into `into`."""
    shot = Snapshot(top, revision, commit, into)
    wanted: list[str] = []
    for folder in folders:
        target = shot.mapped(folder)
        if target is None:
            continue
        target.mkdir(parents=True, exist_ok=True)
        wanted.append(folder.resolve().relative_to(top).as_posix() or ".")
    if not wanted:
        return shot
    done = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *wanted], top)
    if done.returncode != 0:
        raise CappolicyError(Diagnostic("CP451", f"cannot list {revision} in {top}: "
                                                 f"{_said(done)}", None))
    for entry in done.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, blob = meta.decode("ascii", "replace").split()
        name = raw_path.decode("utf-8", "surrogateescape")
        rel = PurePosixPath(name)
        # a regular file's bytes only (no symbolic link, no submodule), never outside
        # .cpol in any case, as a folder of the working tree is scanned (files.scan_folder)
        if kind != "blob" or mode not in ("100644", "100755") or \
                rel.suffix.lower() != ".cpol" or rel.is_absolute() or ".." in rel.parts:
            continue
        content = _git(["cat-file", "blob", blob], top)
        if content.returncode != 0:
            raise CappolicyError(Diagnostic("CP451", f"cannot read {revision}:{name}: "
                                                     f"{_said(content)}", None))
        path = into.joinpath(*rel.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.stdout[:MAX_BYTES + 1])  # the reader refuses it if larger
    return shot


def has_revision(top: Path, revision: str) -> bool:
    """Whether `revision` names a commit of the repository (HEAD does not, before the
    first commit)."""
    done = _git(["rev-parse", "--verify", "--quiet", "--end-of-options",
                 f"{revision}^{{commit}}"], top)
    return done.returncode == 0


def tracked(top: Path, suffixes: Sequence[str]) -> list[Path]:
    """The files of the working tree git tracks (in its index) with one of `suffixes`."""
    done = _git(["ls-files", "-z", "--", *(f"*{s}" for s in suffixes)], top)
    if done.returncode != 0:
        raise CappolicyError(Diagnostic("CP450", f"cannot list the files of {top}: "
                                                 f"{_said(done)}", None))
    return [top / name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0")
            if name]


def ruleset_at(roots: Sequence[Path], ref: str, revision: str, given: str, scratch: Path
               ) -> tuple[EffectiveRuleset, Callable[[str], str]]:
    """The effective ruleset REF names as `revision` has it, REF a ruleset id or a rule
    file or folder of the working tree, with the rulesets folders `roots` (those inside
    the repository read from the revision); and how to name its files (`REV:path`).
    `given` is the argument as written, for messages. CappolicyError, located, when the
    folder is in no repository, the revision names no commit, REF is not in it or its
    ruleset does not load there."""
    path = Path(ref)
    as_path = path.exists() or ref.endswith(".cpol") or ref.startswith(".")
    start = next((p for p in (path, *path.parents) if p.is_dir()), Path.cwd()) if as_path \
        else Path.cwd()
    top = repository_of(start if start != Path("") else Path.cwd(), given)
    commit = commit_of(top, revision, given)
    folders = [*roots, *([path if path.is_dir() else path.parent] if as_path else [])]
    scratch.mkdir(parents=True)
    shot = snapshot(top, revision, commit, folders, scratch)
    catalog = Catalog([shot.mapped(root) or root for root in roots])
    resolver = Rulesets(catalog)
    try:
        if as_path:
            mapped = shot.mapped(path)
            if mapped is None or not mapped.exists():
                raise CappolicyError(Diagnostic(
                    "CP451", f"{ref} is not in revision {revision} ({commit[:12]}) of {top}",
                    None, "check the path against `git ls-tree -r --name-only "
                    f"{revision}`"))
            return resolver.get(source_from_path(mapped)), shot.display
        source = catalog.find(ref)
        if source is None:
            raise CappolicyError(Diagnostic(
                "CP420", f"no ruleset '{ref}' in revision {revision} ({commit[:12]}) of {top}",
                None, suggestion(ref, catalog.ids()) or
                f"rulesets there: {', '.join(catalog.ids()) or 'none'}"))
        return resolver.get(source), shot.display
    except CappolicyError as exc:
        raise CappolicyError([replace(d, span=replace(
            d.span, file=shot.display(d.span.file))) if d.span is not None else d
            for d in exc.diagnostics]) from None
