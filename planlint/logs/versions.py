"""Which torchtune versions could have written a log: each line shape narrows the range."""

from __future__ import annotations

from dataclasses import dataclass

#: Releases told apart by their output, oldest first ("main" is the 2025+ development branch).
VERSIONS = ("0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "main")

#: Evidence name -> (oldest, newest) version that prints it (sources: log-formats notes).
EVIDENCE: dict[str, tuple[str, str]] = {
    "memory dict (Memory Stats after model init: {...})": ("0.1", "0.1"),
    "Step lines numbered from 0": ("0.1", "0.1"),
    "gpu_resources Step metric": ("0.1", "0.1"),
    "bar counts batches (Step lines count optimizer steps)": ("0.1", "0.1"),
    "peak memory lines in GB": ("0.2", "0.2"),
    "peak memory lines in GiB": ("0.3", "main"),
    "peak memory 'allocation' wording": ("0.2", "0.6"),
    "peak memory 'alloc' wording": ("main", "main"),
    "logger torchtune.utils.logging": ("0.1", "0.2"),
    "logger torchtune.utils._logging": ("0.3", "main"),
    "logger torchtune.training": ("0.3", "main"),
    "tokens_per_second_per_gpu Step metric": ("0.2", "main"),
    "Saving checkpoint took N secs": ("0.4", "0.5"),
    "Checkpoint saved in N seconds": ("0.3", "main"),
    "device word other than GPU": ("0.5", "main"),
}

#: EVIDENCE as indices into VERSIONS
_RANGES = {k: (VERSIONS.index(lo), VERSIONS.index(hi)) for k, (lo, hi) in EVIDENCE.items()}


@dataclass
class VersionRange:
    """The versions still possible after the evidence seen so far."""

    low: int = 0
    high: int = len(VERSIONS) - 1
    seen: tuple[str, ...] = ()
    conflict: bool = False

    def add(self, evidence: str) -> None:
        """Narrow the range by one named piece of evidence (a conflict keeps the older range)."""
        if evidence in self.seen:
            return
        lo, hi = _RANGES[evidence]
        self.seen = (*self.seen, evidence)
        new_lo, new_hi = max(self.low, lo), min(self.high, hi)
        if new_lo > new_hi:
            self.conflict = True
            return
        self.low, self.high = new_lo, new_hi

    @property
    def known(self) -> bool:
        """True when any evidence was seen."""
        return bool(self.seen)

    @property
    def only_v01(self) -> bool:
        """True when only torchtune 0.1 fits (its progress bar counts batches)."""
        return self.known and self.high == 0

    def could_be_v01(self) -> bool:
        """True when 0.1 is still possible."""
        return self.low == 0

    def text(self) -> str | None:
        """``0.3-0.6``, ``0.1``, ``main (2025+)``; None without evidence."""
        if not self.known:
            return None
        lo, hi = VERSIONS[self.low], VERSIONS[self.high]
        if lo == hi:
            return "main (2025+)" if lo == "main" else lo
        return f"{lo}-{hi}"
