"""Is this workbook one the office issued, of a version we read, with its structure intact?

The template writer and this module share a contract:

* custom document properties (strings) ``wf_form`` = `form.FORM_ID`, ``wf_template_version`` =
  `form.TEMPLATE_VERSION`, ``wf_agency`` and ``wf_year`` (who and which year it was issued
  for); the same pairs are kept in a very hidden sheet ``_meta`` (A1:B4), for office suites
  that drop custom properties when they save;
* every key of `form.FIELDS` is a workbook-scoped defined name pointing at exactly one cell.

Fields are found only through their defined names, never through coordinates, so the layout
may change between template versions. A defined name can outlive its cell: openpyxl keeps
``'三、依申请公开'!$D$5`` after the sheet is renamed or deleted, Excel turns it into ``#REF!``;
both mean the agency changed the structure, and the file is refused with a message that says
which sheet or fields are gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl.utils.cell import column_index_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from workflow.core.cell_values import display_raw
from workflow.core.errors import RejectedFile
from workflow.core.form import FIELDS, FORM_ID, TEMPLATE_VERSION
from workflow.core.submission import CellRef
from workflow.workbook.mark_names import META_PROPERTIES, META_SHEET

__all__ = [
    "META_KEYS",
    "META_SHEET",
    "SUPPORTED_VERSIONS",
    "TemplateIdentity",
    "locate_fields",
    "read_identity",
]

SUPPORTED_VERSIONS: frozenset[str] = frozenset({TEMPLATE_VERSION})
"""Template versions this reader knows the defined names and types of."""

META_KEYS: tuple[str, ...] = tuple(META_PROPERTIES.values())
"""The custom document properties the template writer records (one definition: template.py)."""

_SHOWN_KEYS = 3
"""How many missing keys a message lists before it says '等 N 项'."""

_MAX_COLUMN = 16_384  # XFD
_MAX_ROW = 1_048_576

# One cell, optionally sheet-qualified ('Sheet'!$B$5 with '' for a quote inside the name).
_SINGLE_CELL = re.compile(
    r"^(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^'!]+))!\$?(?P<col>[A-Za-z]{1,3})\$?(?P<row>\d+)$"
)


@dataclass(frozen=True, slots=True)
class TemplateIdentity:
    """What the workbook says about itself; None where it says nothing."""

    form: str | None = None
    version: str | None = None
    agency: str | None = None
    year: int | None = None


def read_identity(wb: Workbook) -> TemplateIdentity:
    """The template marks, from the custom properties, else from the `_meta` sheet."""
    pairs = [*_meta_sheet_pairs(wb), *((p.name, p.value) for p in wb.custom_doc_props.props)]
    found: dict[str, str] = {}
    for key, value in pairs:  # the properties come last: they win
        text = display_raw(value).strip()
        if key in META_KEYS and text:
            found[key] = text
    year = found.get("wf_year", "")
    return TemplateIdentity(
        form=found.get("wf_form"),
        version=found.get("wf_template_version"),
        agency=found.get("wf_agency"),
        year=int(year) if year.isascii() and year.isdigit() else None,
    )


def _meta_sheet_pairs(wb: Workbook) -> list[tuple[object, object]]:
    ws = _worksheets(wb).get(META_SHEET)
    if ws is None:
        return []
    rows = ws.iter_rows(min_row=1, max_row=len(META_KEYS), max_col=2, values_only=True)
    return [(row[0], row[1]) for row in rows]


def locate_fields(wb: Workbook, name: str, identity: TemplateIdentity) -> dict[str, CellRef]:
    """Each field key's cell, found by its defined name; raise `RejectedFile` unless the workbook
    is our template, of a supported version, with every name pointing at one existing cell.

    `name` is the file name the agency sees in the message.
    """
    names = wb.defined_names
    present = [f.key for f in FIELDS if f.key in names]
    if identity.form is None and not present:
        raise RejectedFile("file.not_template", name, "没有找到标准工作簿的标记和字段名称")
    if identity.form is not None and identity.form != FORM_ID:
        raise RejectedFile(
            "file.not_template", name, f"工作簿标记为“{identity.form}”，不是本年度报告的格式"
        )
    if identity.form is not None and identity.version not in SUPPORTED_VERSIONS:
        raise RejectedFile(
            "file.template_version",
            name,
            expected="、".join(sorted(SUPPORTED_VERSIONS)),
            actual=identity.version or "未标明",
        )
    cells: dict[str, CellRef] = {}
    missing: list[str] = []
    broken: list[str] = []
    lost_sheets: dict[str, None] = {}  # ordered set
    worksheets = _worksheets(wb)
    for field in FIELDS:
        defined = names.get(field.key)
        if defined is None:
            missing.append(field.key)
            continue
        ref = _single_cell(defined.attr_text or "")
        if ref is None:
            broken.append(field.key)
        elif ref.sheet not in worksheets:
            lost_sheets[ref.sheet] = None
        else:
            cells[field.key] = ref
    problems = [f"缺少工作表“{sheet}”" for sheet in lost_sheets]
    if missing:
        problems.append(f"找不到字段：{_some(missing)}")
    if broken:
        problems.append(f"字段位置失效（可能删除了工作表或单元格）：{_some(broken)}")
    if problems:
        raise RejectedFile("file.template_damaged", name, "；".join(problems))
    return cells


def _worksheets(wb: Workbook) -> dict[str, Worksheet]:
    """Sheets that hold cells, by title (a chart sheet of the same name has none)."""
    return {ws.title: ws for ws in wb.worksheets if isinstance(ws, Worksheet | ReadOnlyWorksheet)}


def _single_cell(reference: str) -> CellRef | None:
    """The sheet and cell of 'Sheet'!$B$5; None for a range, several areas, #REF! or a constant."""
    match = _SINGLE_CELL.match(reference.strip())
    if match is None or "#REF!" in reference:  # '#REF!$D$5' is Excel's mark of a deleted sheet
        return None
    column, row = match["col"].upper(), int(match["row"])
    if column_index_from_string(column) > _MAX_COLUMN or not 1 <= row <= _MAX_ROW:
        return None
    sheet = match["plain"] or match["quoted"].replace("''", "'")
    return CellRef(sheet, f"{column}{row}")


def _some(keys: Iterable[str]) -> str:
    keys = list(keys)
    shown = "、".join(keys[:_SHOWN_KEYS])
    return shown if len(keys) <= _SHOWN_KEYS else f"{shown} 等 {len(keys)} 项"
