"""Warning: what a reader had to interpret to get the values (`Submission.notes`).

A published report in the 2019 layout has one row （六）其他处理, read as （六）3.其他; a table
split at a page break was read as one. The clerk is told, so that no figure is taken on trust.
"""

from __future__ import annotations

from collections.abc import Iterator

from workflow.checks.context import CheckContext
from workflow.core.findings import Finding, finding
from workflow.core.submission import Submission

__all__ = ["check_source_notes"]


def check_source_notes(sub: Submission, ctx: CheckContext) -> Iterator[Finding]:
    for note in sub.notes:
        yield finding("source.note", detail=note)
