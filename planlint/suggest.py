"""Did-you-mean suggestions for misspelt names and keys.

difflib is imported on the first suggestion only: a cold check of a correct plan never needs
it, and its import is a measurable part of a pre-commit hook's start."""

from __future__ import annotations

from collections.abc import Collection


def closest(word: str, options: Collection[str], cutoff: float = 0.6) -> str | None:
    """The option most like `word`, or None when none is at least `cutoff` alike."""
    import difflib

    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, options: Collection[str]) -> str | None:
    """A hint naming the option `word` was meant to be (the same letters in another case first)."""
    lowered = {o.lower(): o for o in options}
    if word.lower() in lowered:
        return f"did you mean '{lowered[word.lower()]}'? (names are case-sensitive)"
    close = closest(word, options)
    return f"did you mean '{close}'?" if close else None


def choices(options: Collection[str], limit: int = 5) -> str:
    """The options to choose from, quoted, the first `limit` of them: `'a', 'b' (and 3 more)`."""
    shown = [f"'{o}'" for o in list(options)[:limit]]
    more = len(options) - len(shown)
    return ", ".join(shown) + (f" (and {more} more)" if more > 0 else "")
