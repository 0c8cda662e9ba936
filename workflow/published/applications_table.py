"""表三 (收到和处理政府信息公开申请情况) read by its row and column labels.

Columns are where the header says 自然人 … 总计 (one printed a character off, or 其它 / 合计, is
read as it, noted); two separate columns that could each be one of them are a guess, refused.
Rows are placed by their numbering and words: 一、本年新收…, （一）予以公开, （三）不予公开 with
its numbered items (written once or merged down; an item printed without its number is placed
by its words within its group). A label a character or two off the format's
is read as it, noted; a row of numbers whose label is no row of the format is refused; a row the
report leaves out is not reported (0), noted — unless most are missing (not this table).

The 2019 layout has one row （六）其他处理: read as （六）3.其他, 1 and 2 as 0, with a note.
"""

from __future__ import annotations

import re

from workflow.core.form import APPLICANT_COLUMNS, APPLICATION_ROWS, ApplicationRow
from workflow.published.document import squash
from workflow.published.labels import closest
from workflow.published.tables import (
    TABLE_NAMES,
    Cells,
    Unreadable,
    match_label,
    numberish,
    one_column,
)

__all__ = ["read_applications"]

_TOP = {"一": "new", "二": "carried_in", "四": "carried_out"}
_TOP_WORDS = {"new": "新收", "carried_in": "结转", "carried_out": "结转"}
_PARTS = {"一": "granted", "二": "partial", "七": "handled_total"}
_GROUP_PREFIX = {"三": "denied", "四": "unable", "五": "rejected", "六": "other"}
_ITEMS: dict[str, list[ApplicationRow]] = {}
for _row in APPLICATION_ROWS:
    if _row.group:
        _ITEMS.setdefault(_row.stem.split("_", 1)[0], []).append(_row)
_BY_STEM = {r.stem: r for r in APPLICATION_ROWS}
_PAREN = re.compile(r"（([一二三四五六七])）")
_ITEM = re.compile(r"(\d{1,2})[.、]?")
_NUMBERED = re.compile(r"^(?:[一二三四]、|（[一二三四五六七]）)")
_UNGROUPED = {
    squash(r.label): r.stem for r in APPLICATION_ROWS if not r.group and r.stem in _TOP.values()
}
"""一、本年新收政府信息公开申请数量 … : the top rows' full labels, matched with a slip."""
_BARE = {_NUMBERED.sub("", label): stem for label, stem in _UNGROUPED.items()}


def _header_end(rows: list[list[str]]) -> int:
    """Rows above this index are the header: up to the first row about 本年新收 (or the first
    with a number)."""
    for r, row in enumerate(rows):
        if any("新收" in squash(c) for c in row):
            return r
    for r, row in enumerate(rows):
        if any(c.strip() and numberish(c) for c in row):
            return r
    return len(rows)


def _applicant_columns(rows: list[list[str]], table: str, out: Cells) -> dict[str, int]:
    head = rows[: _header_end(rows)] or rows
    labels = [column.label for column in APPLICANT_COLUMNS]
    exact: dict[str, list[tuple[int, str]]] = {}
    for row in head:
        for i, cell in enumerate(row):
            if (flat := squash(cell)) in labels:
                exact.setdefault(flat, []).append((i, flat))
    missing = [label for label in labels if label not in exact]
    near: dict[str, list[tuple[int, str]]] = {}
    for row in head if missing else []:
        for i, cell in enumerate(row):
            if squash(cell) and (label := match_label(cell, missing, table)) is not None:
                near.setdefault(label, []).append((i, squash(cell)))
    columns: dict[str, int] = {}
    for column in APPLICANT_COLUMNS:
        at = exact.get(column.label)
        if not at and column.label in near:
            at = near[column.label]
            out.slip(table, at[0][1], column.label)
        if not at:
            raise Unreadable(f"{table}找不到“{column.label}”列")
        columns[column.suffix] = one_column(at, table, column.label)
    return columns


def _row_label(cells: list[str]) -> str:
    parts: list[str] = []
    for cell in cells:
        flat = squash(cell)
        if flat and (not parts or parts[-1] != flat):
            parts.append(flat)
    return "".join(parts).removeprefix("三、本年度办理结果")


