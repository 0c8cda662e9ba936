"""A printed label matched to the form's label it stands for, allowing a slip of a character.

Real reports print 先行有效件数 for 现行有效件数, 本年废止件 or 本年废址件数 for 本年废止件数,
行政法复议 for 行政复议. A person reads these without a second thought, so the reader does too —
but only where the caller looks for that label (one table, one row or header position), never
across tables, and only when exactly one of the labels expected there is that near. Two labels
equally near is a guess, and `AmbiguousLabel` says so.

How near: labels of one or two characters must be printed exactly (规章 and 其他 are too short
to tell a slip from another word); up to five characters may be one off; longer ones two off.
A few other words offices use for a label are taken as it (`ALIASES`).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ALIASES", "AmbiguousLabel", "allowance", "closest", "distance"]

ALIASES = {"其它": "其他", "其他组织": "其他", "其它组织": "其他", "合计": "总计"}
"""Printed word → the form's label it is another name for (not a slip)."""


class AmbiguousLabel(Exception):
    """A printed label equally near two of the labels expected in its place."""

    def __init__(self, printed: str, labels: list[str]) -> None:
        super().__init__(printed, labels)
        self.printed = printed
        self.labels = labels


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace one character) from `a` to `b` (Levenshtein)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def allowance(label: str) -> int:
    """How many characters a printed label may be off `label`."""
    if len(label) <= 2:
        return 0
    return 1 if len(label) <= 5 else 2


def closest(printed: str, labels: Iterable[str]) -> str | None:
    """The label `printed` stands for: itself, its alias, or the one label within its allowance
    nearer than every other; None when none is near. Both sides already `squash`ed.

    Raises `AmbiguousLabel` when two labels are equally near (and neither exact)."""
    candidates = list(dict.fromkeys(labels))
    printed = ALIASES.get(printed, printed)
    if printed in candidates:
        return printed
    near = [
        (d, label)
        for label in candidates
        if (d := distance(printed, label)) <= allowance(label) and printed
    ]
    if not near:
        return None
    best = min(d for d, _ in near)
    found = [label for d, label in near if d == best]
    if len(found) > 1:
        raise AmbiguousLabel(printed, found)
    return found[0]
