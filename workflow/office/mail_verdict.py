"""`Verdict`: what became of one mailed attachment, as the reply tells it.

A domain value, apart from where it is kept: the mail tables store it as JSON
(`office.mail_ledger`), the reply writer reads it (`intake.mail.compose`), and a verdict
rebuilt from the ledger after a crash (`intake.mail.attachments.recorded_verdict`) is the same
value as the one made on the first attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Verdict"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What became of one attachment (kept in the ledger as JSON)."""

    file: str
    status: str  # passed | failed | rejected | wrong_agency | too_big | unopened
    agency: str | None = None
    year: int | None = None
    messages: tuple[str, ...] = ()  # the errors (or the reason), in Chinese
    warnings: int = 0
    attach: tuple[str, ...] = ()  # paths of files to attach
    advice: str = ""  # for a refused file: what to do, agreeing with its reason
    notes: tuple[str, ...] = ()  # the warnings, each naming its sheet and place

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "status": self.status,
            "agency": self.agency,
            "year": self.year,
            "messages": list(self.messages),
            "warnings": self.warnings,
            "attach": list(self.attach),
            "advice": self.advice,
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Verdict:
        year = data.get("year")
        warnings = data.get("warnings")
        return cls(
            file=str(data["file"]),
            status=str(data["status"]),
            agency=str(data["agency"]) if data.get("agency") else None,
            year=int(year) if isinstance(year, int | str) and year else None,
            messages=tuple(str(m) for m in data.get("messages") or ()),  # type: ignore[attr-defined]
            warnings=int(warnings) if isinstance(warnings, int | str) else 0,
            attach=tuple(str(a) for a in data.get("attach") or ()),  # type: ignore[attr-defined]
            advice=str(data.get("advice") or ""),
            notes=tuple(str(n) for n in data.get("notes") or ()),  # type: ignore[attr-defined]
        )
