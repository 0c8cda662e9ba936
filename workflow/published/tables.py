"""The three tables of a published report, read cell by cell by their row and column labels.

Positions mean nothing in a published table (offices merge, add blank columns, split it at a
page break), labels do: a column is where its header says 自然人 or 本年制发件数, a row is where
its label says 规章 or （三）不予公开 … 1.属于国家秘密. Each reader returns the text of every
cell by field key, with where it was (`CellRef` naming the table, row and column), and notes
on what it had to interpret. What it cannot find it refuses with `Unreadable`, saying which
table and why: a number is never guessed.

The 2019 layout (国办公开办函〔2019〕60号) differs in two places this reader knows: 表三 has one
row （六）其他处理 (read as （六）3.其他, 1 and 2 as 0, with a note), and 表二's first block has
other columns (本年新制作数量 …: its six cells are not read, with a note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflow.core.form import (
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    FEE_COLUMN,
    LITIGATION_COLUMNS,
    LITIGATION_GROUPS,
    SECTION2_BLOCKS,
    ApplicationRow,
)
from workflow.core.submission import CellRef
from workflow.published.document import squash

__all__ = [
    "TABLE_NAMES",
    "Cells",
    "Unreadable",
    "read_applications",
    "read_litigation",
    "read_proactive",
]

TABLE_NAMES = {"proactive": "表二", "applications": "表三", "litigation": "表四"}
_NUMBERISH = re.compile(r"[0-9.,，]*")


class Unreadable(Exception):
    """A table that cannot be read; the message (Chinese) says which and why."""


@dataclass(slots=True)
class Cells:
    text: dict[str, str] = field(default_factory=dict)
    where: dict[str, CellRef] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def put(self, key: str, text: str, table: str, row: str, column: str) -> None:
        if key in self.text and squash(self.text[key]) != squash(text):
            raise Unreadable(
                f"{table}“{row}”行“{column}”列出现两次且数字不同（{self.text[key]}、{text}）"
            )
        self.text[key] = text
        self.where[key] = CellRef(table, f"“{row}”行“{column}”列")


def _numberish(text: str) -> bool:
    return bool(_NUMBERISH.fullmatch(squash(text)))


# --- 表二 ------------------------------------------------------------------------------------

_S2_WORDS = {
    "本年制发件数": "制发",
    "本年废止件数": "废止",
    "现行有效件数": "现行有效",
    "本年处理决定数量": "处理决定",
    FEE_COLUMN: "收费金额",
}
_S2_2019 = ("新制作", "上一年项目数量", "本年增", "新公开")


def _s2_row(label: str) -> tuple[int, int] | None:
    """(block, row) index of the form's row whose label this is."""
    flat = squash(label)
    for b, block in enumerate(SECTION2_BLOCKS):
        for r, row in enumerate(block.rows):
            if flat == row.label or (row.label == "行政规范性文件" and flat == "规范性文件"):
                return b, r
    return None


def read_proactive(rows: list[list[str]]) -> Cells:
    table = TABLE_NAMES["proactive"]
    out = Cells()
    is_2019 = any(w in squash(c) for row in rows for c in row for w in _S2_2019)
    header: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    skipped: dict[str, list[str]] = {}
    for row in rows:
        found = {
            word: i
            for i in reversed(range(len(row)))
            for word in _S2_WORDS.values()
            if word in squash(row[i])
        }
        if found or any(w in squash(c) for c in row for w in _S2_2019):
            header = found
            continue
        label_at = next((i for i, c in enumerate(row) if c.strip()), None)
        place = _s2_row(row[label_at]) if label_at is not None else None
        if place is None:
            continue
        block = SECTION2_BLOCKS[place[0]]
        form_row = block.rows[place[1]]
        seen.add(place)
        for column, key in zip(block.columns, form_row.keys, strict=True):
            index = header.get(_S2_WORDS[column])
            if index is None or index <= (label_at or 0):
                if is_2019:
                    skipped.setdefault(block.article, []).append(f"{form_row.label}·{column}")
                    continue
                raise Unreadable(f"{table}“{form_row.label}”行上方找不到“{column}”列")
            out.put(key, row[index], table, form_row.label, column)
    for b, block in enumerate(SECTION2_BLOCKS):
        for r, form_row in enumerate(block.rows):
            if (b, r) not in seen:
                raise Unreadable(f"{table}找不到“{form_row.label}”行")
    for article, cells in skipped.items():
        labels = "、".join(dict.fromkeys(c.split("·")[0] for c in cells))
        out.notes.append(
            f"{table}{article}为 2019 年格式，没有“{cells[0].split('·')[1]}”等列，"
            f"{labels}的 {len(cells)} 个数未读取（不作推测）"
        )
    return out


# --- 表三 ------------------------------------------------------------------------------------

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


