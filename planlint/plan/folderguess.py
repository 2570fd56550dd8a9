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
        self.name = name


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
        self._bests: dict[tuple[str, bool], str | None] = {}

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
        """The single best agreeing partner of `name` among `others` (None on a tie or none)."""
        key = (name, by_run)
        if key not in self._bests:
            self._bests[key] = self._find_best(name, others, by_run=by_run)
        return self._bests[key]

    def _find_best(self, name: str, others: list[str], *, by_run: bool) -> str | None:
        """Candidates are taken by difflib's cheap upper bounds first; the full ratio and the
        agreement (names and configs) are computed only while a candidate can still win or tie."""
        import difflib

        matcher = difflib.SequenceMatcher(None, "", name)  # `name` is seq2: indexed once
        bounds: list[tuple[float, str]] = []
        for other in others:
            key = (name, other) if by_run else (other, name)
            if key in self._scores:
                bound = self._scores[key]
            elif name.lower() == other.lower():
                bound = self._scores[key] = 2.0
            else:
                matcher.set_seq1(other)
                bound = matcher.real_quick_ratio()
                if bound >= CUTOFF:
                    bound = matcher.quick_ratio()
            if bound >= CUTOFF:
                bounds.append((bound, other))
        bounds.sort(key=lambda item: -item[0])
        best: tuple[float, str] | None = None
        tied = False
        for bound, other in bounds:
            if best is not None and bound < best[0]:
                break
            key = (name, other) if by_run else (other, name)
            if key not in self._scores:
                matcher.set_seq1(other)
                ratio = matcher.ratio()
                self._scores[key] = ratio if ratio >= CUTOFF else 0.0
            score = self._scores[key]
            if not score or (best is not None and score < best[0]) or not self._agree(*key):
                continue
            if best is not None and score == best[0]:
                tied = True
            else:
                best, tied = (score, other), False
        return None if best is None or tied else best[1]

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
