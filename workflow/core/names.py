"""Turn an agency's name (or any user text) into a file or folder name that works everywhere.

The office keeps one folder and several files per agency, named after the agency so that a
clerk finds them by eye. Agency names come from people: they may hold a slash ("党政办/综治办"),
a colon, a newline pasted from Word, or be absurdly long. The files travel between Linux servers,
Windows desktops and e-mail, so a name must be legal on all of them: no path separators or
characters Windows forbids, no control characters, no leading dot (hidden on Unix, '..' is a
parent folder), no trailing dot or space (Windows drops them), not a reserved device name
(CON, NUL, COM1 …), and short enough for a 255-byte file-system limit. Everything else is kept
as typed, so that the name stays recognisable.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["agency_key", "safe_name"]


def agency_key(name: str) -> str:
    """One key for names that differ only in spaces or full-/half-width forms: the registry,
    the identity check and the summary all treat such names as the same agency."""
    return "".join(unicodedata.normalize("NFKC", name).split())


REPLACEMENT = "_"
"""What a forbidden character becomes: visible, legal everywhere, and not a separator."""

EMPTY_NAME = "未命名"
"""Used when nothing printable is left, so a caller never gets an empty path component."""

MAX_BYTES = 200
"""UTF-8 bytes a name may take: most file systems allow 255 per component, and callers append
a year, a suffix or an extension (a Chinese character is three bytes)."""

_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_SPACES = re.compile(r"\s+")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
"""Windows device names: a file called 'CON' or 'nul.txt' cannot be created or opened there."""


def _clean_char(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Cc", "Zl", "Zp"):
        # Newlines and tabs pasted from Word: a space keeps the words apart.
        return " "
    if category in ("Cf", "Cs", "Co", "Cn"):
        # Invisible or invalid: zero-width spaces, bidi overrides that could disguise an
        # extension, lone surrogates that cannot even be encoded.
        return ""
    return REPLACEMENT if _FORBIDDEN.match(char) else char


def _trim(text: str) -> str:
    """Drop what must not start (dots: hidden, '..') or end (dots, spaces: Windows) a name."""
    return text.lstrip(". ").rstrip(". ")


def _cap(text: str, limit: int) -> str:
    text = text[:limit]
    while len(text.encode("utf-8")) > MAX_BYTES:
        text = text[:-1]
    return text


def _is_reserved(text: str) -> bool:
    # Windows treats 'CON.txt' and 'con ' like 'CON': only the part before the first dot counts.
    return text.split(".", 1)[0].rstrip(" ").upper() in _RESERVED


def safe_name(text: str, limit: int = 100) -> str:
    """Return `text` as a single file or folder name that is legal on Linux, macOS and Windows.

    Forbidden characters (/ \\ : * ? " < > |) become '_', control characters and line breaks a
    space, invisible format characters are dropped, runs of white space become one space,
    leading dots and leading or trailing spaces and dots are removed, Windows device names get
    a '_' after the device part ('CON' -> 'CON_'), and the result is cut to `limit` characters
    and to `MAX_BYTES` bytes of UTF-8. Never returns an empty string.
    """
    if limit < 2:
        raise ValueError(f"limit must be at least 2, got {limit}")
    text = unicodedata.normalize("NFC", text)
    text = "".join(_clean_char(c) for c in text)
    text = _trim(_SPACES.sub(" ", text))
    text = _trim(_cap(text, limit))
    if _is_reserved(text):
        stem, dot, rest = text.partition(".")
        stem = stem.rstrip(" ")
        text = _trim(_cap(f"{stem}{REPLACEMENT}{dot}{rest}", limit))
        if _is_reserved(text):  # cut back to the device name by a tiny limit
            text = _cap(stem, limit - 1) + REPLACEMENT
    return text or EMPTY_NAME
