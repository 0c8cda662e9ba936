"""Findings: what a check says about a submission, as plain values.

A check never raises for a bad value; it yields `Finding`s. Each finding carries a stable rule
code from `RULES` (the catalogue in `rules`, with its severity and Chinese message template), the
field keys and cells it is about, the row and column labels, and the expected and actual value,
so that the CLI, the JSON record, the error workbook and the Word draft banner all say the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workflow.core.rules import RULES, Rule, Severity

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "count_errors",
    "finding",
    "rejection_advice",
    "sort_findings",
]


_REISSUED = (
    "请使用公开办下发的本单位年度报告工作簿（.xlsx）填写，保存后将该文件原样作为附件发回。"
    "如工作簿丢失，请向公开办重新索取。"
)
_ADVICE: dict[str, str] = {
    "file.internal_error": "无需处理：文件已妥善保存，公开办会尽快处理，无需重复发送。",
    "file.legacy_xls": "按上面“原因”所说另存为 .xlsx 后发回即可，已填的内容不必重新填写。",
    "file.ods": "按上面“原因”所说另存为 .xlsx 后发回即可，已填的内容不必重新填写。",
    "file.encrypted": "按上面“原因”所说取消打开密码、保存后，把该文件重新发回。",
    "file.empty": "请把填好的工作簿（.xlsx）重新作为附件完整发送一次。",
    "file.damaged": "请把填好的工作簿（.xlsx）重新作为附件完整发送一次；如仍无法接收，"
    "请在 Excel、WPS 或 LibreOffice 中打开，确认内容无误后另存为 .xlsx 再发送。",
}


def rejection_advice(findings: Iterable[Finding]) -> str:
    """The 怎么办 of a rejection note: what the agency must do about the refusals it lists,
    in words that agree with their messages (the first refusal with its own advice decides)."""
    for f in findings:
        if f.rule in _ADVICE:
            return _ADVICE[f.rule]
    return _REISSUED


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    fields: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()
    """'sheet!A1' for each cell the agency must look at."""
    row_label: str = ""
    column_label: str = ""
    expected: str | None = None
    actual: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "fields": list(self.fields),
            "cells": list(self.cells),
            "message": self.message,
            "row_label": self.row_label,
            "column_label": self.column_label,
            "expected": self.expected,
            "actual": self.actual,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        """The finding `to_json` wrote (a result.json's findings; `extra` is not kept there)."""
        return cls(
            rule=data["rule"],
            severity=Severity(data["severity"]),
            message=data["message"],
            fields=tuple(data.get("fields") or ()),
            cells=tuple(data.get("cells") or ()),
            row_label=data.get("row_label") or "",
            column_label=data.get("column_label") or "",
            expected=data.get("expected"),
            actual=data.get("actual"),
        )


def finding(
    code: str,
    *,
    fields: Iterable[str] = (),
    cells: Iterable[str] = (),
    row_label: str = "",
    column_label: str = "",
    expected: object = None,
    actual: object = None,
    **params: object,
) -> Finding:
    """Build a finding of rule `code`, rendering its Chinese message from the catalogue.

    `expected` and `actual` are also available to the template, as strings.
    """
    rule = RULES[code]
    exp = None if expected is None else str(expected)
    act = None if actual is None else str(actual)
    message = rule.template.format(expected=exp, actual=act, **params)
    return Finding(
        rule=code,
        severity=rule.severity,
        message=message,
        fields=tuple(fields),
        cells=tuple(cells),
        row_label=row_label,
        column_label=column_label,
        expected=exp,
        actual=act,
    )


def count_errors(findings: Iterable[Finding]) -> int:
    return sum(1 for f in findings if f.is_error)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then in the order they were found (stable)."""
    return sorted(findings, key=lambda f: 0 if f.is_error else 1)
