"""表四 (行政复议、行政诉讼情况) read by its column labels: one row of fifteen numbers.

The header row is the row with the most of 结果维持 / 结果纠正 / 其他结果 / 尚未审结 / 总计; what
is above each of its cells says which group it belongs to (行政复议, 未经复议直接起诉, 复议后起诉).
A label printed a character or two off (行政法复议, 结果维特, 合计) is read as the one it stands
for, noted. Two rows of numbers under the header are a guess (which is this year's?), refused.
"""

from __future__ import annotations

from workflow.core.form import LITIGATION_COLUMNS, LITIGATION_GROUPS
from workflow.published.document import squash
from workflow.published.tables import TABLE_NAMES, Cells, Unreadable, match_label

__all__ = ["read_litigation"]

_LIT_LABELS = {label: suffix for suffix, label in LITIGATION_COLUMNS}
_GROUP_WORDS = ["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"]
_HEADER_WORDS = ("结果维持", "行政复议", "行政诉讼", "复议后起诉", "直接起诉")


def _group_of(heads: str) -> str | None:
    if "复议后起诉" in heads:
        return "suit_after_review"
    if "直接起诉" in heads or "未经复议" in heads:
        return "suit_direct"
    if "行政复议" in heads:
        return "review"
    return None


def _head(cell: str, table: str, out: Cells) -> str:
    """A header cell above the labels, a slip of a group's words read as them."""
    flat = squash(cell)
    if not flat or any(w in flat for w in _GROUP_WORDS):
        return flat
    word = match_label(cell, _GROUP_WORDS, table)
    if word is None:
        return flat
    out.slip(table, cell, word)
    return word


def _label(cell: str, table: str, out: Cells) -> str | None:
    """The column label (结果维持 …) this header cell is, a slip read as it."""
    flat = squash(cell)
    if flat in _LIT_LABELS:
        return flat
    if not flat:
        return None
    label = match_label(cell, list(_LIT_LABELS), table)
    if label is not None:
        out.slip(table, cell, label)
    return label


def read_litigation(rows: list[list[str]]) -> Cells:
    table = TABLE_NAMES["litigation"]
    out = Cells()
    counts = [sum(squash(c) in _LIT_LABELS for c in row) for row in rows]
    best = max(counts, default=0)
    at = max(r for r, n in enumerate(counts) if n == best) if best >= 3 else None
    if at is None:
        raise Unreadable(f"{table}找不到“结果维持、结果纠正、其他结果、尚未审结、总计”表头")
    keys: dict[int, tuple[str, str, str]] = {}
    heads = [[_head(row[i], table, out) for row in rows[:at]] for i in range(len(rows[at]))]
    for i, cell in enumerate(rows[at]):
        label = _label(cell, table, out)
        if label is None:
            continue
        prefix = _group_of("".join(heads[i]))
        if prefix is None:
            raise Unreadable(f"{table}第 {i + 1} 列“{cell}”上方没有“行政复议”或“行政诉讼”表头")
        group = next(g for g in LITIGATION_GROUPS if g.prefix == prefix)
        keys[i] = (group.key(_LIT_LABELS[label]), group.label, label)
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