def _applicant_columns(rows: list[list[str]], table: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for column in APPLICANT_COLUMNS:
        at = [i for row in rows for i, c in enumerate(row) if squash(c) == column.label]
        if not at:
            raise Unreadable(f"{table}找不到“{column.label}”列")
        columns[column.suffix] = min(at)
    return columns


def _row_label(cells: list[str]) -> str:
    parts: list[str] = []
    for cell in cells:
        flat = squash(cell)
        if flat and (not parts or parts[-1] != flat):
            parts.append(flat)
    return "".join(parts).removeprefix("三、本年度办理结果")


def _classify(label: str, group: str) -> tuple[str | None, str]:
    """(stem or None, current group); raises for a numbered item it cannot place."""
    top = re.match(r"([一二三四])、", label)
    if top:
        stem = _TOP.get(top.group(1))
        return (stem if stem and _TOP_WORDS[stem] in label else None), ""
    paren = _PAREN.match(label)
    rest = label
    if paren:
        number, rest = paren.group(1), label[paren.end() :]
        if number in _PARTS:
            return _PARTS[number], ""
        group = _GROUP_PREFIX[number]
        item = re.search(r"(\d{1,2})[.、]", rest)
        if item is None:
            return ("other_single" if group == "other" else None), group
        rest = rest[item.start() :]
    elif not group:
        return None, group
    item = _ITEM.match(rest)
    if item is None:
        return None, group
    n = int(item.group(1))
    items = _ITEMS[group]
    if not 1 <= n <= len(items):
        raise Unreadable(f"“{label}”不是格式中的项目")
    expected = squash(items[n - 1].label).split(".", 1)[1]
    said = rest[item.end() :]
    if said and expected[:2] not in said:
        raise Unreadable(f"“{label}”与格式中的“{items[n - 1].label}”不符")
    return items[n - 1].stem, group


def read_applications(rows: list[list[str]]) -> Cells:
    table = TABLE_NAMES["applications"]
    out = Cells()
    columns = _applicant_columns(rows, table)
    label_end = min(columns.values())
    group = ""
    single: list[str] | None = None
    for row in rows:
        label = _row_label(row[:label_end])
        stem, group = _classify(label, group)
        values = [row[i] for i in columns.values()]
        if stem is None:
            if label and all(_numberish(v) for v in values) and any(v.strip() for v in values):
                raise Unreadable(f"{table}中“{label}”不是格式中的行")
            continue
        if stem == "other_single":
            single = values
            continue
        _put_row(out, _BY_STEM[stem], values, table)
    if single is not None:
        if not any(k.startswith("apply_other_") for k in out.text):
            # the 2019 layout: one row （六）其他处理, which held what 2021 splits in three
            for stem in ("other_no_correction", "other_no_fee"):
                _put_row(out, _BY_STEM[stem], ["0"] * len(values), table)
            _put_row(out, _BY_STEM["other_other"], single, table)
            out.notes.append(
                f"{table}只有一行“（六）其他处理”（2019 年格式），已计入“（六）3.其他”，"
                "“1.申请人无正当理由逾期不补正…”“2.申请人逾期未按收费通知要求缴纳费用…”记为 0"
            )
        elif any(v.strip() for v in single):
            raise Unreadable(f"{table}“（六）其他处理”既有总数行又有分项，无法确定各项数字")
    missing = [r.label for r in APPLICATION_ROWS if r.key("total") not in out.text]
    if missing:
        raise Unreadable(f"{table}找不到“{missing[0]}”行")
    return out


def _put_row(out: Cells, form_row: ApplicationRow, values: list[str], table: str) -> None:
    row_label = f"{form_row.group} {form_row.label}" if form_row.group else form_row.label
    for column, text in zip(APPLICANT_COLUMNS, values, strict=True):
        out.put(form_row.key(column), text, table, row_label, column.label)


# --- 表四 ------------------------------------------------------------------------------------

_LIT_LABELS = {label: suffix for suffix, label in LITIGATION_COLUMNS}
_HEADER_WORDS = ("结果维持", "行政复议", "行政诉讼", "复议后起诉", "直接起诉")


def _group_of(heads: str) -> str | None:
    if "复议后起诉" in heads:
        return "suit_after_review"
    if "直接起诉" in heads or "未经复议" in heads:
        return "suit_direct"
    if "行政复议" in heads:
        return "review"
    return None


def read_litigation(rows: list[list[str]]) -> Cells:
    table = TABLE_NAMES["litigation"]
    out = Cells()
    counts = [sum(squash(c) in _LIT_LABELS for c in row) for row in rows]
    best = max(counts, default=0)
    at = max(r for r, n in enumerate(counts) if n == best) if best >= 3 else None
    if at is None:
        raise Unreadable(f"{table}找不到“结果维持、结果纠正、其他结果、尚未审结、总计”表头")
    keys: dict[int, tuple[str, str, str]] = {}
    for i, cell in enumerate(rows[at]):
        suffix = _LIT_LABELS.get(squash(cell))
        if suffix is None:
            continue
        prefix = _group_of("".join(squash(row[i]) for row in rows[:at]))
        if prefix is None:
            raise Unreadable(f"{table}第 {i + 1} 列“{cell}”上方没有“行政复议”或“行政诉讼”表头")
        group = next(g for g in LITIGATION_GROUPS if g.prefix == prefix)
        keys[i] = (group.key(suffix), group.label, cell)
    below = [
        row for row in rows[at + 1 :] if not any(w in squash(c) for c in row for w in _HEADER_WORDS)
    ]
    filled = [row for row in below if any(row[i].strip() for i in keys)]
    if len(filled) > 1:
        raise Unreadable(f"{table}表头下有 {len(filled)} 行数字，不知道哪一行是本年的")
    data = filled[0] if filled else (below[0] if below else None)  # all blank: all 0
    if data is None:
        raise Unreadable(f"{table}表头下没有数字行")
    for i, (key, group_label, column) in keys.items():
        out.put(key, data[i], table, group_label, column)
    missing = [
        f"{g.label}·{label}"
        for g in LITIGATION_GROUPS
        for suffix, label in LITIGATION_COLUMNS
        if g.key(suffix) not in out.text
    ]
    if missing:
        raise Unreadable(f"{table}缺少列：{'、'.join(missing)}")
    return out
