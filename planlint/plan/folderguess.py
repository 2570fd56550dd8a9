"""Which folder under `experiment.dir` could be a fine-tuned run that has none (PL601/PL603 hints).

A rename hint is only as good as the evidence behind it: a folder is offered to a run only when
its name is alike (or the same but for case), its name states nothing the run contradicts
(`..._lr1e-5` is no run of lr 2e-5: `namecheck`), its setup_finetune.yaml / finetune.yaml, when
present, state no other value than the run's, and, if it already holds results, those
configs are there and agree (results of unknown parameters are never relabelled by a guess; the
caller judges the configs, with `plan.drift`). The pairing is one-to-one: a folder goes to a run
only when each is the other's single best match, so one folder is never offered to two runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from planlint.plan.disk import ExperimentDir, Folder, results_of
from planlint.plan.run import Run

if TYPE_CHECKING:
    from planlint.plan.model import Plan

#: How alike two names must be (difflib's ratio) for a rename to be offered.
CUTOFF = 0.8
#: At most this many folders and runs are compared (a hint, not an inventory).
MAX_FOLDERS = 500
MAX_RUNS = 5000


class _Named(Run):
    """A run seen under another name: what a folder's name would say about it."""

    def __init__(self, run: Run, name: str) -> None:
        super().__init__(run.plan, run.index, run.node)
        self._as = name

    @property
    def name(self) -> str | None:
        return self._as


class RenameGuess:
    """Rename hints between the runs without a folder and the folders of no run."""

    def __init__(
        self,
        plan: Plan,
        exp: ExperimentDir,
        missing: Sequence[Run],
        orphans: Sequence[Folder],
        configs_agree: Callable[[Run, Folder, bool], bool],
    ) -> None:
        """`configs_agree(run, folder, has_results)`: do the folder's configs state no other value
        than the run's (and, when it holds results, state the run's values at all)?"""
        self.plan = plan
        self.exp = exp
        self.configs_agree = configs_agree
        self.runs = {r.name: r for r in missing[:MAX_RUNS] if r.name}
        self.folders = {f.name: f for f in orphans[:MAX_FOLDERS] if not f.outside}
        self._scores: dict[tuple[str, str], float] = {}
        self._agrees: dict[tuple[str, str], bool] = {}

    def folder_for(self, run: str) -> str | None:
        """The folder to offer as run `run`, or None."""
        best = self._best(run, list(self.folders), by_run=True)
        if best is None or self._best(best, list(self.runs), by_run=False) != run:
            return None
        return best

    def run_for(self, folder: str) -> str | None:
        """The run to offer folder `folder` to, or None."""
        best = self._best(folder, list(self.runs), by_run=False)
        if best is None or self._best(best, list(self.folders), by_run=True) != folder:
            return None
        return best

    def _best(self, name: str, others: list[str], *, by_run: bool) -> str | None:
        """The single best agreeing partner of `name` among `others` (None on a tie or none).
        Agreement (names and configs) is judged from the most alike down, only as far as needed."""
        scored: list[tuple[float, str]] = []
        for other in others:
            score = self._score(name, other) if by_run else self._score(other, name)
            if score:
                scored.append((score, other))
        scored.sort(key=lambda item: -item[0])
        best: tuple[float, str] | None = None
        for score, other in scored:
            if best is not None and score < best[0]:
                break
            if not (self._agree(name, other) if by_run else self._agree(other, name)):
                continue
            if best is not None:
                return None  # two equally alike: not a guess to make
            best = (score, other)
        return best[1] if best is not None else None

    def _score(self, run: str, folder: str) -> float:
        key = (run, folder)
        if key not in self._scores:
            self._scores[key] = _alike(run, folder)
        return self._scores[key]

    def _agree(self, run: str, folder: str) -> bool:
        key = (run, folder)
        if key not in self._agrees:
            self._agrees[key] = self._check(self.runs[run], self.folders[folder])
        return self._agrees[key]

    def _check(self, run: Run, folder: Folder) -> bool:
        from planlint.plan.namecheck import contradictions

        if contradictions(self.plan, _Named(run, folder.name)):
            return False
        return self.configs_agree(run, folder, results_of(self.exp, folder) is not None)


def _alike(a: str, b: str) -> float:
    """2 for the same name but for case, else difflib's ratio when at least CUTOFF, else 0."""
    if a.lower() == b.lower():
        return 2.0
    import difflib

    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < CUTOFF or matcher.quick_ratio() < CUTOFF:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= CUTOFF else 0.0