class _Classifier:
    """Row label → the form's row, carrying the （三）…（六） group down to its items."""

    def __init__(self, table: str, out: Cells) -> None:
        self.table = table
        self.out = out
        self.group = ""

    def stem(self, label: str) -> str | None:
        top = re.match(r"([一二三四])、", label)
        if top:
            self.group = ""
            stem = _TOP.get(top.group(1))
            if stem and _TOP_WORDS[stem] in label:
                return stem
            return self._near_top(label)
        paren = _PAREN.match(label)
        rest = label
        if paren:
            number, rest = paren.group(1), label[paren.end() :]
            if number in _PARTS:
                self.group = ""
                return _PARTS[number]
            self.group = _GROUP_PREFIX[number]
            item = re.search(r"(\d{1,2})[.、]", rest)
            if item is None:
                words = squash(_ITEMS[self.group][0].group)[3:]
                unnumbered = self._unnumbered(rest.removeprefix(words))
                return unnumbered or ("other_single" if self.group == "other" else None)
            rest = rest[item.start() :]
        elif not self.group or not _ITEM.match(rest):
            return self._unnumbered(label) or _BARE.get(label) or self._near_top(label)
        return self._item(label, rest)

    def _unnumbered(self, label: str) -> str | None:
        """An item of the current group printed without its number (属于国家秘密 under
        （三）不予公开): the item whose words it is, a slip of a character allowed."""
        if not self.group or not label:
            return None
        items = {squash(r.label).split(".", 1)[1]: r for r in _ITEMS[self.group]}
        found = match_label(label, list(items), self.table)
        if found is None:
            return None
        if found != label:
            self.out.slip(self.table, label, found)
        return items[found].stem

    def _near_top(self, label: str) -> str | None:
        """A top row (一、本年新收… / 二、上年结转… / 四、结转下年度…) printed off its words."""
        if not label:
            return None
        found = closest(label, list(_UNGROUPED)) or closest(label, list(_BARE))
        if found is None:
            return None
        stem = _UNGROUPED.get(found) or _BARE[found]
        self.out.slip(self.table, label, _BY_STEM[stem].label)
        return stem

    def _item(self, label: str, rest: str) -> str:
        item = _ITEM.match(rest)
        assert item is not None
        n = int(item.group(1))
        items = _ITEMS[self.group]
        if not 1 <= n <= len(items):
            raise Unreadable(f"“{label}”不是格式中的项目")
        expected = squash(items[n - 1].label).split(".", 1)[1]
        said = rest[item.end() :]
        if said and expected[:2] not in said:
            if closest(said, [expected]) is None:
                raise Unreadable(f"“{label}”与格式中的“{items[n - 1].label}”不符")
            self.out.slip(self.table, said, expected)
        return items[n - 1].stem


def read_applications(rows: list[list[str]]) -> Cells:
    table = TABLE_NAMES["applications"]
    out = Cells()
    columns = _applicant_columns(rows, table, out)
    label_end = min(columns.values())
    classify = _Classifier(table, out)
    single: list[str] | None = None
    for row in rows:
        label = _row_label(row[:label_end])
        stem = classify.stem(label)
        values = [row[i] for i in columns.values()]
        if stem is None:
            if label and all(numberish(v) for v in values) and any(v.strip() for v in values):
                raise Unreadable(f"{table}中“{label}”不是格式中的行")
            continue
        if stem == "other_single":
            single = values
            continue
        _put_row(out, _BY_STEM[stem], values, table)
    if single is not None:
        _single_other(out, single, table)
    missing = [r for r in APPLICATION_ROWS if r.key("total") not in out.text]
    if len(missing) * 2 > len(APPLICATION_ROWS):
        raise Unreadable(f"{table}找不到“{missing[0].label}”行")
    for form_row in missing:
        for column in APPLICANT_COLUMNS:
            out.absent(form_row.key(column), table, _row_name(form_row), column.label)
    out.left_out(table, [_row_name(r) for r in missing])
    return out


def _single_other(out: Cells, single: list[str], table: str) -> None:
    if not any(k.startswith("apply_other_") for k in out.text):
        # the 2019 layout: one row （六）其他处理, which held what 2021 splits in three
        for stem in ("other_no_correction", "other_no_fee"):
            _put_row(out, _BY_STEM[stem], ["0"] * len(single), table)
        _put_row(out, _BY_STEM["other_other"], single, table)
        out.notes.append(
            f"{table}只有一行“（六）其他处理”（2019 年格式），已计入“（六）3.其他”，"
            "“1.申请人无正当理由逾期不补正…”“2.申请人逾期未按收费通知要求缴纳费用…”记为 0"
        )
    elif any(v.strip() for v in single):
        raise Unreadable(f"{table}“（六）其他处理”既有总数行又有分项，无法确定各项数字")


def _row_name(form_row: ApplicationRow) -> str:
    return f"{form_row.group} {form_row.label}" if form_row.group else form_row.label


def _put_row(out: Cells, form_row: ApplicationRow, values: list[str], table: str) -> None:
    for column, text in zip(APPLICANT_COLUMNS, values, strict=True):
        out.put(form_row.key(column), text, table, _row_name(form_row), column.label)
