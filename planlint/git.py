"""Git access for the PL8 rules, `--changed-since` and `planlint diff` (gitpython, imported lazily).

gitpython (~60 ms to import) is imported inside these functions, never at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn

from planlint.config import DOC_SUFFIXES
from planlint.paths import real_path

if TYPE_CHECKING:
    from git import Commit, Repo

    from planlint.config import Config


#: A plan file larger than this is not read to pair a move by its experiment.
MOVE_MAX_BYTES = 16 * 1024 * 1024


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


class PlanChanges(NamedTuple):
    """The plan files that differ between two sides of a comparison, moves paired."""

    #: every changed plan path on either side (a move's old path included), sorted
    paths: list[str]
    #: new path -> old path of each plan that was moved (renamed) between the sides
    moved: dict[str, str]


def plan_changes(repo: Repo, base: Commit, head: Commit | None, config: Config) -> PlanChanges:
    """Plan files changed between `base` and `head` (None: the working tree, untracked files
    included), with moves found as `git diff -M` finds renames; a new plan git does not pair
    (heavily edited, or not added yet) is paired with a deleted one that names the same
    experiment (`planlint.plan.moved`)."""
    args = ["--name-status", "-z", "-M", base.hexsha]
    if head is not None:
        args.append(head.hexsha)
    fields = repo.git.diff(*args, "--").split("\0")
    is_plan = config.is_plan_name
    paths: set[str] = set()
    moved: dict[str, str] = {}
    added: list[str] = []
    deleted: list[str] = []
    i = 0
    while i < len(fields):
        status = fields[i]
        if not status:
            i += 1
            continue
        if status[0] in "RC" and i + 2 < len(fields):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
            gone = status[0] == "R" and is_plan(old.rsplit("/", 1)[-1])  # a copy keeps its source
            came = is_plan(new.rsplit("/", 1)[-1])
            if gone and came:
                moved[new] = old
            elif gone:
                deleted.append(old)
            elif came:
                added.append(new)
            paths.update(p for p, kept in ((old, gone), (new, came)) if kept)
            continue
        name = fields[i + 1] if i + 1 < len(fields) else ""
        i += 2
        if not name or not is_plan(name.rsplit("/", 1)[-1]):
            continue
        paths.add(name)
        if status[0] == "D":
            deleted.append(name)
        elif status[0] == "A":
            added.append(name)
    if head is None:
        for name in repo.git.ls_files("--others", "--exclude-standard", "-z").split("\0"):
            if name and is_plan(name.rsplit("/", 1)[-1]):
                paths.add(name)
                added.append(name)
    if added and deleted:
        moved.update(_pair_by_identity(repo, base, head, added, deleted))
    return PlanChanges(sorted(paths), moved)


def _pair_by_identity(
    repo: Repo, base: Commit, head: Commit | None, added: list[str], deleted: list[str]
) -> dict[str, str]:
    from planlint.plan.moved import identity, pair_moves
    from planlint.readfile import read_bounded

    root = worktree_root(repo)

    def new_bytes(rel: str) -> bytes | None:
        if head is not None:
            return blob_bytes(head, rel)
        try:
            return read_bounded(root / rel, MOVE_MAX_BYTES)
        except OSError:
            return None

    return pair_moves(
        {rel: identity(root, rel, new_bytes(rel)) for rel in added},
        {rel: identity(root, rel, blob_bytes(base, rel)) for rel in deleted},
    )


class Revision:
    """Files as they were at one revision (or where HEAD left it), across the repositories of the
    plans asked about; opened on first use, closed with `close()`. Given the configuration (which
    names a plan file), a plan moved since then is read from where it was (`plan_changes`)."""

    def __init__(self, rev: str, *, branch_point: bool, config: Config | None = None) -> None:
        self.rev = rev
        self.what = f"--changed-since {rev}" if branch_point else f"--base {rev}"
        self.branch_point = branch_point
        self.config = config
        self._repos: dict[Path, tuple[Repo, Commit]] = {}  # by folder: usually one repository
        self._moved: dict[str, dict[str, str]] = {}  # by git folder: new path -> old path

    def _open(self, path: Path) -> tuple[Repo, Commit]:
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
        return self._repos[folder]

    def moved_from(self, path: Path) -> str | None:
        """The path (inside its repository) the plan at `path` was moved from since the
        revision, or None when it was not moved (or no configuration names plan files)."""
        repo, commit = self._open(path)
        relpath = relpath_in(repo, path)
        if relpath is None or self.config is None or blob_bytes(commit, relpath) is not None:
            return None
        key = str(repo.git_dir)
        if key not in self._moved:
            self._moved[key] = plan_changes(repo, commit, None, self.config).moved
        return self._moved[key].get(relpath)

    def bytes_of(self, path: Path) -> bytes | None:
        """The file's bytes at the revision (where it was then, if it moved since), or None when
        it did not exist there."""
        repo, commit = self._open(path)
        relpath = relpath_in(repo, path)
        if relpath is None:
            return None
        raw = blob_bytes(commit, relpath)
        if raw is None:
            old = self.moved_from(path)
            raw = blob_bytes(commit, old) if old is not None else None
        return raw

    def close(self) -> None:
        for repo, _ in {id(r[0]): r for r in self._repos.values()}.values():
            repo.close()
        self._repos.clear()
