"""Message-IDs in the one stored form, `<id@host>`, for the intake and a rebuild alike."""

from __future__ import annotations

import pytest

from workflow.core.message_id import normalize_id
from workflow.intake.mail import message


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("<abc@host>", "<abc@host>"),
        ("abc@host", "<abc@host>"),
        (" <abc@\r\n host> ", "<abc@host>"),
        ("", None),
        (None, None),
        ("<>", None),
    ],
)
def test_a_message_id_is_stored_with_its_brackets(value: str | None, stored: str | None) -> None:
    assert normalize_id(value) == stored


def test_the_intake_uses_the_one_normalize_id() -> None:
    assert message.normalize_id is normalize_id
