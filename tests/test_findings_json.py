"""A finding written into result.json (`Finding.to_json`) reads back as the same finding
(`Finding.from_json`), as the agency page and a mailed verdict rebuilt after a crash read it."""

from __future__ import annotations

import json

from workflow.core.findings import Finding, Severity, finding


def test_a_finding_reads_back_from_its_json_as_written() -> None:
    written = [
        finding(
            "sum.balance",
            fields=("apply_new_total", "apply_new_natural"),
            cells=("二、主动公开!C5", "二、主动公开!C6"),
            row_label="本年新收申请数量",
            column_label="总计",
            expected=3,
            actual=5,
            scope="本年新收申请",
            left_label="总计",
            left=5,
            right_label="各项之和",
            right=3,
            diff=2,
            advice="总计=各项之和",
        ),
        finding("source.note", detail="第 2 页表格缺一行"),
    ]

    read = [Finding.from_json(json.loads(json.dumps(f.to_json()))) for f in written]

    assert read == written
    assert [f.severity for f in read] == [Severity.ERROR, Severity.WARNING]


def test_a_finding_without_its_optional_keys_reads_with_their_defaults() -> None:
    data = {"rule": "source.note", "severity": "warning", "message": "说明", "fields": None}

    f = Finding.from_json(data)

    assert (f.fields, f.cells, f.row_label, f.column_label) == ((), (), "", "")
    assert (f.expected, f.actual) == (None, None)
