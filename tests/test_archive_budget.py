"""The room an archived original's name gets is derived from `core.archive_names.archive_name`
and equals what the hand count (`240 - 24 - (2 + max(6, len(str(seq))))`) always gave."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from workflow.intake.folder.moves import _archive_budget, archive_target

WHEN = datetime(2022, 1, 10, 9, 30, 0).astimezone()
SEQS = [None, *(10**n - 1 for n in range(1, 9)), *(10**n for n in range(8)), 0]
SEQS += [-1, -12, -12345, -123456, -1234567, -12345678]


def _hand_count(seq: int | None) -> int:
    return 240 - 24 - (0 if seq is None else 2 + max(6, len(str(seq))))


@pytest.mark.parametrize("seq", SEQS)
def test_the_derived_budget_equals_the_hand_count(seq: int | None) -> None:
    assert _archive_budget(WHEN, seq) == _hand_count(seq)


@pytest.mark.parametrize("seq", [None, 7, 12345678, -5])
def test_a_name_of_exactly_the_budget_is_kept_one_byte_more_is_shortened(
    tmp_path: Path, seq: int | None
) -> None:
    fits = "年" * ((_hand_count(seq) - 5) // 3) + "x" * ((_hand_count(seq) - 5) % 3) + ".xlsx"
    assert len(fits.encode()) == _hand_count(seq)
    kept = archive_target(tmp_path, "rejected", WHEN, fits, None, None, seq)
    assert kept.name.endswith("-" + fits)
    longer = archive_target(tmp_path, "rejected", WHEN, "x" + fits, None, None, seq)
    assert not longer.name.endswith("x" + fits) and longer.name.endswith(".xlsx")
