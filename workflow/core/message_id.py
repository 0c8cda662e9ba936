"""Message-IDs in the one form the office stores them: `<id@host>`, brackets and all.

The mail intake keys a mail by its Message-ID (`intake.mail.message`), and a ledger rebuilt
from the archived .eml files (`office.rebuild_sources`, `office.mail_rebuild`) must find the
same ids again, so both write them through `normalize_id`.
"""

from __future__ import annotations

__all__ = ["normalize_id"]


def normalize_id(value: str | None) -> str | None:
    """`<id@host>` with the brackets, whitespace removed; None for nothing usable."""
    if not value:
        return None
    text = "".join(str(value).split())
    if not text:
        return None
    if not text.startswith("<"):
        text = "<" + text
    if not text.endswith(">"):
        text += ">"
    return text if len(text) > 2 else None
