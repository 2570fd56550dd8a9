"""Git access for the PL8 rules, `--changed-since` and `planlint diff` (gitpython, imported lazily).

gitpython (~60 ms to import) is imported inside these functions, never at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from planlint.config import DOC_SUFFIXES
from planlint.paths import real_path

if TYPE_CHECKING:
    from git import Commit, Repo

    from planlint.config import Config


def _fail(message: str) -> NoReturn:
    from planlint.errors import UsageError

    raise UsageError(message)


def open_repo(start: Path, what: str) -> Repo:
    """The git repository around `start`, or a usage error naming `what` needed it."""
    try:
        import git
    except ImportError as exc:  # gitpython refuses to import without a git executable
        _fail(f"{what}: git is not available ({str(exc).splitlines()[0]})")
    folder = start if start.is_dir() else start.parent
    try:
        return git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        _fail(f"{what}: {start} is not inside a git repository")


def resolve_rev(repo: Repo, rev: str, what: str) -> Commit:
    """The commit `rev` names; an unknown one (often a shallow clone) is a usage error."""
    import git

    try:
        return repo.commit(rev)
    except (git.BadName, git.BadObject, ValueError, git.GitCommandError):
        msg = f"{what}: unknown revision '{rev}'"
        if Path(repo.git_dir, "shallow").exists():
            msg += (
                " (this is a shallow clone: fetch the history, e.g. actions/checkout with"
                " fetch-depth: 0, or `git fetch --unshallow`)"
            )
        _fail(msg)


def merge_base(repo: Repo, commit: Commit) -> Commit:
    """Where HEAD branched from `commit` (what a pull request changed); `commit` if unrelated."""
    try:
        bases = repo.merge_base(commit, "HEAD")
    except Exception:  # no HEAD yet, unrelated histories: compare with the commit itself
        return commit
    return bases[0] if bases else commit


def worktree_root(repo: Repo) -> Path:
    """The repository's working tree folder, resolved."""
    return real_path(Path(repo.working_tree_dir or "."))


def relpath_in(repo: Repo, path: Path) -> str | None:
    """The POSIX path of `path` inside the repository, or None when it lies outside."""
    try:
        return real_path(path).relative_to(worktree_root(repo)).as_posix()
    except ValueError:
        return None


def blob_bytes(commit: Commit, relpath: str) -> bytes | None:
    """The file's bytes at `commit`, or None when it did not exist there."""
    try:
        blob = commit.tree / relpath
    except KeyError:
        return None
    if blob.type != "blob":
        return None
    return bytes(blob.data_stream.read())


def changed_files(paths: Sequence[str | Path], rev: str, config: Config) -> list[Path]:
    """Plans and docs changed between the merge base of `rev` and the working tree, untracked
    files included, limited to `paths` when given; deleted files are left out."""
    what = f"--changed-since {rev}"
    for raw in paths:
        if not Path(raw).exists():
            _fail(f"{raw}: no such file or folder")
    repo = open_repo((Path(paths[0]) if paths else Path.cwd()).absolute(), what)
    try:
        base = merge_base(repo, resolve_rev(repo, rev, what))
        root = worktree_root(repo)
        names = repo.git.diff("--name-only", "-z", "--no-renames", base.hexsha, "--").split("\0")
        names += repo.git.ls_files("--others", "--exclude-standard", "-z").split("\0")
    finally:
        repo.close()
    scopes = [real_path(Path(p)) for p in paths]
    out: dict[Path, None] = {}
    for name in names:
        p = root / name
        if not name or not (config.is_plan_name(p.name) or p.suffix.lower() in DOC_SUFFIXES):
            continue
        if p.is_file() and (not scopes or any(p == s or s in p.parents for s in scopes)):
            out[p] = None
    return sorted(out)


class Revision:
    """Files as they were at one revision (or where HEAD left it), across the repositories of the
    plans asked about; opened on first use, closed with `close()`."""

    def __init__(self, rev: str, *, branch_point: bool) -> None:
        self.rev = rev
        self.what = f"--changed-since {rev}" if branch_point else f"--base {rev}"
        self.branch_point = branch_point
        self._repos: dict[Path, tuple[Repo, Commit]] = {}  # by folder: usually one repository

    def bytes_of(self, path: Path) -> bytes | None:
        """The file's bytes at the revision, or None when it did not exist there."""
        folder = real_path(path).parent
        if folder not in self._repos:
            repo = open_repo(path, self.what)
            known = [r for r in self._repos.values() if r[0].git_dir == repo.git_dir]
            if known:
                repo.close()
                self._repos[folder] = known[0]
            else:
                commit = resolve_rev(repo, self.rev, self.what)
                self._repos[folder] = (repo, merge_base(repo, commit) if self.branch_point else commit)
        repo, commit = self._repos[folder]
        relpath = relpath_in(repo, path)
        return blob_bytes(commit, relpath) if relpath else None

    def close(self) -> None:
        for repo, _ in {id(r[0]): r for r in self._repos.values()}.values():
            repo.close()
        self._repos.clear()
